# SPDX-License-Identifier: MIT
"""libcrelu for Python: ReLU and its backward pass, bit-exact with PyTorch 1.13
and with the classic NumPy (cs231n) reference.

    >>> import numpy as np
    >>> from crelu import ReLU
    >>> r = ReLU(save="mask", grad="cs231n")
    >>> y = r(np.array([-1.0, 0.0, 2.0]))      # array([0., 0., 2.])
    >>> dx = r.backward(np.ones(3))            # array([0., 1., 1.])

float32, float64 and float16 arrays go in as they are; bfloat16 travels as
its bit patterns in a uint16/int16 array, with dtype="bf16" on the call
(from PyTorch without a copy: ``crelu.relu(t.view(torch.int16).numpy(),
dtype="bf16")``, then ``torch.from_numpy(out).view(torch.bfloat16)``).

A thin ctypes layer over libcrelu.so.1: it checks and converts, the C library
computes. NumPy is optional; without it, array.array, memoryview and lists
work the same way. The library is found through $CRELU_LIBRARY, then next
to this package (a wheel's own copy), then the CMake install this package
belongs to, then the system (see crelu._library); library_path() says which
file was loaded.
"""

from ._errors import (
    DtypeMismatchError,
    Error,
    InvalidArgumentError,
    NoForwardError,
    OutOfMemoryError,
    SizeMismatchError,
    SizeOverflowError,
)
from ._library import LIB as _LIB
from ._library import LIBRARY_PATH as _library_path
from ._relu import ReLU, relu

# A pickle names the class by this public path, not by the private module
# it is defined in, so that pickles outlive the package's inner layout.
ReLU.__module__ = __name__


def version() -> str:
    """The loaded libcrelu's version, "MAJOR.MINOR.PATCH"."""
    return str(_LIB.crelu_version_string().decode("ascii"))


def library_path() -> str:
    """The libcrelu file this package loaded (see the search order above)."""
    return str(_library_path)


def isa() -> str:
    """The instruction set the kernels run on: "avx512", "avx2", "sse2"
    (x86), "neon" (arm64), "portable" or "scalar" (see CRELU_ISA in crelu.h)."""
    return str(_LIB.crelu_isa_name().decode("ascii"))


__version__ = version()

__all__ = [
    "ReLU",
    "relu",
    "version",
    "isa",
    "library_path",
    "Error",
    "InvalidArgumentError",
    "OutOfMemoryError",
    "NoForwardError",
    "SizeMismatchError",
    "DtypeMismatchError",
    "SizeOverflowError",
]
