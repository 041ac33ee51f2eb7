# SPDX-License-Identifier: MIT
"""The binding against the live references, bit for bit: every option,
both dtypes, shapes from 0-d to 3-d, and every input kind."""

import array
import zlib

import numpy as np
import pytest

import crelu
from relu_references import VARIANTS, assert_same_bits, reference, sample, torch_reference

SHAPES = [(), (7,), (3, 7), (2, 3, 4), (4, 16), (0,), (3, 0)]
DTYPES = [np.float32, np.float64]


def _seed(*parts):
    return zlib.crc32(repr(parts).encode())


@pytest.mark.parametrize("save", ["x", "mask"])
@pytest.mark.parametrize("grad", ["pytorch", "cs231n"])
@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda t: np.dtype(t).name)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_ndarray_matches_reference(shape, dtype, variant, grad, save):
    x, d = sample(shape, dtype, _seed(shape, dtype, variant.name))
    want_y, want_dx = reference(variant, grad, x, d)
    x_before, d_before = x.copy(), d.copy()
    with crelu.ReLU(save=save, grad=grad, **variant.options) as r:
        y = r(x)
        dx = r.backward(d)
        dx_again = r.backward(d)
    for got, want in ((y, want_y), (dx, want_dx), (dx_again, want_dx)):
        assert type(got) is np.ndarray and got.dtype == dtype and got.shape == shape
        assert_same_bits(got, want)
    # Inputs are read, never written.
    assert_same_bits(x, x_before)
    assert_same_bits(d, d_before)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda t: np.dtype(t).name)
@pytest.mark.parametrize("shape", [(), (5,), (3, 7), (2, 4, 8)], ids=str)
def test_stateless_relu_matches_torch(shape, dtype):
    x, d = sample(shape, dtype, _seed("stateless", shape, dtype))
    want_y, _ = torch_reference(VARIANTS[0], x, d)
    y = crelu.relu(x)
    assert type(y) is np.ndarray and y.dtype == dtype and y.shape == shape
    assert_same_bits(y, want_y)


@pytest.mark.parametrize("save", ["x", "mask"])
def test_backward_follows_the_last_forward(save):
    relu6 = VARIANTS[3]
    x1, d = sample((4, 16), np.float64, 1)
    x2, _ = sample((4, 16), np.float64, 2)
    with crelu.ReLU(save=save, **relu6.options) as r:
        r(x1)
        r(x2)
        dx = r.backward(d)
    assert_same_bits(dx, reference(relu6, "pytorch", x2, d)[1])


@pytest.mark.parametrize("save", ["x", "mask"])
def test_forward_keeps_its_own_copy_of_what_backward_needs(save):
    x, d = sample((4, 16), np.float32, 3)
    want_dx = reference(VARIANTS[0], "cs231n", x, d)[1]
    with crelu.ReLU(save=save, grad="cs231n") as r:
        r(x)
        x[...] = -x  # the caller reuses its buffer; backward must not notice
        dx = r.backward(d)
    assert_same_bits(dx, want_dx)


# ---------------------------------------------------------------------------
# Input kinds: each comes back as the kind that went in, same values as the
# ndarray route would give (judged by the references, not by the binding).
# ---------------------------------------------------------------------------


def _as_array(arr):
    return array.array(arr.dtype.char, arr.tobytes())


def _as_memoryview(arr):
    return memoryview(bytearray(arr.tobytes())).cast(arr.dtype.char, arr.shape)


def _as_readonly_memoryview(arr):
    return memoryview(arr.tobytes()).cast(arr.dtype.char, arr.shape)


def _as_strided_memoryview(arr):
    # Every other element of a twice-as-long array: not C-contiguous.
    wide = np.repeat(arr, 2, axis=-1)
    view = memoryview(wide[..., ::2])
    assert not view.c_contiguous
    return view


KINDS = {
    "ndarray": (lambda a: a, np.ndarray, None),
    "ndarray-strided": (lambda a: np.repeat(a, 2, axis=-1)[..., ::2], np.ndarray, None),
    "ndarray-fortran": (np.asfortranarray, np.ndarray, None),
    "ndarray-readonly": (lambda a: np.frombuffer(a.tobytes(), a.dtype).reshape(a.shape), np.ndarray, None),
    "array.array": (_as_array, array.array, 1),
    "memoryview": (_as_memoryview, memoryview, None),
    "memoryview-readonly": (_as_readonly_memoryview, memoryview, None),
    "memoryview-strided": (_as_strided_memoryview, memoryview, None),
    "list": (lambda a: a.tolist(), list, None),
}


# Lists are float64 only.
KIND_DTYPES = [(k, t) for k in KINDS for t in DTYPES if not (k == "list" and t == np.float32)]


@pytest.mark.parametrize("kind, dtype", KIND_DTYPES, ids=lambda p: p if isinstance(p, str) else np.dtype(p).name)
@pytest.mark.parametrize("grad", ["pytorch", "cs231n"])
def test_input_kinds(kind, dtype, grad):
    make, result_type, ndim_only = KINDS[kind]
    shape = (16,) if ndim_only == 1 else (4, 16)
    x, d = sample(shape, dtype, _seed(kind, dtype))
    want_y, want_dx = reference(VARIANTS[0], grad, x, d)
    with crelu.ReLU(grad=grad) as r:
        y = r(make(x))
        dx = r.backward(make(d))
    for got, want in ((y, want_y), (dx, want_dx)):
        assert type(got) is result_type
        if result_type is memoryview:
            assert got.format == dtype().dtype.char and got.shape == shape
        if result_type is array.array:
            assert got.typecode == dtype().dtype.char
        assert_same_bits(got, want)


@pytest.mark.parametrize("shape", [(), (0,), (3, 0), (2, 3)], ids=str)
def test_memoryview_shapes_come_back(shape):
    x, _ = sample(shape, np.float64, 5)
    y = crelu.relu(memoryview(x))
    assert type(y) is memoryview and y.shape == shape
    assert_same_bits(np.asarray(y, dtype=np.float64) if y.nbytes else np.empty(shape),
                     torch_reference(VARIANTS[0], x, x)[0])


@pytest.mark.parametrize("nested", [[], [[]], [[], []], [1.0], [[-1, 2.5], [0, -0.0]],
                                    [[[1, -2], [3, -4]], [[-5, 6], [7, -8]]]], ids=repr)
def test_lists_keep_their_nesting(nested):
    x = np.array(nested, dtype=np.float64)
    y = crelu.relu(nested)
    assert type(y) is list
    assert np.array(y, dtype=np.float64).shape == x.shape
    assert_same_bits(np.array(y, dtype=np.float64), torch_reference(VARIANTS[0], x, x)[0])
    assert all(type(v) is float for v in np.array(y, dtype=object).ravel())


def test_lists_take_any_real_number():
    from fractions import Fraction

    values = [1, -2, 2.5, Fraction(-1, 3), np.float32(-0.5), np.int64(7), True - 2]
    y = crelu.relu(values)
    want = torch_reference(VARIANTS[0], np.array([float(v) for v in values]), np.zeros(7))[0]
    assert_same_bits(y, want)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda t: np.dtype(t).name)
def test_save_option_reaches_the_context(dtype):
    # Both save modes give the same bits, so only the memory held tells them
    # apart: a copy of x, or one bit per element (crelu_sizeof_ctx).
    n = 1 << 16
    x, _ = sample((n,), dtype, 31)
    held = {}
    for save in ("x", "mask"):
        with crelu.ReLU(save=save) as r:
            r(x)
            held[save] = crelu._LIB.crelu_sizeof_ctx(r._ctx)
    assert held["x"] >= x.nbytes
    assert n // 8 <= held["mask"] < n // 8 + 4096
