"""ReLU, the layer object over one crelu_ctx, and the stateless relu()."""

import ctypes
import math
import numbers
import threading

from . import _buffers, _operands, _small
from ._errors import Error, error_for_status
from ._library import HELD, LIB, ContextPointer

__all__ = ["ReLU", "relu"]

_SAVE = {"x": 0, "mask": 1}  # CRELU_SAVE_X, CRELU_SAVE_MASK
_GRAD = {"pytorch": 0, "cs231n": 1}  # CRELU_GRAD_PYTORCH, CRELU_GRAD_CS231N

# Each C function twice: releasing the GIL (the general path), and keeping
# it (HELD: small ndarrays, crelu._small). By dtype code.
_FORWARD = {"f": LIB.crelu_forward_f32, "d": LIB.crelu_forward_f64}
_BACKWARD = {"f": LIB.crelu_backward_f32, "d": LIB.crelu_backward_f64}
_STATELESS = {"f": LIB.crelu_relu_f32, "d": LIB.crelu_relu_f64}
_FORWARD_HELD = {"f": HELD.crelu_forward_f32, "d": HELD.crelu_forward_f64}
_BACKWARD_HELD = {"f": HELD.crelu_backward_f32, "d": HELD.crelu_backward_f64}
_STATELESS_HELD = {"f": HELD.crelu_relu_f32, "d": HELD.crelu_relu_f64}


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


def _run(function, head, x, out, name):
    """Converts `x`, calls C into `out` (or new memory), gives the result back."""
    src = _operands.source(x, name)
    data, finish = _operands.target(src, out)
    _buffers.call(function[src.code], head, src.data, data, src.count, src.itemsize)
    if out is not None:
        return out  # itself, not the view C wrote through
    return data if finish is None else finish(data)


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

    Inputs and results: see forward(). Every computation is libcrelu's.
    Errors leave the object as it was: the last forward's state, the options,
    and any `out` are untouched, and the object stays usable.
    Calls on one object are serialised by a lock; use one object per thread
    for parallel work. close() frees the C context (also on `with` exit and
    on garbage collection); a closed object raises ValueError. A close()
    that interrupts a call on its own thread (from a finalizer or a signal
    handler) closes the object at once and frees the context when that call
    returns.
    """

    def __init__(self, *, save="x", grad="pytorch", negative_slope=0.0, max_value=None):
        self._ctx = None
        # Reentrant: a finalizer or signal handler that runs on a thread
        # mid-call and closes this object must not deadlock on the lock that
        # thread already holds (see close()).
        self._lock = threading.RLock()
        self._doomed = None  # a context closed mid-call, freed when the call ends
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
        self._ctx = ctx
        self._options = (save, grad, slope, max_value if max_value is None else cap)

    # -- the layer ---------------------------------------------------------

    def forward(self, x, out=None):
        """y = relu(x), remembering what backward needs.

        x:   a float32/float64 NumPy array of any shape, array.array('f'/'d'),
             memoryview (or other buffer) of format 'f'/'d', or a flat or nested
             list of numbers (taken as float64). C-contiguous arrays and buffers
             are read in place, never copied; a non-contiguous one is copied
             into C order first (a correct copy).
        out: optional, a writeable C-contiguous buffer of the same dtype and
             shape as x, written in place and returned; may be x itself.
        Returns `out`, or a new result of x's kind, shape and dtype (ndarray,
        array.array, memoryview, or nested lists of float).
        """
        return self._call(_FORWARD, _FORWARD_HELD, x, out, "x")

    __call__ = forward

    def backward(self, d, out=None):
        """dx = relu'(x) * d for the x of the last forward, with its options.

        d takes the same kinds as forward's x and must have the last forward's
        dtype and element count; dx has d's kind and shape. May be called any
        number of times until the next forward. `out` as in forward (may be d).
        Raises crelu.NoForwardError before any forward, DtypeMismatchError
        (a TypeError) and SizeMismatchError (a ValueError) on a mismatch.
        """
        return self._call(_BACKWARD, _BACKWARD_HELD, d, out, "d")

    def _call(self, released, held, value, out, name):
        """`released` and `held` are the C function by dtype code, GIL
        released (any input) and GIL held (small ndarrays, crelu._small)."""
        # The lock keeps another thread's close() and calls out until C has
        # returned (the GIL is released for big calls). Between taking the
        # context and the C call, Python code allocates, so the collector can
        # run a finalizer on this thread that closes this very object: close()
        # then leaves the context to _free_doomed().
        lock = self._lock
        lock.acquire()  # not `with`: a third cheaper, and this is every call
        try:
            ctx = self._ctx
            if ctx is None:
                self._open_ctx()  # raises
            result = _small.call(held, ctx, value, out)
            if result is None:
                result = _run(released, (ctx,), value, out, name)
            return result
        finally:
            lock.release()
            if self._doomed is not None:
                self._free_doomed()

    # -- lifetime ----------------------------------------------------------

    def close(self):
        """Frees the C context. Idempotent."""
        # Only calls hold the lock while running Python, so if this thread
        # holds it already, close() has interrupted a call on this thread (a
        # finalizer, a signal handler), which may still pass the context to C.
        interrupting = self._lock._is_owned()
        with self._lock:
            ctx, self._ctx = self._ctx, None
            if ctx is None:
                return
            if interrupting:
                self._doomed = ctx
            else:
                LIB.crelu_destroy(ctx)

    def _free_doomed(self):
        """Frees a context that close() left to the interrupted call, once
        that call, and any it was nested in, has returned."""
        if self._lock._is_owned():
            return  # still inside an outer call on this thread
        with self._lock:
            doomed, self._doomed = self._doomed, None
        if doomed is not None:
            LIB.crelu_destroy(doomed)

    @property
    def closed(self):
        return self._ctx is None

    def __enter__(self):
        self._open_ctx()
        return self

    def __exit__(self, *exc_info):
        self.close()

    def __del__(self):
        # May run at interpreter shutdown, with module globals already gone,
        # or on an object whose __init__ raised before the context existed.
        ctx = getattr(self, "_ctx", None)
        if ctx is not None:
            try:
                LIB.crelu_destroy(ctx)
            except Exception:
                pass
            self._ctx = None

    def _open_ctx(self):
        ctx = self._ctx
        if ctx is None:
            raise ValueError("operation on a closed ReLU")
        return ctx

    # A copy would share the C context and free it twice.
    def __reduce_ex__(self, protocol):
        raise TypeError("a ReLU cannot be copied or pickled; make a new one with the same options")

    # -- introspection -----------------------------------------------------

    @property
    def save(self):
        return self._options[0]

    @property
    def grad(self):
        return self._options[1]

    @property
    def negative_slope(self):
        return self._options[2]

    @property
    def max_value(self):
        return self._options[3]

    def __repr__(self):
        save, grad, slope, cap = self._options
        state = " (closed)" if self.closed else ""
        return f"ReLU(save={save!r}, grad={grad!r}, negative_slope={slope!r}, max_value={cap!r}){state}"


def _set_option(setter, ctx, value, context):
    try:
        setter(ctx, value)
    except Error as exc:
        raise error_for_status(exc.status, exc.function, exc.reason, context) from None


def relu(x, out=None):
    """y = relu(x), plain ReLU without a context (nothing is remembered).

    Takes and returns what ReLU.forward does; `out` may be x (in place).
    """
    result = _small.call(_STATELESS_HELD, None, x, out)
    if result is None:
        result = _run(_STATELESS, (), x, out, "x")
    return result
