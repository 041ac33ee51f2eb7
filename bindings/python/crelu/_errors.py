# SPDX-License-Identifier: MIT
"""The exceptions libcrelu's statuses become.

Each subclass also derives from the builtin a Python caller would expect for
that kind of mistake, so ``except ValueError`` works as well as
``except crelu.SizeMismatchError``.
"""

from typing import Optional

__all__ = [
    "Error",
    "InvalidArgumentError",
    "OutOfMemoryError",
    "NoForwardError",
    "SizeMismatchError",
    "DtypeMismatchError",
    "SizeOverflowError",
    "error_for_status",
]


class Error(Exception):
    """A libcrelu call returned a non-zero status.

    Attributes:
        status:   the C status code (see ``crelu.h``).
        function: the C function that returned it, e.g. ``"crelu_backward_f64"``.
        reason:   ``crelu_strerror(status)``.
    """

    status: int
    function: str
    reason: str

    def __init__(self, status: int, function: str, reason: str, context: Optional[str] = None) -> None:
        self.status = status
        self.function = function
        self.reason = reason
        message = f"{function}() returned status {status}: {reason}"
        if context:
            message = f"{context}: {message}"
        super().__init__(message)


class InvalidArgumentError(Error, ValueError):
    """CRELU_ERR_INVALID_ARGUMENT: a bad option value, or partially overlapping buffers."""


class OutOfMemoryError(Error, MemoryError):
    """CRELU_ERR_OUT_OF_MEMORY: the context could not grow its saved state."""


class NoForwardError(Error, RuntimeError):
    """CRELU_ERR_NO_FORWARD: backward before any successful forward."""


class SizeMismatchError(Error, ValueError):
    """CRELU_ERR_SIZE_MISMATCH: backward's element count differs from the last forward's."""


class DtypeMismatchError(Error, TypeError):
    """CRELU_ERR_DTYPE_MISMATCH: backward's dtype differs from the last forward's."""


class SizeOverflowError(Error, OverflowError):
    """CRELU_ERR_OVERFLOW: the element count is more bytes than any buffer can hold."""


# Numbers are crelu.h's, fixed forever; a status this table does not know
# (a newer library) still raises, as the base class.
_BY_STATUS = {
    1: InvalidArgumentError,
    2: OutOfMemoryError,
    3: NoForwardError,
    4: SizeMismatchError,
    5: DtypeMismatchError,
    6: SizeOverflowError,
}


def error_for_status(status: int, function: str, reason: str, context: Optional[str] = None) -> Error:
    """The exception for a non-zero status, ready to raise."""
    return _BY_STATUS.get(status, Error)(status, function, reason, context)
