# SPDX-License-Identifier: MIT
"""Hands buffer addresses to C without copying.

The CPython buffer protocol, called through ctypes.pythonapi, gives the
address of any exporter's memory, read-only ones included (ctypes'
from_buffer refuses those), and holds an export for the length of the C
call. That matters because ctypes releases the GIL during the call: while an
export is held, another thread cannot resize or free the memory (array.array
and bytearray refuse to resize, NumPy refuses to reallocate). Small NumPy
arrays do not come here: crelu._small calls C with the GIL held instead.
"""

import ctypes

__all__ = ["call"]


class _PyBuffer(ctypes.Structure):
    """Py_buffer from CPython's Include/pybuffer.h (stable ABI since 3.11,
    unchanged since 3.0)."""

    _fields_ = [
        ("buf", ctypes.c_void_p),
        ("obj", ctypes.c_void_p),
        ("len", ctypes.c_ssize_t),
        ("itemsize", ctypes.c_ssize_t),
        ("readonly", ctypes.c_int),
        ("ndim", ctypes.c_int),
        ("format", ctypes.c_char_p),
        ("shape", ctypes.c_void_p),
        ("strides", ctypes.c_void_p),
        ("suboffsets", ctypes.c_void_p),
        ("internal", ctypes.c_void_p),
    ]


# PyBUF_SIMPLE asks for one contiguous block (exporters refuse otherwise);
# PyBUF_WRITABLE adds that it must be writeable.
_PyBUF_SIMPLE = 0
_PyBUF_WRITABLE = 1

# pythonapi is a PyDLL: the GIL stays held and a set Python error is raised.
_get_buffer = ctypes.pythonapi.PyObject_GetBuffer
_get_buffer.argtypes = [ctypes.py_object, ctypes.POINTER(_PyBuffer), ctypes.c_int]
_get_buffer.restype = ctypes.c_int
_release_buffer = ctypes.pythonapi.PyBuffer_Release
_release_buffer.argtypes = [ctypes.POINTER(_PyBuffer)]
_release_buffer.restype = None


def call(function, head, source, target, count, itemsize):
    """``function(*head, &source, &target, count)``, with both buffers pinned.

    `source` and `target` are C-contiguous buffer exporters of `count`
    elements of `itemsize` bytes, already checked by the caller for dtype and
    size; `target` must be writeable. A float pointer that is not aligned to
    its element size is undefined behaviour in C, so a misaligned source is
    read from an aligned copy and a misaligned target is a ValueError.
    Both buffers must hold exactly `count` elements, as their exporters say
    in C: a count from anywhere else never reaches C.
    """
    source_view = _PyBuffer()
    _get_buffer(source, source_view, _PyBUF_SIMPLE)
    try:
        if source_view.len != count * itemsize:
            raise _wrong_length(source_view, count, itemsize, "the input")
        if count and source_view.buf % itemsize:
            _release_buffer(source_view)
            source = bytearray(source)  # its memory comes from malloc: aligned
            _get_buffer(source, source_view, _PyBUF_SIMPLE)
        target_view = _PyBuffer()
        _get_buffer(target, target_view, _PyBUF_WRITABLE)
        try:
            if target_view.len != count * itemsize:
                raise _wrong_length(target_view, count, itemsize, "the result")
            if count and target_view.buf % itemsize:
                raise ValueError(
                    f"out is not aligned to its {itemsize}-byte elements; libcrelu "
                    "writes through aligned float pointers only"
                )
            return function(*head, source_view.buf, target_view.buf, count)
        finally:
            _release_buffer(target_view)
    finally:
        _release_buffer(source_view)


def _wrong_length(view, count, itemsize, what):
    return ValueError(f"{what}'s buffer holds {view.len} bytes, not {count} elements of {itemsize} bytes")
