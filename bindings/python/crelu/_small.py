# SPDX-License-Identifier: MIT
"""The short way to C for small NumPy arrays, the calls where the binding's
fixed cost is most of the time.

The general path (crelu._operands, crelu._buffers) takes any input and pins
both buffers with a buffer export, because ctypes releases the GIL during
the C call. For an exact ndarray of at most SMALL_COUNT elements this path
instead calls libcrelu through a PyDLL handle, which keeps the GIL: no other
thread runs until C returns, so nothing can resize or free the arrays, and
no pinning is needed. Every call still checks what the general path checks
(dtype, C-contiguity, alignment, writability, shape; C checks overlap), with
a few attribute reads instead of a buffer export; nothing is remembered
between calls. Anything it does not take (another type, a bad dtype, a
strided or read-only out, a big array) returns None and goes the general
way, which raises the usual errors.

Float arrays without dtype= take this path inside ReLU.forward, ReLU.backward
and crelu.relu themselves: context_method and stateless wrap them with it
written out, a Python call less per call. Calls with dtype= (bit patterns in
uint16/int16) come through call_bits and call(). HELD's functions are
declared without argtypes (crelu._library): every argument here is a ctypes
object of its C type.
"""

import ctypes
import functools

from ._library import check_status

try:
    import numpy as _np
except ImportError:  # NumPy is optional: without it nothing is small
    _np = None

__all__ = ["SMALL_COUNT", "call", "call_bits"]

# At most this many elements run with the GIL held. Measured (bench/README.md,
# "Python: GIL cut-off"): up to here the C work (~2 us for 16 Ki float32) is
# no longer than the 2-3 us the pinning and GIL hand-over cost; above it,
# other Python threads should run while C works.
SMALL_COUNT = 1 << 14

# NPY_ARRAY_C_CONTIGUOUS, NPY_ARRAY_ALIGNED, NPY_ARRAY_WRITEABLE and
# NPY_ARRAY_OWNDATA from numpy/ndarraytypes.h, part of NumPy's C ABI: one
# read of flags.num tests them all (checked against the named flags below).
_C_CONTIGUOUS, _ALIGNED, _WRITEABLE, _OWNDATA = 0x1, 0x100, 0x400, 0x4
_READABLE = _C_CONTIGUOUS | _ALIGNED
_WRITABLE = _READABLE | _WRITEABLE
# The same, of an array that owns its memory: no view, so no as_strided one.
_READABLE_OWNER = _READABLE | _OWNDATA
_WRITABLE_OWNER = _WRITABLE | _OWNDATA

# An ndarray's data pointer is the first field after the object header
# (PyArrayObject_fields.data, which every compiled NumPy extension reads
# through PyArray_DATA). Reading it there costs a tenth of
# __array_interface__, which builds a dict per call.
_DATA_OFFSET = object.__basicsize__
_pointer_at = ctypes.c_void_p.from_address
_size_t = ctypes.c_size_t
# The count argument, made once for the sizes where the call's fixed cost
# is most of the time (a c_size_t costs 40 ns to make, a tenth of the call
# at 16 elements). Constants: passed by value, never written.
_SIZES = tuple(_size_t(n) for n in range(1025))


def _layout_holds():
    """Whether this NumPy's flags and data pointer are where this module
    reads them, checked once on arrays made for the purpose. If not, the
    small path is off and every call goes the general way."""
    base = _np.zeros(8, _np.float32)
    views = [base, base[1:], base[::2], _np.frombuffer(bytes(36), _np.float32, 8, 1), _np.zeros(())]
    views[-1].setflags(write=False)
    for view in views:
        flags = view.flags
        expected = (
            (_C_CONTIGUOUS if flags.c_contiguous else 0)
            | (_ALIGNED if flags.aligned else 0)
            | (_WRITEABLE if flags.writeable else 0)
            | (_OWNDATA if flags.owndata else 0)
        )
        if flags.num & (_WRITABLE | _OWNDATA) != expected:
            return False
        if _pointer_at(id(view) + _DATA_OFFSET).value != view.__array_interface__["data"][0]:
            return False
    return True


if _np is not None and _layout_holds():
    _NDARRAY = _np.ndarray
    _F32, _F64, _F16 = _np.dtype(_np.float32), _np.dtype(_np.float64), _np.dtype(_np.float16)
    _U16, _I16 = _np.dtype(_np.uint16), _np.dtype(_np.int16)
    # What as_strided wraps its base in (a private class, found by use).
    _STRIDED = type(_np.lib.stride_tricks.as_strided(_np.zeros(1)).base)
    _empty = _np.empty
else:
    _NDARRAY = None  # type(x) is None never holds: nothing is small


def call(functions, ctx, x, out, expect=None, record=None):
    """``functions[code]([ctx,] x, target, count)`` for a small call, and
    the target (`out`, or a new array); None if (x, out) is not small.

    Small: x is an exact ndarray (no subclass, whose methods could run
    Python and whose layout is its own) of native float32, float64 or float16, aligned
    and C-contiguous, with at most SMALL_COUNT elements, not made by
    as_strided; `out` is None (the
    target is then a new array) or an exact ndarray of x's dtype and shape,
    aligned, C-contiguous and writeable. `functions` are HELD's, by dtype
    code; `ctx` is None for the stateless ones, else a context's slot. A
    context call that gets an error status returns None too.

    A backward passes `expect`, the last forward's shape (None before any):
    an x of another shape is not small (the general path raises). A forward
    passes `record`, its _Context: a success records x's shape and dtype
    code there, for the backward that follows.
    """
    if type(x) is not _NDARRAY:
        return None
    dtype = x.dtype
    if dtype is _F32:
        function, code = functions["f"], "f"
    elif dtype is _F64:
        function, code = functions["d"], "d"
    elif dtype is _F16:  # after the others: float32 pays nothing for it
        function, code = functions["e"], "e"
    elif dtype is _U16 or dtype is _I16:
        # Bit patterns: only call_bits' tables, made for a dtype= option,
        # have a "bits" function; without the option the general path raises.
        function = functions.get("bits")
        if function is None:
            return None
        code = functions["code"]
    else:
        return None  # other dtypes, and float32 in another byte order
    count = x.size
    # An array made by as_strided may claim more memory than there is: the
    # general path checks those (NumPy checked every other view). An owner
    # of its memory is none, and costs no more than before: one mask test.
    if count > SMALL_COUNT or (
        x.flags.num & _READABLE_OWNER != _READABLE_OWNER
        and (x.flags.num & _READABLE != _READABLE or type(x.base) is _STRIDED)
    ):
        return None
    shape = x.shape
    if expect is not None and shape != expect:
        return None
    if out is None:
        out = _empty(shape, dtype)
    elif (
        type(out) is not _NDARRAY
        or out.dtype is not dtype
        or out.shape != shape
        or (
            out.flags.num & _WRITABLE_OWNER != _WRITABLE_OWNER
            and (out.flags.num & _WRITABLE != _WRITABLE or type(out.base) is _STRIDED)
        )
    ):
        return None
    # c_void_p objects over the arrays' own data fields: ctypes reads the
    # pointers at the call, with no int in between.
    source = _pointer_at(id(x) + _DATA_OFFSET)
    target = _pointer_at(id(out) + _DATA_OFFSET)
    # HELD functions convert nothing: every argument is a ctypes object of
    # the C parameter's type (crelu._library._declare_held).
    if ctx is None:
        status = function(source, target, (_SIZES[count] if count < 1025 else _size_t(count)))
        if status:
            check_status(status, function)
        return out
    status = function(ctx, source, target, (_SIZES[count] if count < 1025 else _size_t(count)))
    # An error leaves everything as it was, so the general path can redo the
    # call: it raises the error, or, if a big call had emptied the context's
    # slot (crelu._relu._Context), it waits for it and succeeds.
    if status:
        return None
    if record is not None:
        record.shape, record.code = shape, code
    return out


def call_bits(tables, option, ctx, x, out, expect=None, record=None):
    """call() for a dtype= call: x must be a uint16/int16 ndarray (anything
    else, and a bad option, goes the general way, which raises). `tables`
    maps each option to {"bits": HELD function, "code": its dtype code}."""
    table = tables.get(option) if type(option) is str else None  # never hash a caller's object
    if table is None or type(x) is not _NDARRAY or (x.dtype is not _U16 and x.dtype is not _I16):
        return None
    return call(table, ctx, x, out, expect, record)


def context_method(general, functions, records, redo):
    """ReLU.forward (`records`: a success records x's shape and dtype code
    in the context) or ReLU.backward (x must have the last forward's
    shape), with call()'s small path for float ndarrays written into the
    method itself: a Python call less is a tenth of a 16-element call.
    Everything else goes to `general`, the method as written in
    crelu._relu (which tries call(), then the general path); a small call
    that gets an error status goes to `redo(self, context, x, out)`, the
    general path alone, which raises the error or waits for a big call
    (as after call())."""

    def method(self, x, out=None, *, dtype=None):
        context = self._context
        if dtype is None and context is not None and type(x) is _NDARRAY:
            kind = x.dtype
            code = "f" if kind is _F32 else "d" if kind is _F64 else "e" if kind is _F16 else None
            count = x.size
            if code is not None and count <= SMALL_COUNT and (
                    x.flags.num & _READABLE_OWNER == _READABLE_OWNER
                    or (x.flags.num & _READABLE == _READABLE and type(x.base) is not _STRIDED)):
                shape = x.shape
                if records or context.shape is None or shape == context.shape:
                    if out is None:
                        target = _empty(shape, kind)
                    elif (type(out) is _NDARRAY and out.dtype is kind and out.shape == shape and (
                            out.flags.num & _WRITABLE_OWNER == _WRITABLE_OWNER
                            or (out.flags.num & _WRITABLE == _WRITABLE and type(out.base) is not _STRIDED))):
                        target = out
                    else:
                        target = None
                    if target is not None:
                        if functions[code](context.slot, _pointer_at(id(x) + _DATA_OFFSET),
                                           _pointer_at(id(target) + _DATA_OFFSET), (_SIZES[count] if count < 1025 else _size_t(count))):
                            return redo(self, context, x, out)
                        if records:
                            context.shape, context.code = shape, code
                        return target
        return general(self, x, out, dtype=dtype)

    return functools.update_wrapper(method, general)


def stateless(general, functions):
    """crelu.relu with call()'s small path for float ndarrays written in, as
    context_method does; an error status raises here."""

    def relu(x, out=None, *, dtype=None):
        if dtype is None and type(x) is _NDARRAY:
            kind = x.dtype
            code = "f" if kind is _F32 else "d" if kind is _F64 else "e" if kind is _F16 else None
            count = x.size
            if code is not None and count <= SMALL_COUNT and (
                    x.flags.num & _READABLE_OWNER == _READABLE_OWNER
                    or (x.flags.num & _READABLE == _READABLE and type(x.base) is not _STRIDED)):
                shape = x.shape
                if out is None:
                    target = _empty(shape, kind)
                elif (type(out) is _NDARRAY and out.dtype is kind and out.shape == shape and (
                        out.flags.num & _WRITABLE_OWNER == _WRITABLE_OWNER
                        or (out.flags.num & _WRITABLE == _WRITABLE and type(out.base) is not _STRIDED))):
                    target = out
                else:
                    target = None
                if target is not None:
                    function = functions[code]
                    status = function(_pointer_at(id(x) + _DATA_OFFSET),
                                      _pointer_at(id(target) + _DATA_OFFSET), (_SIZES[count] if count < 1025 else _size_t(count)))
                    if status:
                        check_status(status, function)
                    return target
        return general(x, out, dtype=dtype)

    return functools.update_wrapper(relu, general)
