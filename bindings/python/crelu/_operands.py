# SPDX-License-Identifier: MIT
"""What the binding takes in and gives back, checked and described for C.

Accepted inputs, and the kind that comes back for each:
  * NumPy ndarray, float32, float64 or float16, any shape -> a new ndarray of
    the same shape and dtype. Zero-copy when C-contiguous; any other layout
    is first copied with np.ascontiguousarray (a correct, C-ordered copy).
  * array.array('f') or array.array('d') -> array.array of the same typecode.
  * any other buffer of format 'f', 'd' or 'e' (float16) in native byte
    order (memoryview, ctypes arrays, ...), any ndim -> a memoryview of the
    same format and shape over new memory. Zero-copy when C-contiguous,
    read-only included; a strided view is copied into C order first.
  * bfloat16 (or float16) bit patterns in a 16-bit integer array - NumPy
    uint16/int16, array.array('H'/'h'), a buffer of format 'H'/'h' - with
    dtype="bf16" (or "f16") -> the same kind, with the same integer dtype.
    PyTorch's zero-copy route is t.view(torch.int16).numpy(). A 16-bit
    integer array without dtype=, and dtype= with anything else, is a
    TypeError: the binding never guesses what integers mean.
  * list, flat or nested rows of real numbers -> float64, given back as lists
    with the same nesting. Lists are always converted (they hold no doubles),
    each list as it was when reached (an element's __float__ may change it),
    read as stored (a subclass's __len__ is not asked). A list that contains
    itself, more than MAX_DEPTH nested lists, or a shape whose float64 copy
    cannot exist is an error, found before any copy.
Anything else (other dtypes, object, other int buffers, tuples, scalars)
is a TypeError: the C library computes float32, float64, float16 and
bfloat16 only, and a silent conversion would hide a mistake and cost a copy.

An `out` is any writeable, C-contiguous buffer (ndarray, array.array,
memoryview...) of the same dtype and shape as the input (for bit patterns:
either 16-bit integer type); it is written in place and returned as it is. It is never copied: a strided or read-only out
is an error, not a surprise.
"""

import array
import ctypes
import functools
import itertools
import math
import numbers
import os
import struct
import sys
import threading

try:
    import numpy as _np
except ImportError:  # NumPy is optional: buffers and lists work without it
    _np = None

__all__ = ["source", "target"]

NDARRAY, ARRAY, BUFFER, LIST = range(4)

# Two letters per operand. `code` is the dtype C computes: "f" float32,
# "d" float64, "e" float16, "b" bfloat16 (the suffix of the C function).
# `storage` is how the caller holds the elements, as a struct format
# letter: "f", "d", "e", or "H"/"h" for bit patterns in 16-bit integers.
_DTYPE_NAME = {"f": "float32", "d": "float64", "e": "float16", "b": "bfloat16"}
_ITEMSIZE = {"f": 4, "d": 8, "e": 2, "b": 2, "H": 2, "h": 2}
_CTYPE = {"f": ctypes.c_float, "d": ctypes.c_double, "H": ctypes.c_uint16, "h": ctypes.c_int16}
_STORAGE_NAME = {"f": "float32", "d": "float64", "e": "float16", "H": "uint16", "h": "int16"}
_BITS = ("H", "h")  # storages that hold bit patterns: dtype= says which
_ZERO_ITEM = {"f": [0.0], "d": [0.0], "H": [0], "h": [0]}
# dtype= values: what the 16-bit integers are the bit patterns of.
DTYPE_OPTIONS = {"bf16": "b", "f16": "e"}
_NATIVE_PREFIXES = ("@", "=", "<" if sys.byteorder == "little" else ">")
_ACCEPTED = (
    "a NumPy array, a float32/float64 buffer (array.array('f'/'d'), memoryview) "
    "or a list of numbers"
)

if _np is not None:
    _NUMPY_CODE = {
        _np.dtype(_np.float32): "f",
        _np.dtype(_np.float64): "d",
        _np.dtype(_np.float16): "e",
        _np.dtype(_np.uint16): "H",
        _np.dtype(_np.int16): "h",
    }
    # What as_strided wraps its base in (a private class, found by use).
    _STRIDED = type(_np.lib.stride_tricks.as_strided(_np.zeros(1)).base)

# At most this many nested lists, like a memoryview (PyBUF_MAX_NDIM) and
# NumPy 2 (NPY_MAXDIMS): deeper is a mistake, or a list that contains itself.
MAX_DEPTH = 64


def _memory_floats():
    """How many float64 this machine's memory holds (its RAM): a list that
    shares its rows can claim more elements than that, which its float64
    copy could never hold; refused before the copy is tried."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 8
    except (AttributeError, OSError, ValueError):
        return sys.maxsize // 8


_MEMORY_FLOATS = _memory_floats()


class Operand:
    """An input ready for C: `data` exports a C-contiguous buffer of `count`
    elements of type `code` ('f', 'd', 'e' or 'b'), held as `storage` (see
    _DTYPE_NAME); `shape` and `kind` say what to give back. `floats`, for a
    list of Python floats only (with NumPy), is that list flattened: results
    equal to an input bit for bit reuse its object. `scratch` is then the
    thread's scratch buffer that `data` starts (see _take_scratch)."""

    __slots__ = ("data", "code", "shape", "count", "kind", "floats", "storage", "scratch")

    def __init__(self, data, code, shape, count, kind, floats=None, storage=None, scratch=None):
        self.data = data
        self.code = code
        self.shape = shape
        self.count = count
        self.kind = kind
        self.floats = floats
        self.storage = code if storage is None else storage
        self.scratch = scratch

    @property
    def dtype_name(self):
        if self.storage in _BITS:
            return f"{_DTYPE_NAME[self.code]} bits in {_STORAGE_NAME[self.storage]}"
        return _DTYPE_NAME[self.code]

    @property
    def itemsize(self):
        return _ITEMSIZE[self.code]


# ---------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------


def source(value, name, dtype=None):
    """`value` as an Operand; `name` ("x", "d") is used in error messages.
    `dtype` is the caller's dtype= option: None, or what the elements of a
    16-bit integer array are the bit patterns of ("bf16", "f16")."""
    if dtype is not None:
        _check_dtype_option(dtype)
    if _np is not None and isinstance(value, _np.ndarray):
        return _ndarray_source(value, name, dtype)
    if isinstance(value, array.array):
        return _array_source(value, name, dtype)
    if isinstance(value, list):
        if dtype is not None:
            raise TypeError(
                f"dtype={dtype!r} is for bit patterns in a uint16/int16 array, and {name} is a list "
                "(its numbers are read as float64): drop dtype=, or pass an array"
            )
        return _list_source(value, name)
    if _np is not None and isinstance(value, _np.generic):
        raise TypeError(
            f"{name} is a NumPy scalar ({type(value).__name__}); pass an array, "
            f"e.g. np.asarray({name})"
        )
    try:
        view = memoryview(value)
    except TypeError:
        raise TypeError(f"{name} must be {_ACCEPTED}, not {type(value).__name__}") from None
    except ValueError:
        _refuse_released(value, name)
        raise
    return _buffer_source(view, name, dtype)


def _check_dtype_option(dtype):
    if not isinstance(dtype, str):
        raise TypeError(f"dtype must be a str ('bf16' or 'f16') or None, not {type(dtype).__name__}")
    if dtype not in DTYPE_OPTIONS:
        raise ValueError(
            f"dtype must be 'bf16' or 'f16' (the 16-bit format a uint16/int16 array holds) "
            f"or None, not {dtype!r}"
        )


def _code(storage, dtype, name, what):
    """The C dtype code of elements held as `storage`, with the dtype=
    option `dtype` (checked); `what` describes the input for messages."""
    if storage in _BITS:
        if dtype is None:
            raise TypeError(
                f"{name} is {what}: libcrelu reads 16-bit integers only as bit patterns; "
                f"say which with dtype='bf16' (bfloat16) or dtype='f16' (float16), it does not guess"
            )
        return DTYPE_OPTIONS[dtype]
    if dtype is not None:
        raise TypeError(
            f"dtype={dtype!r} is for bit patterns in a uint16/int16 array, and {name} is {what}: "
            f"drop dtype= (a {_STORAGE_NAME[storage]} array says its own dtype)"
        )
    return storage


def _refuse_released(value, name):
    """Raises the error for a released memoryview (the only buffer whose
    memoryview() is a ValueError); returns for anything else."""
    if isinstance(value, memoryview):
        try:
            value.nbytes
        except ValueError:
            raise ValueError(
                f"{name} is a detached (released) memoryview: its memory is gone"
            ) from None


def _exact(array_):
    """An ndarray subclass as a plain ndarray over the same memory: its size,
    shape, dtype and flags are then NumPy's, whatever the subclass's Python
    properties say."""
    return array_ if type(array_) is _np.ndarray else _np.ndarray.view(array_, _np.ndarray)


def _refuse_beyond(array_, name):
    """Raises if plain ndarray `array_`, made by as_strided (its base is
    _STRIDED), reaches past the memory it views: C, and NumPy's own copy,
    would read (or write) outside it. NumPy checks the bounds of every
    other view it makes (slices, reshapes, frombuffer, ndarray(buffer=))."""
    if not array_.size:
        return
    held = _held_span(array_.base.base)
    if held is None:
        return  # memory NumPy cannot describe (a raw pointer): trusted, as NumPy does
    low, high = _span(array_)
    if low < held[0] or high > held[1]:
        raise ValueError(
            f"{name} reaches beyond the memory it views: it spans {high - low} bytes, "
            f"{held[1] - held[0]} bytes are there (an array made with as_strided?)"
        )


def _span(array_):
    """(first byte, one past the last byte) plain, non-empty ndarray `array_` reads."""
    low = high = array_.__array_interface__["data"][0]
    for size, stride in zip(array_.shape, array_.strides):
        if stride < 0:
            low += (size - 1) * stride
        else:
            high += (size - 1) * stride
    return low, high + array_.itemsize


def _held_span(base):
    """(first byte, one past the last) of the memory `base`, the array
    as_strided was given or what it views, holds; None when unknown."""
    while True:
        if isinstance(base, _np.ndarray):
            base = _exact(base)
            if base.base is None:
                return _span(base) if base.size else (0, 0)
            base = base.base
        elif type(base) is _STRIDED:
            base = base.base
        else:
            break
    try:
        view = memoryview(base)
        if not view.nbytes:
            return 0, 0
        return _span(_np.asarray(view))
    except Exception:  # no buffer, or one NumPy cannot describe
        return None


def _ndarray_source(value, name, dtype=None):
    if type(value) is not _np.ndarray:
        value = _exact(value)
    if type(value.base) is _STRIDED:
        _refuse_beyond(value, name)
    storage = _NUMPY_CODE.get(value.dtype)
    if storage is None:
        raise TypeError(
            f"{name} has dtype {value.dtype}; libcrelu computes float32, float64 and float16 "
            f"(native byte order), and bfloat16 bits in uint16/int16 with dtype='bf16', only: "
            f"convert explicitly, e.g. {name}.astype(np.float64)"
        )
    code = _code(storage, dtype, name, f"of dtype {value.dtype}") if storage in _BITS or dtype else storage
    if not value.flags.c_contiguous:
        value = _np.ascontiguousarray(value)
    return Operand(value, code, value.shape, value.size, NDARRAY, None, storage)


def _array_source(value, name, dtype=None):
    storage = value.typecode
    if storage not in _ZERO_ITEM or value.itemsize != _ITEMSIZE[storage]:
        raise TypeError(
            f"{name} is array.array({storage!r}); libcrelu takes array.array('f') "
            "(float32), array.array('d') (float64), or array.array('H'/'h') of "
            "bfloat16/float16 bits with dtype='bf16'/'f16'"
        )
    code = _code(storage, dtype, name, f"array.array({storage!r})")
    count = array.array.__len__(value)  # a subclass's __len__ may say anything
    return Operand(value, code, (count,), count, ARRAY, None, storage)


def _buffer_source(view, name, dtype=None):
    storage = _format_code(view.format)
    if storage is None:
        raise TypeError(
            f"{name} is a buffer of format {view.format!r}; libcrelu takes float32 ('f'), "
            "float64 ('d') or float16 ('e') buffers in native byte order, or 'H'/'h' "
            "buffers of bfloat16/float16 bits with dtype='bf16'/'f16'"
        )
    code = _code(storage, dtype, name, f"a buffer of format {view.format!r}")
    count = view.nbytes // _ITEMSIZE[storage]
    # tobytes() copies a strided view into C order.
    data = view if view.c_contiguous else view.tobytes()
    return Operand(data, code, view.shape, count, BUFFER, None, storage)


def _format_code(fmt):
    """The storage letter ('f', 'd', 'e', 'H', 'h') of a native struct
    format, else None."""
    if len(fmt) == 2 and fmt[0] in _NATIVE_PREFIXES:
        fmt = fmt[1]
    return fmt if fmt in _STORAGE_NAME else None


def _list_source(value, name):
    # The first element at each depth fixes the shape; every other row must
    # match. list's own methods read a list subclass as it is stored, as
    # NumPy does: its __len__ and __getitem__ may say anything.
    shape = []
    seen = []  # the lists walked through, to name a list that contains itself
    node = value
    while isinstance(node, list):
        for depth, outer in enumerate(seen):
            if outer is node:
                raise ValueError(_contains_itself(name, len(seen), depth))
        if len(seen) == MAX_DEPTH:
            raise ValueError(f"{name} nests lists more than {MAX_DEPTH} deep (at most {MAX_DEPTH} dimensions)")
        seen.append(node)
        size = list.__len__(node)
        shape.append(size)
        if not size:
            break
        node = list.__getitem__(node, 0)
    if len(shape) > 1:  # a flat list's elements all exist; rows may be shared
        _refuse_impossible(shape, name)
    flat, floats = _bulk_flat(value, shape) if type(value) is list else (None, None)
    if floats is not None:  # flat is a scratch buffer: the input, then the result
        count = len(floats)
        return Operand(flat[:count], "d", tuple(shape), count, LIST, floats, scratch=flat)
    if flat is None:
        flat = array.array("d")
        _flatten(value, shape, 0, (), name, flat)
    return Operand(flat, "d", tuple(shape), len(flat), LIST)


def _refuse_impossible(shape, name):
    """Raises, before any copy, for a shape whose float64 copy cannot exist:
    more bytes than a C size can count (C's own rule: n * 8 <= PTRDIFF_MAX),
    or than the machine's memory holds."""
    total = math.prod(shape)
    if total > sys.maxsize // 8:
        raise OverflowError(
            f"{name} has shape {tuple(shape)}: {total} elements are more float64 than any buffer can hold"
        )
    if total > _MEMORY_FLOATS:
        raise MemoryError(
            f"{name} has shape {tuple(shape)}: {total} float64 need {total * 8} bytes, "
            f"more than this machine's {_MEMORY_FLOATS * 8} bytes of memory"
        )


# The leaves the bulk conversion takes: array.array('d') would also take
# bool and anything with __float__, which the element-wise path refuses.
_BULK_LEAVES = frozenset((float, int))


def _bulk_flat(value, shape):
    """(float64 values, the leaves if all are exact floats and NumPy is
    there, else None) of a regular nesting of plain lists of floats and ints,
    converted by the standard library in C (set, map, chain, struct, array);
    the values are then in a scratch buffer (_floats_into_scratch), else in
    an array.array. (None, None) for anything else (an empty row, a ragged
    row, a list subclass, another leaf type, an int too big for a double):
    _flatten then walks it element by element and raises its precise error,
    or converts it."""
    rows = [value]
    for size in shape[1:]:
        rows = list(itertools.chain.from_iterable(rows))  # the next depth's rows
        if size == 0 or set(map(type, rows)) != _LIST_ONLY or set(map(len, rows)) != {size}:
            return None, None
    leaves = value if len(shape) == 1 else list(itertools.chain.from_iterable(rows))
    if _np is not None:
        scratch = _floats_into_scratch(leaves)
        if scratch is not None:
            return scratch, leaves
    if not _BULK_LEAVES.issuperset(set(map(type, leaves))):
        return None, None
    try:
        return array.array("d", leaves), None
    except OverflowError:
        return None, None


def _floats_into_scratch(leaves):
    """This thread's scratch buffer (see _take_scratch), with `leaves` as
    float64 in its first len(leaves) elements, if all are exact floats; else
    None, with nothing else done. A chunk at a time: its type check and its
    conversion read the same objects while they are in cache, and a float's
    conversion (struct, in C) runs no Python code."""
    count = len(leaves)
    if not count:
        return None
    scratch = _take_scratch(count)
    for start in range(0, count, _CHUNK):
        chunk = leaves[start:start + _CHUNK]
        if set(map(type, chunk)) != _FLOAT_ONLY:
            _give_back(scratch)
            return None
        packer = _PACK_CHUNK if len(chunk) == _CHUNK else struct.Struct(f"{len(chunk)}d")
        packer.pack_into(scratch, start * 8, *chunk)
    return scratch


_FLOAT_ONLY = {float}
_LIST_ONLY = {list}

# Elements per chunk of a list's conversion and of its result: the chunk's
# float objects (24 bytes each) and temporaries stay in the L2 cache.
_CHUNK = 1 << 13
_PACK_CHUNK = struct.Struct(f"{_CHUNK}d")

# Per thread, one float64 buffer for a list of floats: its float64 copy, and
# beside it the result C writes. Fresh memory costs a page fault per 4 KiB
# (about 24 us each on the 2-core guest this was tuned on: some 100 ms for
# the 16 MB of a 10^6-element list, twice the list's own conversions), so a
# buffer is kept and reused. It is taken out of its slot while in use: a call
# on another thread, or one re-entered on this thread (a finalizer or signal
# handler), takes its own; an error in between only drops it. A thread keeps
# at most _SCRATCH_MAX elements (16 MiB); bigger lists get a buffer of their
# own, per call.
_SCRATCH_MAX = 1 << 21
_scratch = threading.local()


def _take_scratch(count):
    """A float64 buffer of at least 2 * count elements, this thread's if it
    is free and big enough (it is then no longer this thread's)."""
    held = _scratch.__dict__.pop("buffer", None)
    if held is None or held.size < 2 * count:
        held = _np.empty(2 * count)
    return held


def _give_back(buffer):
    """Makes `buffer` (from _take_scratch, no longer used) this thread's
    scratch again, unless it is bigger than _SCRATCH_MAX."""
    if buffer.size <= _SCRATCH_MAX:
        _scratch.buffer = buffer


def _flatten(node, shape, depth, path, name, flat, outer=()):
    """Appends the numbers of `node`, the list at `path`, to `flat`.

    Each list is copied (list.copy, which a subclass cannot change) before
    its elements are converted, so an element's __float__ that shrinks or
    grows a list does not change what is read: the lists as they were when
    reached, as NumPy reads them. `outer` are the lists above `node`."""
    items = list.copy(node)
    expected = shape[depth]
    if len(items) != expected:
        raise ValueError(
            f"ragged nesting: {name}{_index(path)} has {len(items)} elements but "
            f"{name}{_index((0,) * depth)} has {expected}"
        )
    outer += (node,)
    if depth + 1 == len(shape):
        for i, item in enumerate(items):
            flat.append(item if type(item) is float else _number(item, name, path + (i,), outer))
        return
    for i, child in enumerate(items):
        if not isinstance(child, list):
            raise ValueError(
                f"ragged nesting: {name}{_index(path + (i,))} is {type(child).__name__} "
                f"but {name}{_index((0,) * (depth + 1))} is a list"
            )
        _flatten(child, shape, depth + 1, path + (i,), name, flat, outer)


def _contains_itself(name, depth, outer_depth):
    """The message for the list at depth `depth` (on the path of first
    elements) being the one at `outer_depth`."""
    return (
        f"{name}{_index((0,) * depth)} is {name}{_index((0,) * outer_depth)}: "
        "a list that contains itself has no shape"
    )


def _number(item, name, path, outer):
    where = f"{name}{_index(path)}"
    if isinstance(item, list):
        for depth, lst in enumerate(outer):
            if lst is item:
                raise ValueError(
                    f"{where} is {name}{_index(path[:depth])}: a list that contains itself has no shape"
                )
        raise ValueError(f"ragged nesting: {where} is a list but {name}{_index((0,) * len(path))} is a number")
    if isinstance(item, bool) or not isinstance(item, numbers.Real):
        raise TypeError(f"{where} is {type(item).__name__}, not a real number")
    try:
        return float(item)
    except OverflowError:
        raise ValueError(f"{where} is an int too large for float64") from None


def _index(path):
    return "".join(f"[{i}]" for i in path)


# ---------------------------------------------------------------------------
# Outputs
# ---------------------------------------------------------------------------


def target(src, out):
    """(buffer C writes into, finisher or None) for input `src`.

    Without `out`, new memory of the input's kind; a list input's finisher
    turns the flat float64 result back into nested lists. With `out`, after
    checking it, `out` or a memoryview of it, and no finisher.
    """
    if out is None:
        return _new_target(src)
    return _checked_out(src, out), None


def release(src):
    """Gives back the scratch buffer of `src`, whose C call is over, if it
    has one and no finisher will (a list's result written into an `out`)."""
    if src.scratch is not None:
        _give_back(src.scratch)


def _new_target(src):
    kind, storage = src.kind, src.storage
    if kind == NDARRAY:
        return _np.empty(src.shape, src.data.dtype), None
    if kind == ARRAY:
        return array.array(storage, _ZERO_ITEM[storage]) * src.count, None
    if kind == BUFFER:
        return _new_memoryview(storage, src.shape, src.count), None
    if src.scratch is not None:  # the result goes beside the input
        result = src.scratch[src.count:2 * src.count]
        return result, functools.partial(_reusing, shape=src.shape, src=src)
    return array.array("d", [0.0]) * src.count, functools.partial(_nested, shape=src.shape)


def _new_memoryview(code, shape, count):
    if code == "e":
        # memoryview.cast cannot make format 'e', nor can ctypes: a float16
        # buffer comes from NumPy (or its like), and so does its result.
        if _np is None:
            raise TypeError("a float16 ('e') buffer's result is a NumPy array's memory: install NumPy")
        return memoryview(_np.empty(shape, _np.float16))
    if count == 0 and len(shape) != 1:
        # memoryview.cast refuses zeros in a shape; a ctypes array has any shape.
        ctype = _CTYPE[code]
        for size in reversed(shape):
            ctype = ctype * size
        return memoryview(ctype())
    if count == 0:
        return memoryview(bytearray()).cast(code)
    return memoryview(bytearray(count * _ITEMSIZE[code])).cast(code, shape)


def _nested(result, shape):
    return _nest(result.tolist(), shape)


_ZERO = 0.0


def _reusing(result, shape, src):
    """_nested(result, shape) for the list of floats `src`, with the input's
    own float object wherever the result has its bits, and one shared 0.0
    for every other +0.0; then gives src's scratch buffer back.

    ReLU keeps half its inputs as they are: reusing their objects avoids
    making a million new floats for a million-element list, which costs
    several times the C call and both conversions (the list comprehension
    it replaces reuses them too). A chunk at a time, NumPy finds the changed
    elements (the input's float64 copy is still there, beside the result)
    and picks the objects."""
    floats = src.floats
    computed = result.view(_np.int64)  # bits, compared exactly
    inputs = src.data.view(_np.int64)
    values = []
    given = iter(floats)  # read through, a chunk at a time, without a copy
    for start in range(0, len(floats), _CHUNK):
        stop = start + _CHUNK
        bits = computed[start:stop]
        changed = _np.flatnonzero(bits != inputs[start:stop])
        if not changed.size:
            values += itertools.islice(given, len(bits))
            continue
        # The same objects, not copies (fromiter, unlike np.array, does not
        # look into each one for a nested sequence).
        objects = _np.fromiter(itertools.islice(given, len(bits)), object, len(bits))
        objects[changed] = _ZERO
        made = changed[bits[changed] != 0]  # +0.0 only: -0.0 has its sign bit
        if made.size:
            objects[made] = bits[made].view(_np.float64)  # new floats, only these
        values += objects.tolist()
    _give_back(src.scratch)
    return _nest(values, shape)


def _nest(values, shape):
    if len(shape) == 1:
        return values
    step = len(values) // shape[0] if shape[0] else 0
    inner = shape[1:]
    return [_nest(values[i * step:(i + 1) * step], inner) for i in range(shape[0])]


def _describe(out):
    """What an out is, for messages only (formatting a dtype is slow)."""
    if _np is not None and isinstance(out, _np.ndarray):
        return f"of dtype {out.dtype}"
    if isinstance(out, array.array):
        return f"array.array({out.typecode!r})"
    return f"a buffer of format {memoryview(out).format!r}"


def _checked_out(src, out):
    if _np is not None and isinstance(out, _np.ndarray):
        data = out if type(out) is _np.ndarray else _exact(out)
        if type(data.base) is _STRIDED:
            _refuse_beyond(data, "out")
        code, shape = _NUMPY_CODE.get(data.dtype), data.shape
        contiguous, writeable = data.flags.c_contiguous, data.flags.writeable
    elif isinstance(out, array.array):
        code, shape = out.typecode, (array.array.__len__(out),)
        if out.itemsize != _ITEMSIZE.get(code):
            code = None
        contiguous, writeable, data = True, True, out
    else:
        if isinstance(out, (list, tuple)):
            raise TypeError(
                f"out must be a writeable float32/float64 buffer (NumPy array, array.array, "
                f"memoryview), not {type(out).__name__}: a {type(out).__name__} cannot be written in place"
            )
        try:
            view = memoryview(out)
        except TypeError:
            raise TypeError(
                "out must be a writeable float32/float64 buffer (NumPy array, array.array, "
                f"memoryview), not {type(out).__name__}"
            ) from None
        except ValueError:
            _refuse_released(out, "out")
            raise
        code, shape = _format_code(view.format), view.shape
        contiguous, writeable, data = view.c_contiguous, not view.readonly, view
    # Bit patterns may go into either 16-bit integer type (uint16 from
    # NumPy, int16 from torch's view): the bits are the same.
    if code != src.storage and not (code in _BITS and src.storage in _BITS):
        raise TypeError(f"out is {_describe(out)}, the input is {src.dtype_name}: they must match")
    if tuple(shape) != tuple(src.shape):
        raise ValueError(f"out has shape {tuple(shape)}, the input has {tuple(src.shape)}: they must match")
    if not contiguous:
        raise ValueError("out must be C-contiguous: it is written in place, never copied")
    if not writeable:
        raise ValueError("out is read-only")
    return data
