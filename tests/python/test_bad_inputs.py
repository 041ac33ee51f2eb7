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


# bfloat16 bit patterns (1.0 and -2.0), float16 values.
U16 = np.tile(np.array([0x3F80, 0xC000, 0x7FC0], np.uint16), 7).reshape(SHAPE)
X16 = np.linspace(-2.0, 2.0, X.size).astype(np.float16).reshape(SHAPE)


def _partial_overlap_bf16(r):
    base = np.zeros(X.size + 1, np.uint16)
    return r.forward(base[:-1].reshape(SHAPE), out=base[1:].reshape(SHAPE), dtype="bf16")


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
    # 16-bit types: bit patterns need dtype=, and dtype= needs bit patterns.
    ("int16 array without dtype", lambda r: r(U16.view(np.int16)), TypeError,
     "dtype int16: .*dtype='bf16'.*does not guess"),
    ("array.array('H') without dtype", lambda r: r(array.array("H", [1, 2])), TypeError,
     r"array\.array\('H'\).*dtype='bf16'"),
    ("'h' memoryview without dtype", lambda r: r(memoryview(U16.view(np.int16))), TypeError,
     "format 'h'.*does not guess"),
    ("dtype='bf16' with float64", lambda r: r(X, dtype="bf16"), TypeError,
     "dtype='bf16' is for bit patterns.*float64"),
    ("dtype='bf16' with float16", lambda r: r(X16, dtype="bf16"), TypeError, "dtype='bf16'.*float16"),
    ("dtype='f16' with float16", lambda r: r(X16, dtype="f16"), TypeError, "drop dtype="),
    ("dtype='bf16' with a list", lambda r: r([1.0, 2.0], dtype="bf16"), TypeError, "is a list"),
    ("dtype='bf16' with array.array('d')", lambda r: r(array.array("d", [1.0]), dtype="bf16"), TypeError,
     r"array\.array\('d'\)"),
    ("dtype unknown", lambda r: r(U16, dtype="bfloat16"), ValueError, "dtype must be 'bf16' or 'f16'"),
    ("dtype not a str", lambda r: r(U16, dtype=16), TypeError, "dtype must be a str"),
    ("dtype positional", lambda r: r.forward(U16, None, "bf16"), TypeError, "positional"),
    ("relu dtype unknown", lambda r: crelu.relu(U16, dtype="half"), ValueError, "dtype must be"),
    ("big-endian float16", lambda r: r(X16.astype(">f2")), TypeError, ">f2"),
    ("big-endian uint16 with dtype", lambda r: r(U16.astype(">u2"), dtype="bf16"), TypeError, ">u2"),
    ("bf16 out of float16", lambda r: r(U16, out=np.empty(SHAPE, np.float16), dtype="bf16"), TypeError,
     "out is of dtype float16, the input is bfloat16 bits in uint16"),
    ("float16 with uint16 out", lambda r: r(X16, out=np.empty(SHAPE, np.uint16)), TypeError,
     "out is of dtype uint16, the input is float16"),
    ("bf16 out of other shape", lambda r: r(U16, out=np.empty((7, 3), np.uint16), dtype="bf16"), ValueError,
     r"shape \(7, 3\)"),
    ("bf16 out partially overlaps x", _partial_overlap_bf16, crelu.InvalidArgumentError, "partially overlapping"),
    ("backward of bfloat16 after float64", lambda r: r.backward(U16, dtype="bf16"), crelu.DtypeMismatchError,
     r"crelu_backward_bf16\(\).*dtype differs"),
    ("backward of float16 after float64", lambda r: r.backward(D.astype(np.float16)), crelu.DtypeMismatchError,
     r"crelu_backward_f16\(\).*dtype differs"),
    ("backward of uint16 without dtype", lambda r: r.backward(U16), TypeError, "d is of dtype uint16"),
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
        (5, crelu.DtypeMismatchError, TypeError, "crelu_backward_bf16", lambda r: r.backward(U16, dtype="bf16")),
        (1, crelu.InvalidArgumentError, ValueError, "crelu_forward_bf16", _partial_overlap_bf16),
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


@pytest.mark.parametrize("save", ["x", "mask"])
def test_after_a_bfloat16_forward_backward_takes_bfloat16_only(save):
    # PyTorch autograd on bfloat16 tensors judges the results.
    xt = torch.from_numpy(U16.view(np.int16).copy()).view(torch.bfloat16).requires_grad_()
    dt = torch.from_numpy((U16 ^ 0x8000).view(np.int16).copy()).view(torch.bfloat16)
    (want_dx,) = torch.autograd.grad(torch.relu(xt), xt, dt)
    want_dx = want_dx.view(torch.int16).numpy()
    d = dt.view(torch.int16).numpy()
    mistakes = [
        (lambda r: r.backward(d.astype(np.float32)), crelu.DtypeMismatchError, "crelu_backward_f32"),
        (lambda r: r.backward(d.view(np.float16)), crelu.DtypeMismatchError, "crelu_backward_f16"),
        (lambda r: r.backward(d, dtype="f16"), crelu.DtypeMismatchError, "crelu_backward_f16"),
        (lambda r: r.backward(d), TypeError, "does not guess"),
        (lambda r: r.backward(d[:, :5], dtype="bf16"), crelu.SizeMismatchError, "crelu_backward_bf16"),
        (lambda r: r.backward(d.reshape(7, 3), dtype="bf16"), ValueError, r"shape \(7, 3\)"),
    ]
    with crelu.ReLU(save=save) as r:
        y = r(U16.view(np.int16), dtype="bf16")
        assert y.dtype == np.int16
        for call, error, pattern in mistakes:
            with pytest.raises(error, match=pattern):
                call(r)
            # The context is as it was: the bfloat16 forward's state (int16
            # equality is equality of the bits).
            np.testing.assert_array_equal(r.backward(d, dtype="bf16"), want_dx)
        # And it takes new work, of any dtype.
        assert_same_bits(r(X), reference(VARIANTS[0], "pytorch", X, D)[0])
        assert_same_bits(r.backward(D), reference(VARIANTS[0], "pytorch", X, D)[1])
