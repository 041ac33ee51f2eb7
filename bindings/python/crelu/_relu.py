# SPDX-License-Identifier: MIT
"""ReLU, the layer object over one crelu_ctx, and the stateless relu()."""

from __future__ import annotations

import array
import ctypes
import math
import numbers
import threading
from typing import TYPE_CHECKING, Any, Dict, List, Literal, Optional, Tuple, TypeVar, Union, overload

if TYPE_CHECKING:  # for the checker only: NumPy stays optional at run time
    import numpy as np
    from numpy.typing import NDArray

    _Float = TypeVar("_Float", np.float32, np.float64, np.float16)
    # bfloat16/float16 bit patterns (dtype="bf16"/"f16") come in and go out as these.
    _Bits = TypeVar("_Bits", np.uint16, np.int16)
    # What `out` may be: a writeable buffer, returned as it is.
    _Out = TypeVar("_Out", bound=Union["NDArray[Any]", "array.array[Any]", memoryview, "ctypes.Array[Any]"])
    # Every input kind; a list may nest (rows of rows of numbers).
    _Input = Union["NDArray[Any]", "array.array[Any]", memoryview, "ctypes.Array[Any]", List[Any]]

# The dtype= option: what a uint16/int16 array's elements are the bits of.
_BitsOption = Literal["bf16", "f16"]

from . import _buffers, _operands, _small
from ._errors import Error, error_for_status
from ._library import HELD, LIB, ContextPointer

__all__ = ["ReLU", "relu"]

_SAVE: Dict[str, int] = {"x": 0, "mask": 1}  # CRELU_SAVE_X, CRELU_SAVE_MASK
_GRAD: Dict[str, int] = {"pytorch": 0, "cs231n": 1}  # CRELU_GRAD_PYTORCH, CRELU_GRAD_CS231N

# Each C function twice: releasing the GIL (the general path), and keeping
# it (HELD: small ndarrays, crelu._small). By dtype code (crelu._operands).
_SUFFIX = {"f": "f32", "d": "f64", "e": "f16", "b": "bf16"}


def _table(lib, what):
    return {code: getattr(lib, f"crelu_{what}_{suffix}") for code, suffix in _SUFFIX.items()}


_FORWARD = _table(LIB, "forward")
_BACKWARD = _table(LIB, "backward")
_STATELESS = _table(LIB, "relu")
_FORWARD_HELD = _table(HELD, "forward")
_BACKWARD_HELD = _table(HELD, "backward")
_STATELESS_HELD = _table(HELD, "relu")


def _bits_tables(held):
    """For crelu._small.call_bits: per dtype= option, the HELD function."""
    return {option: {"bits": held[code], "code": code} for option, code in _operands.DTYPE_OPTIONS.items()}


_FORWARD_BITS = _bits_tables(_FORWARD_HELD)
_BACKWARD_BITS = _bits_tables(_BACKWARD_HELD)
_STATELESS_BITS = _bits_tables(_STATELESS_HELD)


def _choice(option, value, choices):
    if not isinstance(value, str):
        raise TypeError(f"{option} must be a str, not {type(value).__name__}")
    if value not in choices:
        allowed = " or ".join(repr(c) for c in choices)
        raise ValueError(f"{option} must be {allowed}, not {value!r}")
    return choices[value]


def _real(option, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{option} must be a real number, not {type(value).__name__}")
    return float(value)


def _run(function, head, src, out):
    """Calls C on operand `src` into `out` (or new memory), gives the result back."""
    data, finish = _operands.target(src, out)
    _buffers.call(function[src.code], head, src.data, data, src.count, src.itemsize)
    if out is not None:
        _operands.release(src)
        return out  # itself, not the view C wrote through
    return data if finish is None else finish(data)


class _Context:
    """Owns one crelu_ctx and frees it when the last reference goes: a call
    keeps one in a local variable, so a close() during the call (from
    another thread, or from a finalizer on this one) frees the context only
    when the call returns.

    `slot` holds the context's address for the small calls (GIL held), which
    pass it to C as it is: ctypes reads it as it converts the arguments,
    with the GIL held from there until C returns. A big call (GIL released)
    empties it while C runs, so that a small call on another thread meanwhile
    passes NULL, gets an error status back, and waits for the big call on the
    lock instead.

    `shape` and `code` are the last successful forward's input shape and
    dtype code (None before any): backward compares its gradient's shape
    with it (C knows only counts)."""

    __slots__ = ("pointer", "slot", "shape", "code")

    def __init__(self, pointer):
        self.pointer = pointer
        self.slot = ctypes.c_void_p(ctypes.cast(pointer, ctypes.c_void_p).value)
        self.shape = self.code = None

    def __del__(self):
        # May run at interpreter shutdown, with module globals already gone.
        try:
            LIB.crelu_destroy(self.pointer)
        except Exception:
            pass


class ReLU:
    """A ReLU layer, the way the seed's NumPy class and torch.nn.ReLU are used:
    ``y = r(x)`` remembers what backward needs, ``dx = r.backward(d)``.

    Options (keyword-only, applied once at construction):
      save:           "x" keeps a copy of x (default); "mask" keeps one bit per
                      element. Both give identical dx.
      grad:           "pytorch" (default) matches torch autograd bit for bit;
                      "cs231n" matches the classic NumPy dx = d * (x >= 0).
      negative_slope: 0.0 is plain ReLU; any other finite value is leaky ReLU.
      max_value:      None is no cap; a number > 0 is clipped ReLU (6 = ReLU6).
                      A slope and a cap cannot be combined.
    A bad option type is a TypeError, a bad value a ValueError
    (crelu.InvalidArgumentError when libcrelu rejects it).

    float16 arrays work as float32 ones do. bfloat16 data travels as its
    bit patterns in a uint16 or int16 array, with dtype="bf16" on each call
    (forward, backward, relu), since the array cannot say it itself; the
    result keeps the input's integer dtype. A uint16/int16 array without
    dtype=, or dtype= with a float array, is a TypeError. Backward takes
    the last forward's dtype (else DtypeMismatchError). From PyTorch, with
    no copy::

        a = t.view(torch.int16).numpy()          # t: a bfloat16 tensor
        out = r(a, dtype="bf16")                 # or crelu.relu(a, dtype="bf16")
        y = torch.from_numpy(out).view(torch.bfloat16)

    Inputs and results: see forward(). Every computation is libcrelu's.
    Errors leave the object as it was: the last forward's state, the options,
    and any `out` are untouched, and the object stays usable.
    Calls on one object never run in C at the same time (small arrays hold
    the GIL, others take a lock); use one object per thread for parallel
    work. close() closes the object at once (also on `with` exit and on
    garbage collection) and frees the C context when no call uses it any
    more: a call in progress, on any thread or interrupted by a finalizer or
    signal handler that closes the object, finishes first. A closed object
    raises ValueError.

    pickle, copy.copy and copy.deepcopy keep the options, as a torch.nn.ReLU
    keeps its configuration, and nothing else: the copy is a new, open object
    with a fresh context. What forward saved for backward is per-call state
    (autograd's, in torch), not the layer's, so a copy's backward before its
    own forward raises NoForwardError; the copy of a closed object is open.
    """

    def __init__(
        self,
        *,
        save: Literal["x", "mask"] = "x",
        grad: Literal["pytorch", "cs231n"] = "pytorch",
        negative_slope: float = 0.0,
        max_value: Optional[float] = None,
    ) -> None:
        self._context: Optional[_Context] = None
        # One big call at a time (see _locked). Reentrant: an element's
        # __float__, a finalizer or a signal handler may call this object
        # again on the same thread, between the outer call's Python steps
        # (never during its C call), and must not wait for itself.
        self._lock = threading.RLock()
        save_code = _choice("save", save, _SAVE)
        grad_code = _choice("grad", grad, _GRAD)
        slope = _real("negative_slope", negative_slope)
        cap = math.inf if max_value is None else _real("max_value", max_value)

        ctx = ContextPointer()
        LIB.crelu_create(ctypes.byref(ctx))
        try:
            LIB.crelu_set_save(ctx, save_code)
            LIB.crelu_set_grad_rule(ctx, grad_code)
            _set_option(LIB.crelu_set_negative_slope, ctx, slope, f"negative_slope={negative_slope!r}")
            both = slope != 0.0 and max_value is not None
            context = (
                f"negative_slope={negative_slope!r} with max_value={max_value!r}: "
                "a slope and a cap cannot be combined"
                if both
                else f"max_value={max_value!r}"
            )
            _set_option(LIB.crelu_set_max_value, ctx, cap, context)
        except BaseException:
            LIB.crelu_destroy(ctx)
            raise
        self._context = _Context(ctx)
        self._options: Tuple[str, str, float, Optional[float]] = (
            save, grad, slope, max_value if max_value is None else cap)

    # -- the layer ---------------------------------------------------------

    @overload
    def forward(self, x: NDArray[_Float], out: None = None, *, dtype: None = None) -> NDArray[_Float]: ...
    @overload
    def forward(self, x: NDArray[_Bits], out: None = None, *, dtype: _BitsOption) -> NDArray[_Bits]: ...
    @overload
    def forward(self, x: array.array[float], out: None = None, *, dtype: None = None) -> array.array[float]: ...
    @overload
    def forward(self, x: array.array[int], out: None = None, *, dtype: _BitsOption) -> array.array[int]: ...
    @overload
    def forward(self, x: Union[memoryview, ctypes.Array[Any]], out: None = None, *,
                dtype: Optional[_BitsOption] = None) -> memoryview: ...
    @overload
    def forward(self, x: List[Any], out: None = None, *, dtype: None = None) -> List[Any]: ...
    @overload
    def forward(self, x: _Input, out: _Out, *, dtype: Optional[_BitsOption] = None) -> _Out: ...

    def forward(self, x: Any, out: Any = None, *, dtype: Optional[str] = None) -> Any:
        """y = relu(x), remembering what backward needs.

        x:     a float32/float64/float16 NumPy array of any shape,
               array.array('f'/'d'), memoryview (or other buffer) of format
               'f'/'d'/'e', or a flat or nested list of numbers (taken as
               float64); with dtype=, a uint16/int16 array (or 'H'/'h'
               buffer) of bit patterns. C-contiguous arrays and buffers are
               read in place, never copied; a non-contiguous one is copied
               into C order first (a correct copy).
        out:   optional, a writeable C-contiguous buffer of the same dtype and
               shape as x (for bit patterns, uint16 or int16), written in
               place and returned; may be x itself.
        dtype: None, or "bf16" / "f16" when x holds bfloat16 / float16 bit
               patterns in 16-bit integers (required then, refused otherwise).
        Returns `out`, or a new result of x's kind, shape and dtype (ndarray,
        array.array, memoryview, or nested lists of float).
        """
        context = self._context
        if context is None:
            context = self._open_context()  # raises
        # Float ndarrays took the small path already, in the wrapper around
        # this method (crelu._small.context_method); dtype= calls take theirs here.
        result = (None if dtype is None
                  else _small.call_bits(_FORWARD_BITS, dtype, context.slot, x, out, None, context))
        if result is None:
            result = self._locked(_FORWARD, context, x, out, "x", dtype)
        return result

    __call__ = forward

    @overload
    def backward(self, d: NDArray[_Float], out: None = None, *, dtype: None = None) -> NDArray[_Float]: ...
    @overload
    def backward(self, d: NDArray[_Bits], out: None = None, *, dtype: _BitsOption) -> NDArray[_Bits]: ...
    @overload
    def backward(self, d: array.array[float], out: None = None, *, dtype: None = None) -> array.array[float]: ...
    @overload
    def backward(self, d: array.array[int], out: None = None, *, dtype: _BitsOption) -> array.array[int]: ...
    @overload
    def backward(self, d: Union[memoryview, ctypes.Array[Any]], out: None = None, *,
                 dtype: Optional[_BitsOption] = None) -> memoryview: ...
    @overload
    def backward(self, d: List[Any], out: None = None, *, dtype: None = None) -> List[Any]: ...
    @overload
    def backward(self, d: _Input, out: _Out, *, dtype: Optional[_BitsOption] = None) -> _Out: ...

    def backward(self, d: Any, out: Any = None, *, dtype: Optional[str] = None) -> Any:
        """dx = relu'(x) * d for the x of the last forward, with its options.

        d takes the same kinds as forward's x and must have the last forward's
        dtype and shape (as NumPy's d * mask would: a (3, 2) d for a (2, 3) x
        is a ValueError); dx has d's kind and shape. May be called any
        number of times until the next forward. `out` as in forward (may be d).
        `dtype` as in forward: after a forward of bfloat16 bits, d is
        bfloat16 bits too, with dtype="bf16".
        Raises crelu.NoForwardError before any forward, DtypeMismatchError
        (a TypeError) and SizeMismatchError (a ValueError) on a mismatch.
        """
        context = self._context
        if context is None:
            context = self._open_context()  # raises
        result = (None if dtype is None  # see forward
                  else _small.call_bits(_BACKWARD_BITS, dtype, context.slot, d, out, context.shape))
        if result is None:
            result = self._locked(_BACKWARD, context, d, out, "d", dtype)
        return result

    def _locked(self, functions, context, value, out, name, dtype):
        """The general path (any input, GIL released in C), one call at a
        time; also where a small call that got an error status comes to
        raise it, or to wait for a big call it ran into. A backward checks
        its operand's shape first; a forward records it."""
        with self._lock:
            slot = context.slot
            address, slot.value = slot.value, None  # small calls wait meanwhile
            try:
                src = _operands.source(value, name, dtype)
                shape = tuple(src.shape)
                if functions is _BACKWARD:
                    _check_shape(shape, src, context)
                result = _run(functions, (context.pointer,), src, out)
                if functions is _FORWARD:
                    context.shape, context.code = shape, src.code
                return result
            finally:
                slot.value = address

    # -- lifetime ----------------------------------------------------------

    def close(self) -> None:
        """Frees the C context (once no call uses it any more). Idempotent."""
        self._context = None

    @property
    def closed(self) -> bool:
        return self._context is None

    @property
    def _ctx(self):
        """The ContextPointer, None once closed."""
        context = self._context
        return None if context is None else context.pointer

    def __enter__(self) -> ReLU:
        self._open_context()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _open_context(self) -> _Context:
        context = self._context
        if context is None:
            raise ValueError("operation on a closed ReLU")
        return context

    # -- copies: the options, never the context (see the class docstring) ---

    def __getstate__(self) -> Dict[str, Any]:
        save, grad, slope, cap = self._options
        return {"save": save, "grad": grad, "negative_slope": slope, "max_value": cap}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.__init__(**state)  # type: ignore[misc]  # a new context, as a new ReLU

    # -- introspection -----------------------------------------------------

    @property
    def save(self) -> str:
        return self._options[0]

    @property
    def grad(self) -> str:
        return self._options[1]

    @property
    def negative_slope(self) -> float:
        return self._options[2]

    @property
    def max_value(self) -> Optional[float]:
        return self._options[3]

    def __repr__(self) -> str:
        save, grad, slope, cap = self._options
        state = " (closed)" if self.closed else ""
        return f"ReLU(save={save!r}, grad={grad!r}, negative_slope={slope!r}, max_value={cap!r}){state}"


# The small path written into the methods themselves (crelu._small).
ReLU.forward = ReLU.__call__ = _small.context_method(  # type: ignore[method-assign]
    ReLU.forward, _FORWARD_HELD, records=True,
    redo=lambda self, context, x, out: self._locked(_FORWARD, context, x, out, "x", None))
ReLU.backward = _small.context_method(  # type: ignore[method-assign]
    ReLU.backward, _BACKWARD_HELD, records=False,
    redo=lambda self, context, d, out: self._locked(_BACKWARD, context, d, out, "d", None))


def _check_shape(shape, src, context):
    """Raises for a gradient `src` of `shape` that has the last forward's
    dtype and element count but another shape. The mismatches C sees are
    left to it: no forward yet (NoForwardError), another dtype
    (DtypeMismatchError), another count (SizeMismatchError)."""
    expected = context.shape
    if (expected is not None and shape != expected and src.code == context.code
            and src.count == math.prod(expected)):
        raise ValueError(
            f"d has shape {shape}, the last forward's x had shape {expected}: they must match"
        )


def _set_option(setter, ctx, value, context):
    try:
        setter(ctx, value)
    except Error as exc:
        raise error_for_status(exc.status, exc.function, exc.reason, context) from None


@overload
def relu(x: NDArray[_Float], out: None = None, *, dtype: None = None) -> NDArray[_Float]: ...
@overload
def relu(x: NDArray[_Bits], out: None = None, *, dtype: _BitsOption) -> NDArray[_Bits]: ...
@overload
def relu(x: array.array[float], out: None = None, *, dtype: None = None) -> array.array[float]: ...
@overload
def relu(x: array.array[int], out: None = None, *, dtype: _BitsOption) -> array.array[int]: ...
@overload
def relu(x: Union[memoryview, ctypes.Array[Any]], out: None = None, *,
         dtype: Optional[_BitsOption] = None) -> memoryview: ...
@overload
def relu(x: List[Any], out: None = None, *, dtype: None = None) -> List[Any]: ...
@overload
def relu(x: _Input, out: _Out, *, dtype: Optional[_BitsOption] = None) -> _Out: ...


def relu(x: Any, out: Any = None, *, dtype: Optional[str] = None) -> Any:
    """y = relu(x), plain ReLU without a context (nothing is remembered).

    Takes and returns what ReLU.forward does, dtype= included (bfloat16 bits
    in uint16/int16: ``crelu.relu(t.view(torch.int16).numpy(), dtype="bf16")``);
    `out` may be x (in place).
    """
    result = (None if dtype is None  # float ndarrays: crelu._small.stateless, around this
              else _small.call_bits(_STATELESS_BITS, dtype, None, x, out))
    if result is None:
        result = _run(_STATELESS, (), _operands.source(x, "x", dtype), out)
    return result


relu = _small.stateless(relu, _STATELESS_HELD)  # type: ignore[assignment]
