# SPDX-License-Identifier: MIT
"""backward takes a gradient of the last forward's shape, as NumPy's
d * mask would: the same element count in another shape is a ValueError
naming both shapes, on the small (GIL held) path and the general one, for
every input kind; the object stays usable. Another count or dtype is still
C's SizeMismatchError / DtypeMismatchError."""

import array

import numpy as np
import pytest

import crelu
from crelu._small import SMALL_COUNT
from relu_references import VARIANTS, assert_same_bits, reference, sample

RELU = VARIANTS[0]
# (forward's shape, another shape of the same size): small and big arrays.
SHAPES = [((2, 3), (3, 2)), ((6,), (1, 6)), ((2, 3), (6,)), ((4, SMALL_COUNT), (SMALL_COUNT, 4))]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, other", SHAPES, ids=[f"{a}-{b}" for a, b in SHAPES])
@pytest.mark.parametrize("with_out", [False, True], ids=["new", "out"])
def test_an_ndarray_of_another_shape_is_refused(shape, other, dtype, with_out):
    x, d = sample(shape, dtype, 31)
    with crelu.ReLU() as r:
        r(x)
        wrong = d.reshape(other)
        out = np.full(other, np.nan, dtype) if with_out else None
        with pytest.raises(ValueError, match=rf"d has shape {_re(other)}, the last forward's x had "
                                             rf"shape {_re(shape)}: they must match") as info:
            r.backward(wrong, out=out)
        assert not isinstance(info.value, crelu.Error)  # C was not called
        if with_out:
            assert np.isnan(out).all()
        # The saved state is the forward's, and the right shape works.
        assert_same_bits(r.backward(d), reference(RELU, "pytorch", x, d)[1])


def test_every_input_kind_is_held_to_the_shape():
    x, d = sample((2, 3), np.float64, 32)
    with crelu.ReLU() as r:
        r(x.tolist())  # a forward on nested lists records (2, 3) too
        for wrong in (d.ravel(), d.ravel().tolist(), array.array("d", d.ravel()),
                      memoryview(d.ravel().copy()), d.reshape(3, 2).tolist()):
            with pytest.raises(ValueError, match="they must match"):
                r.backward(wrong)
        # Any kind of the right shape is fine.
        want = reference(RELU, "pytorch", x, d)[1]
        assert_same_bits(r.backward(d), want)
        assert_same_bits(r.backward(d.tolist()), want)
        assert_same_bits(np.asarray(r.backward(memoryview(d.copy()))), want)


def test_a_1d_forward_takes_a_1d_gradient_of_any_kind():
    x, d = sample((6,), np.float32, 33)
    with crelu.ReLU() as r:
        r(array.array("f", x))
        want = reference(RELU, "pytorch", x, d)[1]
        assert_same_bits(r.backward(d), want)
        assert_same_bits(np.frombuffer(r.backward(array.array("f", d)), np.float32), want)


def test_count_and_dtype_mismatches_are_still_cs():
    x, d = sample((2, 3), np.float64, 34)
    with crelu.ReLU() as r:
        r(x)
        with pytest.raises(crelu.SizeMismatchError):
            r.backward(np.ones((3, 3)))
        with pytest.raises(crelu.DtypeMismatchError):
            r.backward(np.ones((3, 2), np.float32))  # another shape and dtype: the dtype
        assert_same_bits(r.backward(d), reference(RELU, "pytorch", x, d)[1])


def test_only_a_successful_forward_sets_the_shape():
    x, d = sample((2, 3), np.float64, 35)
    with crelu.ReLU() as r:
        r(x)
        with pytest.raises(TypeError):
            r(np.ones((3, 2), np.int64))  # refused: the shape stays (2, 3)
        with pytest.raises(crelu.InvalidArgumentError):
            base = np.zeros(7)
            r.forward(base[:-1].reshape(3, 2), out=base[1:].reshape(3, 2))  # C refuses
        assert_same_bits(r.backward(d), reference(RELU, "pytorch", x, d)[1])
        with pytest.raises(ValueError, match="they must match"):
            r.backward(d.reshape(3, 2))
        # A new forward of another shape moves the expectation with it.
        r(x.reshape(3, 2))
        assert_same_bits(r.backward(d.reshape(3, 2)), reference(RELU, "pytorch", x, d)[1].reshape(3, 2))
        with pytest.raises(ValueError, match=r"had shape \(3, 2\)"):
            r.backward(d)


def test_before_any_forward_it_is_still_no_forward():
    with crelu.ReLU() as r:
        with pytest.raises(crelu.NoForwardError):
            r.backward(np.ones((2, 3)))


def _re(shape):
    return str(shape).replace("(", r"\(").replace(")", r"\)")
