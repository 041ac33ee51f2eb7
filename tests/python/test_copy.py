# SPDX-License-Identifier: MIT
"""pickle, copy.copy and copy.deepcopy of a ReLU keep its options and
nothing else, as torch.nn.ReLU users expect of a module: the copy is a new,
open object with a fresh context; what forward saved (autograd's state, in
torch) stays with the original, whose work is not disturbed."""

import copy
import pickle

import numpy as np
import pytest

import crelu
from relu_references import VARIANTS, assert_same_bits, reference, sample

X, D = sample((3, 7), np.float64, 41)
X2, D2 = sample((3, 7), np.float64, 42)
COPIES = [
    *[pytest.param(lambda r, p=p: pickle.loads(pickle.dumps(r, protocol=p)), id=f"pickle{p}")
      for p in range(pickle.HIGHEST_PROTOCOL + 1)],
    pytest.param(copy.copy, id="copy"),
    pytest.param(copy.deepcopy, id="deepcopy"),
]
OPTIONS = [
    ({}, VARIANTS[0], "pytorch"),
    ({"save": "mask", "grad": "cs231n", "negative_slope": 0.01}, VARIANTS[1], "cs231n"),
    ({"grad": "cs231n", "max_value": 6}, VARIANTS[3], "cs231n"),
]


@pytest.mark.parametrize("make_copy", COPIES)
@pytest.mark.parametrize("options, variant, grad", OPTIONS, ids=["default", "leaky-mask", "relu6"])
def test_a_copy_has_the_options_and_a_fresh_context(make_copy, options, variant, grad):
    with crelu.ReLU(**options) as r:
        r(X)
        twin = make_copy(r)
        assert type(twin) is crelu.ReLU and twin is not r and not twin.closed
        assert repr(twin) == repr(r)
        assert (twin.save, twin.grad, twin.negative_slope, twin.max_value) == (
            r.save, r.grad, r.negative_slope, r.max_value)
        assert twin._ctx is not None and twin._ctx is not r._ctx
        # Nothing of the original's forward came along.
        with pytest.raises(crelu.NoForwardError):
            twin.backward(D)
        # The copy computes with the options...
        want_y, want_dx = reference(variant, grad, X2, D2)
        assert_same_bits(twin(X2), want_y)
        assert_same_bits(twin.backward(D2), want_dx)
        # ...and the original still has its own forward's state.
        assert_same_bits(r.backward(D), reference(variant, grad, X, D)[1])
        twin.close()


def test_a_pickle_holds_the_options_not_the_data():
    big, _ = sample((1 << 16,), np.float64, 43)
    with crelu.ReLU(save="mask", grad="cs231n") as r:
        r(big)
        data = pickle.dumps(r)
    assert len(data) < 300, len(data)
    # It names the public class, so it outlives the package's inner modules.
    assert b"crelu" in data and b"_relu" not in data
    assert repr(pickle.loads(data)) == repr(r).replace(" (closed)", "")


def test_the_copy_of_a_closed_relu_is_open():
    r = crelu.ReLU(max_value=6)
    r.close()
    for twin in (copy.copy(r), pickle.loads(pickle.dumps(r))):
        assert not twin.closed and twin.max_value == 6.0
        assert_same_bits(twin(X), reference(VARIANTS[3], "pytorch", X, D)[0])


def test_a_copy_is_independent_of_the_original():
    r = crelu.ReLU()
    twin = copy.deepcopy(r)
    r.close()
    assert not twin.closed
    assert_same_bits(twin(X), reference(VARIANTS[0], "pytorch", X, D)[0])
    twin.close()
