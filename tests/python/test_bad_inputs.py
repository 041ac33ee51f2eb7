# SPDX-License-Identifier: MIT
"""Bad input: the right Python exception with a clear message, never a crash,
and the object exactly as usable as before (same saved state, same options),
with any `out` untouched."""

import array
import ctypes
import math
import threading

import numpy as np
import pytest
import torch

import crelu
from relu_references import VARIANTS, assert_same_bits, reference, sample

SHAPE = (3, 7)
X, D = sample(SHAPE, np.float64, 21)
X2, D2 = sample(SHAPE, np.float64, 22)


def _strerror(status):
    """The C library's own sentence, straight from crelu_strerror."""
    return crelu._LIB.crelu_strerror(status).decode()


def _readonly(arr):
    arr = arr.copy()
    arr.flags.writeable = False
    return arr


def _partial_overlap(r):
    base = np.zeros(X.size + 1)
    base[: X.size] = X.ravel()
    return r.forward(base[:-1].reshape(SHAPE), out=base[1:].reshape(SHAPE))


def _misaligned_out():
    out = np.frombuffer(bytearray(X.nbytes + 1), np.float64, offset=1, count=X.size).reshape(SHAPE)
    assert not out.flags.aligned and out.flags.writeable
    return out


RAGGED = [[1.0, 2.0], [3.0]]
MIXED = [[1.0, 2.0], 3.0]
POISON = np.full(SHAPE, np.nan)

# (name, call on a ReLU that has done r(X), exception type, message pattern)
BAD_CALLS = [
    ("int64 array", lambda r: r(np.arange(21).reshape(SHAPE)), TypeError, "dtype int64"),
    ("uint16 array without dtype", lambda r: r(np.ones(SHAPE, np.uint16)), TypeError,
     "dtype uint16: .*dtype='bf16'.*does not guess"),
    ("object array", lambda r: r(X.astype(object)), TypeError, "dtype object"),
    ("complex array", lambda r: r(X.astype(np.complex128)), TypeError, "dtype complex128"),
    ("big-endian array", lambda r: r(X.astype(">f8")), TypeError, ">f8"),
    ("str", lambda r: r("0.5"), TypeError, "must be a NumPy array.*not str"),
    ("None", lambda r: r(None), TypeError, "not NoneType"),
    ("tuple", lambda r: r((1.0, 2.0)), TypeError, "not tuple"),
    ("float scalar", lambda r: r(1.5), TypeError, "not float"),
    ("numpy scalar", lambda r: r(np.float64(1.5)), TypeError, "NumPy scalar"),
    ("torch tensor", lambda r: r(torch.from_numpy(X)), TypeError, "not Tensor"),
    ("array.array of int", lambda r: r(array.array("i", [1, 2])), TypeError, r"array\.array\('i'\)"),
    ("bytes buffer", lambda r: r(b"\0" * 8), TypeError, "format 'B'"),
    ("int buffer", lambda r: r(memoryview(array.array("q", [1]))), TypeError, "format 'q'"),
    ("list with str", lambda r: r([[1.0, 2.0], [3.0, "4"]]), TypeError, r"x\[1\]\[1\] is str"),
    ("list with None", lambda r: r([1.0, None]), TypeError, r"x\[1\] is NoneType"),
    ("list with bool", lambda r: r([1.0, True]), TypeError, r"x\[1\] is bool"),
    ("list with complex", lambda r: r([1j]), TypeError, r"x\[0\] is complex"),
    ("list with a tuple", lambda r: r([(1.0, 2.0)]), TypeError, r"x\[0\] is tuple"),
    ("ragged list", lambda r: r(RAGGED), ValueError, r"ragged.*x\[1\] has 1 elements but x\[0\] has 2"),
    ("list mixing rows and numbers", lambda r: r(MIXED), ValueError, r"ragged.*x\[1\] is float"),
    ("list too deep in one place", lambda r: r([1.0, [2.0]]), ValueError, r"ragged.*x\[1\] is a list"),
    ("int too large", lambda r: r([10**400]), ValueError, "too large for float64"),
    ("out of other dtype", lambda r: r(X, out=np.empty(SHAPE, np.float32)), TypeError, "float32.*float64"),
    ("out of other shape", lambda r: r(X, out=np.empty((7, 3))), ValueError, r"shape \(7, 3\)"),
    ("out read-only", lambda r: r(X, out=_readonly(POISON)), ValueError, "read-only"),
    ("out not contiguous", lambda r: r(X, out=np.empty((3, 14))[:, ::2]), ValueError, "C-contiguous"),
    ("out misaligned", lambda r: r(X, out=_misaligned_out()), ValueError, "not aligned"),
    ("out is a list", lambda r: r(X, out=[0.0] * 21), TypeError, "cannot be written in place"),
    ("out is a str", lambda r: r(X, out="y"), TypeError, "out must be a writeable"),
    ("out read-only memoryview", lambda r: r(X.ravel().tolist(), out=memoryview(bytes(168)).cast("d")),
     ValueError, "read-only"),
    ("out partially overlaps x", _partial_overlap, crelu.InvalidArgumentError, "partially overlapping"),
    ("backward of other size", lambda r: r.backward(np.ones(20)), crelu.SizeMismatchError,
     "differs from the last forward"),
    ("backward of other dtype", lambda r: r.backward(D.astype(np.float32)), crelu.DtypeMismatchError,
     "dtype differs"),
    ("backward of list of str", lambda r: r.backward([["a"] * 7] * 3), TypeError, r"d\[0\]\[0\] is str"),
    ("backward out of other shape", lambda r: r.backward(D, out=np.empty(21)), ValueError, "shape"),
    ("forward with extra argument", lambda r: r.forward(X, None, 1), TypeError, "positional"),
]


@pytest.mark.parametrize("save", ["x", "mask"])
@pytest.mark.parametrize("name, call, error, pattern", BAD_CALLS, ids=[c[0] for c in BAD_CALLS])
def test_bad_input_raises_and_leaves_the_object_usable(name, call, error, pattern, save):
    relu6 = VARIANTS[3]
    with crelu.ReLU(save=save, grad="cs231n", **relu6.options) as r:
        r(X)
        with pytest.raises(error, match=pattern):
            call(r)
        # The saved state is still the first forward's...
        assert_same_bits(r.backward(D), reference(relu6, "cs231n", X, D)[1])
        # ...and the object takes new work, with its options unchanged.
        want_y, want_dx = reference(relu6, "cs231n", X2, D2)
        assert_same_bits(r(X2), want_y)
        assert_same_bits(r.backward(D2), want_dx)


def test_a_failed_call_leaves_out_untouched():
    out = np.full(21, np.nan)
    with crelu.ReLU() as r:
        r(X)
        with pytest.raises(crelu.SizeMismatchError):
            r.backward(np.ones(21)[:20], out=out[:20])
        with pytest.raises(crelu.DtypeMismatchError):
            r.backward(np.ones(21, np.float32), out=np.full(21, np.nan, np.float32))
    assert np.isnan(out).all()


def test_backward_before_forward():
    with crelu.ReLU() as r:
        with pytest.raises(crelu.NoForwardError, match="before any successful forward") as info:
            r.backward(D)
        assert isinstance(info.value, RuntimeError)
        assert_same_bits(r(X), reference(VARIANTS[0], "pytorch", X, D)[0])
        assert_same_bits(r.backward(D), reference(VARIANTS[0], "pytorch", X, D)[1])


@pytest.mark.parametrize(
    "status, error, builtin, function, call",
    [
        (4, crelu.SizeMismatchError, ValueError, "crelu_backward_f64", lambda r: r.backward(np.ones(5))),
        (5, crelu.DtypeMismatchError, TypeError, "crelu_backward_f32", lambda r: r.backward(np.ones(21, np.float32))),
        (1, crelu.InvalidArgumentError, ValueError, "crelu_forward_f64", _partial_overlap),
    ],
)
def test_status_errors_carry_status_function_and_strerror(status, error, builtin, function, call):
    with crelu.ReLU() as r:
        r(X)
        with pytest.raises(error) as info:
            call(r)
    exc = info.value
    assert isinstance(exc, crelu.Error) and isinstance(exc, builtin)
    assert exc.status == status and exc.function == function
    assert exc.reason == _strerror(status)
    assert _strerror(status) in str(exc) and function in str(exc)


# (options, exception type, message pattern)
BAD_OPTIONS = [
    ({"save": "y"}, ValueError, "save must be 'x' or 'mask'"),
    ({"save": 1}, TypeError, "save must be a str"),
    ({"grad": "torch"}, ValueError, "grad must be 'pytorch' or 'cs231n'"),
    ({"grad": None}, TypeError, "grad must be a str"),
    ({"negative_slope": "0.1"}, TypeError, "negative_slope must be a real number"),
    ({"negative_slope": True}, TypeError, "negative_slope must be a real number"),
    ({"negative_slope": math.nan}, crelu.InvalidArgumentError, "negative_slope=nan.*bad option value"),
    ({"negative_slope": -math.inf}, crelu.InvalidArgumentError, "negative_slope=-inf"),
    ({"max_value": 0.0}, crelu.InvalidArgumentError, "max_value=0.0.*crelu_set_max_value"),
    ({"max_value": -6}, crelu.InvalidArgumentError, "max_value=-6"),
    ({"max_value": math.nan}, crelu.InvalidArgumentError, "max_value=nan"),
    ({"max_value": [6]}, TypeError, "max_value must be a real number"),
    ({"negative_slope": 0.1, "max_value": 6.0}, crelu.InvalidArgumentError, "cannot be combined"),
    ({"num_threads": 2}, TypeError, "unexpected keyword"),
]


@pytest.mark.parametrize("options, error, pattern", BAD_OPTIONS, ids=repr)
def test_bad_options(options, error, pattern):
    with pytest.raises(error, match=pattern):
        crelu.ReLU(**options)


def test_options_are_keyword_only():
    with pytest.raises(TypeError):
        crelu.ReLU("mask")


def test_options_are_reported_back():
    r = crelu.ReLU(save="mask", grad="cs231n", max_value=6)
    assert (r.save, r.grad, r.negative_slope, r.max_value) == ("mask", "cs231n", 0.0, 6.0)
    assert repr(r) == "ReLU(save='mask', grad='cs231n', negative_slope=0.0, max_value=6.0)"
    r.close()
    assert repr(r).endswith("(closed)")


def test_closed_object_raises_value_error_and_close_is_idempotent():
    r = crelu.ReLU()
    r(X)
    r.close()
    r.close()
    assert r.closed
    for call in (lambda: r(X), lambda: r.backward(D), lambda: r.__enter__()):
        with pytest.raises(ValueError, match="closed ReLU"):
            call()


def test_context_manager_closes():
    with crelu.ReLU() as r:
        assert not r.closed
        r(X)
    assert r.closed
    with pytest.raises(ValueError, match="closed"):
        r(X)


def test_close_racing_with_calls_from_other_threads():
    # ctypes drops the GIL in C; the object's lock keeps close() from freeing
    # the context under a running call. Each call either works or sees "closed".
    r = crelu.ReLU(save="mask")
    big, _ = sample((1 << 16,), np.float32, 23)
    outcomes = []

    def work():
        for _ in range(200):
            try:
                r(big)
                r.backward(big)
                outcomes.append("ok")
            except ValueError as exc:
                assert "closed" in str(exc)
                outcomes.append("closed")

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    r.close()
    for t in threads:
        t.join()
    assert len(outcomes) == 600 and set(outcomes) <= {"ok", "closed"}


def test_ctypes_pointer_is_not_accepted_as_data():
    # Only buffers carry a length; a bare pointer could make C read past it.
    with pytest.raises(TypeError):
        crelu.relu(ctypes.pointer(ctypes.c_double(1.0)))
