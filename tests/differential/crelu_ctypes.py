# SPDX-License-Identifier: MIT
"""Minimal ctypes access to libcrelu for the differential tests.

Deliberately separate from the Python binding: these tests judge the C
library itself, so nothing here may convert, copy or reinterpret data.
Arrays are handed over with ``arr.ctypes.data_as(...)``; an array that is not
C-contiguous, not writeable (for outputs) or of the wrong dtype is rejected
instead of being copied behind the caller's back. bfloat16 and float16 data
are uint16 arrays of bit patterns, with ``half="bf16"`` or ``half="f16"``
saying which (the array cannot).
"""

import ctypes
import math
import os

import numpy as np

# Values from crelu.h.
CRELU_OK = 0
CRELU_SAVE_X = 0
CRELU_SAVE_MASK = 1
CRELU_GRAD_PYTORCH = 0
CRELU_GRAD_CS231N = 1


class CreluError(RuntimeError):
    """A libcrelu call returned a non-zero status."""

    def __init__(self, function, status, message):
        super().__init__(f"{function}: status {status}: {message}")
        self.function = function
        self.status = status


class _Ctx(ctypes.Structure):
    """crelu_ctx is opaque: only pointers to it ever exist on this side."""


CtxPtr = ctypes.POINTER(_Ctx)

_F32P = ctypes.POINTER(ctypes.c_float)
_F64P = ctypes.POINTER(ctypes.c_double)
_U16P = ctypes.POINTER(ctypes.c_uint16)
_C_POINTER = {np.dtype(np.float32): _F32P, np.dtype(np.float64): _F64P, np.dtype(np.uint16): _U16P}
_SUFFIX = {np.dtype(np.float32): "f32", np.dtype(np.float64): "f64"}
HALVES = ("bf16", "f16")


def _signatures():
    """(name, restype, argtypes) for every function these tests call."""
    sz = ctypes.c_size_t
    rows = [
        ("crelu_strerror", ctypes.c_char_p, [ctypes.c_int]),
        ("crelu_version_string", ctypes.c_char_p, []),
        ("crelu_create", ctypes.c_int, [ctypes.POINTER(CtxPtr)]),
        ("crelu_destroy", None, [CtxPtr]),
        ("crelu_set_save", ctypes.c_int, [CtxPtr, ctypes.c_int]),
        ("crelu_set_grad_rule", ctypes.c_int, [CtxPtr, ctypes.c_int]),
        ("crelu_set_negative_slope", ctypes.c_int, [CtxPtr, ctypes.c_double]),
        ("crelu_set_max_value", ctypes.c_int, [CtxPtr, ctypes.c_double]),
    ]
    for suffix, p in (("f32", _F32P), ("f64", _F64P), ("bf16", _U16P), ("f16", _U16P)):
        rows += [
            (f"crelu_forward_{suffix}", ctypes.c_int, [CtxPtr, p, p, sz]),
            (f"crelu_backward_{suffix}", ctypes.c_int, [CtxPtr, p, p, sz]),
            (f"crelu_relu_{suffix}", ctypes.c_int, [p, p, sz]),
            (f"crelu_relu_backward_{suffix}", ctypes.c_int, [p, p, p, sz]),
        ]
    return rows


def load(path=None):
    """Loads libcrelu from `path` or $CRELU_LIBRARY; no search, so a test run
    can never silently pick up some other installed copy."""
    path = path or os.environ.get("CRELU_LIBRARY")
    if not path:
        raise RuntimeError(
            "CRELU_LIBRARY is not set: point it at the library under test, e.g. "
            "CRELU_LIBRARY=/tmp/crelu-prefix/lib/libcrelu.so.1"
        )
    try:
        lib = ctypes.CDLL(path)
    except OSError as exc:
        raise RuntimeError(f"cannot load CRELU_LIBRARY={path!r}: {exc}") from exc

    def errcheck(status, func, _args):
        if status != CRELU_OK:
            message = lib.crelu_strerror(status).decode()
            raise CreluError(func.__name__, status, message)
        return status

    for name, restype, argtypes in _signatures():
        func = getattr(lib, name)
        func.restype = restype
        func.argtypes = argtypes
        if restype is ctypes.c_int:
            func.errcheck = errcheck
    return Library(lib)


def _pointer(arr, writeable=False):
    """The array's own buffer as a typed C pointer (no copy)."""
    if not isinstance(arr, np.ndarray) or arr.dtype not in _C_POINTER:
        raise TypeError("expected a float32, float64 or uint16 numpy array")
    if not arr.flags.c_contiguous:
        raise ValueError("array must be C-contiguous")
    if writeable and not arr.flags.writeable:
        raise ValueError("output array must be writeable")
    return arr.ctypes.data_as(_C_POINTER[arr.dtype])


def _suffix(arr, half):
    """The C suffix for `arr`: its float dtype's, or `half` for uint16 bits."""
    if arr.dtype == np.uint16:
        if half not in HALVES:
            raise ValueError(f"a uint16 array needs half='bf16' or 'f16', not {half!r}")
        return half
    if half is not None:
        raise ValueError(f"half={half!r} is for uint16 arrays, not {arr.dtype}")
    return _SUFFIX[arr.dtype]


def _check_pair(a, b):
    if a.dtype != b.dtype or a.size != b.size:
        raise ValueError(f"arrays differ in dtype or size: {a.dtype}[{a.size}] vs {b.dtype}[{b.size}]")


class Library:
    """The loaded library: a factory for contexts plus the stateless calls."""

    def __init__(self, lib):
        self.lib = lib

    def version(self):
        return self.lib.crelu_version_string().decode()

    def context(self, save=CRELU_SAVE_X, rule=CRELU_GRAD_PYTORCH, slope=0.0, cap=math.inf):
        return Context(self.lib, save, rule, slope, cap)

    def relu(self, x, out=None, half=None):
        """crelu_relu_*; `out=x` runs in place."""
        out = np.empty_like(x) if out is None else out
        _check_pair(x, out)
        fn = getattr(self.lib, f"crelu_relu_{_suffix(x, half)}")
        fn(_pointer(x), _pointer(out, True), x.size)
        return out

    def relu_backward(self, x, dy, out=None, half=None):
        """crelu_relu_backward_*; `out` may be `dy` or `x`."""
        out = np.empty_like(dy) if out is None else out
        _check_pair(x, dy)
        _check_pair(dy, out)
        fn = getattr(self.lib, f"crelu_relu_backward_{_suffix(x, half)}")
        fn(_pointer(x), _pointer(dy), _pointer(out, True), x.size)
        return out


class Context:
    """One crelu_ctx, configured once; usable as a context manager."""

    def __init__(self, lib, save, rule, slope, cap):
        self._lib = lib
        self._ptr = CtxPtr()
        lib.crelu_create(ctypes.byref(self._ptr))
        try:
            lib.crelu_set_save(self._ptr, save)
            lib.crelu_set_grad_rule(self._ptr, rule)
            lib.crelu_set_negative_slope(self._ptr, slope)
            lib.crelu_set_max_value(self._ptr, cap)
        except CreluError:
            self.close()
            raise

    def forward(self, x, out=None, half=None):
        """crelu_forward_*; `out=x` runs in place."""
        out = np.empty_like(x) if out is None else out
        _check_pair(x, out)
        fn = getattr(self._lib, f"crelu_forward_{_suffix(x, half)}")
        fn(self._ptr, _pointer(x), _pointer(out, True), x.size)
        return out

    def backward(self, dy, out=None, half=None):
        """crelu_backward_*; `out=dy` runs in place."""
        out = np.empty_like(dy) if out is None else out
        _check_pair(dy, out)
        fn = getattr(self._lib, f"crelu_backward_{_suffix(dy, half)}")
        fn(self._ptr, _pointer(dy), _pointer(out, True), dy.size)
        return out

    def close(self):
        if self._ptr:
            self._lib.crelu_destroy(self._ptr)
            self._ptr = CtxPtr()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        # At interpreter shutdown the library handle may already be gone.
        try:
            self.close()
        except Exception:
            pass
