# SPDX-License-Identifier: MIT
"""Finds libcrelu.so.1, loads it, and declares every function it exports.

Two handles on the one library: LIB, a CDLL, releases the GIL for every
call; HELD, a PyDLL over the same file, keeps it, for the compute calls that
are too short for a GIL hand-over to pay (see crelu._small).

Where it looks, in order:
  1. ``$CRELU_LIBRARY``, a path to the library. When set, it is the only
     candidate: an explicit override that silently fell back to some other
     copy would hide the mistake.
  2. Next to this package: ``crelu/libcrelu.so.1``, the copy a wheel carries
     (built from the bundled sources by setup.py).
  3. The CMake install this package belongs to: CMake writes ``_install.py``
     with the library's path relative to the package directory.
  4. The system: ``ctypes.util.find_library("crelu")``, then the dynamic
     loader's own search for ``libcrelu.so.1``.
A candidate is taken only if it loads and its major version is the one this
binding was written for. If none is, ImportError lists everything tried.
LIBRARY_PATH is the file that was loaded, as the dynamic loader names it
(crelu.library_path()).
"""

import ctypes
import ctypes.util
import os

from ._errors import error_for_status

ABI_MAJOR = 1
SONAME = "libcrelu.so.1"


class Context(ctypes.Structure):
    """crelu_ctx is opaque: only pointers to it exist on this side."""


ContextPointer = ctypes.POINTER(Context)
AllocFn = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t)
FreeFn = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)


# Every dtype libcrelu computes, as its functions' suffixes.
SUFFIXES = ("f32", "f64", "f16", "bf16")


def _signatures():
    """(name, restype, argtypes, returns a status) for every crelu_* export.

    Data pointers are c_void_p: the binding hands over buffer addresses as
    integers after checking the dtype itself, and picks the _f32, _f64,
    _f16 or _bf16 function to match (the 16-bit ones take uint16_t bit
    patterns).
    """
    ctx, data, size, status = ContextPointer, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int
    rows = [
        ("crelu_version_number", ctypes.c_int, [], False),
        ("crelu_version_string", ctypes.c_char_p, [], False),
        ("crelu_isa_name", ctypes.c_char_p, [], False),
        ("crelu_strerror", ctypes.c_char_p, [ctypes.c_int], False),
        ("crelu_create", status, [ctypes.POINTER(ContextPointer)], True),
        ("crelu_create_with_allocator", status,
         [ctypes.POINTER(ContextPointer), AllocFn, FreeFn, ctypes.c_void_p], True),
        ("crelu_destroy", None, [ctx], False),
        ("crelu_sizeof_ctx", ctypes.c_size_t, [ctx], False),
        ("crelu_set_save", status, [ctx, ctypes.c_int], True),
        ("crelu_set_grad_rule", status, [ctx, ctypes.c_int], True),
        ("crelu_set_negative_slope", status, [ctx, ctypes.c_double], True),
        ("crelu_set_max_value", status, [ctx, ctypes.c_double], True),
        ("crelu_set_num_threads", status, [ctx, ctypes.c_int], True),
    ]
    for suffix in SUFFIXES:
        rows += [
            (f"crelu_forward_{suffix}", status, [ctx, data, data, size], True),
            (f"crelu_backward_{suffix}", status, [ctx, data, data, size], True),
            (f"crelu_relu_{suffix}", status, [data, data, size], True),
            (f"crelu_relu_backward_{suffix}", status, [data, data, data, size], True),
        ]
    return rows


SIGNATURES = _signatures()


def _declare(lib):
    """Sets restype/argtypes on every function, and an errcheck that raises
    on every status-returning one."""

    def raise_on_status(status, func, _args):
        if status:
            reason = lib.crelu_strerror(status).decode("utf-8", "replace")
            raise error_for_status(status, func.__name__, reason)
        return status

    for name, restype, argtypes, returns_status in SIGNATURES:
        func = getattr(lib, name)
        func.restype = restype
        func.argtypes = argtypes
        if returns_status:
            func.errcheck = raise_on_status


# The compute functions HELD declares: the same return type, and no errcheck,
# whose Python call would cost as much as a small call's C work; the caller
# checks the status with check_status instead.
HELD_FUNCTIONS = [
    f"crelu_{what}_{suffix}" for what in ("forward", "backward", "relu") for suffix in SUFFIXES
]


def _declare_held(held):
    # No argtypes: ctypes then skips a from_param call per argument, a tenth
    # of a 16-element call. Nothing is converted or checked, so the one
    # caller, crelu._small, passes ctypes objects of the declared C types
    # only: c_void_p for the context and both pointers, c_size_t for the
    # count (a bare int would go as a C int).
    by_name = {name: restype for name, restype, _, _ in SIGNATURES}
    for name in HELD_FUNCTIONS:
        func = getattr(held, name)
        func.restype = by_name[name]
        func.argtypes = None


def check_status(status, func):
    """Raises for a non-zero status returned by `func` (a HELD function)."""
    if status:
        reason = LIB.crelu_strerror(status).decode("utf-8", "replace")
        raise error_for_status(status, func.__name__, reason)


def _package_dir():
    return os.path.dirname(os.path.abspath(__file__))


def _installed_path():
    """The library of the CMake install this package is part of, or None
    when the package is not from a CMake install (a source tree, a wheel)."""
    try:
        from ._install import LIBRARY_RELATIVE_PATH
    except ImportError:
        return None
    return os.path.normpath(os.path.join(_package_dir(), LIBRARY_RELATIVE_PATH))


def _candidates():
    """(where it came from, what to dlopen) in the order they are tried."""
    override = os.environ.get("CRELU_LIBRARY")
    if override:
        return [("$CRELU_LIBRARY", override)]
    found = [("next to the package", os.path.join(_package_dir(), SONAME))]
    installed = _installed_path()
    if installed is not None:
        found.append(("this package's install", installed))
    system = ctypes.util.find_library("crelu")
    if system:
        found.append(('ctypes.util.find_library("crelu")', system))
    found.append(("the dynamic loader's search", SONAME))
    return found


class _DlInfo(ctypes.Structure):
    """Dl_info from <dlfcn.h>."""

    _fields_ = [
        ("dli_fname", ctypes.c_char_p),
        ("dli_fbase", ctypes.c_void_p),
        ("dli_sname", ctypes.c_char_p),
        ("dli_saddr", ctypes.c_void_p),
    ]


def _loaded_file(lib, path):
    """The file the dynamic loader mapped for `lib`, opened as `path`: a
    bare SONAME becomes the file its search found. dladdr is in the C
    library (glibc >= 2.34, musl); without it, `path` as given."""
    try:
        dladdr = ctypes.CDLL(None).dladdr
    except (AttributeError, OSError):
        return path
    dladdr.argtypes = [ctypes.c_void_p, ctypes.POINTER(_DlInfo)]
    dladdr.restype = ctypes.c_int
    info = _DlInfo()
    address = ctypes.cast(lib.crelu_version_number, ctypes.c_void_p)
    if not dladdr(address, ctypes.byref(info)) or not info.dli_fname:
        return path
    return os.fsdecode(info.dli_fname)


def load():
    """(the loaded CDLL with every function declared, the path it was
    opened by, the file that path named)."""
    tried = []
    for origin, path in _candidates():
        try:
            lib = ctypes.CDLL(path)
        except OSError as exc:
            tried.append(f"{origin}: {path}: {exc}")
            continue
        try:
            _declare(lib)
        except AttributeError as exc:
            tried.append(f"{origin}: {path}: not a usable libcrelu ({exc})")
            continue
        number = lib.crelu_version_number()
        if number // 10000 != ABI_MAJOR:
            version = lib.crelu_version_string().decode("ascii", "replace")
            tried.append(f"{origin}: {path}: version {version}, this binding needs {ABI_MAJOR}.x")
            continue
        return lib, path, _loaded_file(lib, path)
    raise ImportError(
        "crelu: cannot load the C library libcrelu (" + SONAME + "). Tried:\n  "
        + "\n  ".join(tried)
        + "\nSet CRELU_LIBRARY to the path of libcrelu.so.1 to choose one explicitly."
    )


LIB, _OPENED_AS, LIBRARY_PATH = load()
# dlopen of the same path returns the same loaded library: no second copy.
HELD = ctypes.PyDLL(_OPENED_AS)
_declare_held(HELD)
