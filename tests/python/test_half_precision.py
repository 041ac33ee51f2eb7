# SPDX-License-Identifier: MIT
"""float16 arrays, and bfloat16 (or float16) bit patterns in uint16/int16
arrays with dtype=, through every route of the binding: the ReLU object
(both save modes, both rules, every option), crelu.relu, out=, in place,
shapes, input kinds. Judged bit for bit by the references of the
differential suite (tests/differential/half_references.py: PyTorch on
bfloat16 tensors, the seed's class on float16, the once-rounded float32
reference), computed on the input padded to 32 elements."""

import array
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch

import crelu
from relu_references import VARIANTS

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "differential"))
import half_references  # noqa: E402

SHAPES = [(), (7,), (3, 7), (2, 3, 4), (4, 32), (0,), (3, 0)]
SPECIALS = {
    "bf16": [0x0000, 0x8000, 0x7F80, 0xFF80, 0x7FC0, 0xFFC1, 0x7F81, 0x0001, 0x8080, 0x40C0, 0x3DCD],
    "f16": [0x0000, 0x8000, 0x7C00, 0xFC00, 0x7E00, 0xFE01, 0x7D00, 0x0001, 0x8400, 0x4600, 0x2E66],
}


def _seed(*parts):
    return zlib.crc32(repr(parts).encode())


def sample(shape, half, seed):
    """(x, d) as uint16 bit patterns of `shape`: random patterns, with
    specials (signed zeros, infinities, NaNs, subnormals, 6, 0.1) spread in."""
    rng = np.random.default_rng(seed)
    size = int(np.prod(shape, dtype=np.int64))
    arrays = []
    for _ in range(2):
        flat = rng.integers(0, 1 << 16, size, dtype=np.uint64).astype(np.uint16)
        count = min(size // 2, len(SPECIALS[half]))
        if count:
            flat[rng.choice(size, count, replace=False)] = rng.choice(SPECIALS[half], count, replace=False)
        arrays.append(flat.reshape(shape))
    return arrays[0], arrays[1]


def reference(variant, grad, half, x, d):
    """(y, dx) bits of x's shape, from the references on x and d padded to 32."""
    size = x.size
    padded = -(-max(size, 1) // 32) * 32
    refs = half_references.references(variant, half, np.resize(x.ravel(), padded), np.resize(d.ravel(), padded))
    return refs["y"][0][:size].reshape(x.shape), refs["dx", grad][0][:size].reshape(x.shape)


def bits(result):
    """A result's elements as uint16 bit patterns (no conversion)."""
    return np.frombuffer(memoryview(result).cast("B"), np.uint16) if not isinstance(result, np.ndarray) \
        else result.view(np.uint16)


def assert_bits(got, want):
    np.testing.assert_array_equal(bits(got).ravel(), want.ravel())


# What each call is given and what comes back: float16 arrays, or bit
# patterns in a 16-bit integer array with dtype=.
AS = {
    "float16": ("f16", lambda b: b.view(np.float16), {}),
    "bf16-uint16": ("bf16", lambda b: b, {"dtype": "bf16"}),
    "bf16-int16": ("bf16", lambda b: b.view(np.int16), {"dtype": "bf16"}),
    "f16-uint16": ("f16", lambda b: b, {"dtype": "f16"}),
}


@pytest.mark.parametrize("save", ["x", "mask"])
@pytest.mark.parametrize("grad", ["pytorch", "cs231n"])
@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
@pytest.mark.parametrize("as_", list(AS))
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_ndarray_matches_reference(shape, as_, variant, grad, save):
    half, make, option = AS[as_]
    xb, db = sample(shape, half, _seed(shape, half, variant.name))
    want_y, want_dx = reference(variant, grad, half, xb, db)
    x, d = make(xb), make(db)
    x_before, d_before = x.copy(), d.copy()
    with crelu.ReLU(save=save, grad=grad, **variant.options) as r:
        y = r(x, **option)
        dx = r.backward(d, **option)
        dx_again = r.backward(d, **option)
    for got, want in ((y, want_y), (dx, want_dx), (dx_again, want_dx)):
        assert type(got) is np.ndarray and got.dtype == x.dtype and got.shape == shape
        assert_bits(got, want)
    assert_bits(x, bits(x_before))  # inputs are read, never written
    assert_bits(d, bits(d_before))


@pytest.mark.parametrize("as_", list(AS))
@pytest.mark.parametrize("save", ["x", "mask"])
def test_out_and_in_place(as_, save):
    half, make, option = AS[as_]
    relu6 = VARIANTS[3]
    xb, db = sample((4, 32), half, _seed("out", half))
    want_y, want_dx = reference(relu6, "cs231n", half, xb, db)
    with crelu.ReLU(save=save, grad="cs231n", **relu6.options) as r:
        out = np.full(xb.shape, 0x7FA5, np.uint16).view(make(xb).dtype)
        assert r(make(xb), out=out, **option) is out
        assert_bits(out, want_y)
        dout = np.full(db.shape, 0x7FA5, np.uint16).view(out.dtype)
        assert r.backward(make(db), out=dout, **option) is dout
        assert_bits(dout, want_dx)
        x, d = make(xb.copy()), make(db.copy())
        assert r(x, out=x, **option) is x
        assert_bits(x, want_y)
        assert r.backward(d, out=d, **option) is d
        assert_bits(d, want_dx)


def test_bit_patterns_go_into_either_16_bit_integer_type():
    xb, _ = sample((64,), "bf16", 3)
    want_y, _ = reference(VARIANTS[0], "pytorch", "bf16", xb, xb)
    out = np.empty(64, np.uint16)
    assert crelu.relu(xb.view(np.int16), out=out, dtype="bf16") is out
    assert_bits(out, want_y)
    out16 = np.empty(64, np.int16)
    assert crelu.relu(xb, out=out16, dtype="bf16") is out16
    assert_bits(out16, want_y)


@pytest.mark.parametrize("as_", list(AS))
@pytest.mark.parametrize("shape", [(), (5,), (3, 7), (2, 4, 32), (0,)], ids=str)
def test_stateless_relu(shape, as_):
    half, make, option = AS[as_]
    xb, _ = sample(shape, half, _seed("stateless", shape, half))
    want_y, _ = reference(VARIANTS[0], "pytorch", half, xb, xb)
    y = crelu.relu(make(xb), **option)
    assert type(y) is np.ndarray and y.dtype == make(xb).dtype and y.shape == shape
    assert_bits(y, want_y)


def test_small_and_big_arrays_agree():
    # float16 up to 2^14 elements runs with the GIL held (crelu._small), above
    # it through the general path: the same bits.
    for n in (16, 1 << 14, (1 << 14) + 32):
        xb, db = sample((n,), "f16", n)
        want_y, want_dx = reference(VARIANTS[1], "pytorch", "f16", xb, db)
        with crelu.ReLU(**VARIANTS[1].options) as r:
            assert_bits(r(xb.view(np.float16)), want_y)
            assert_bits(r.backward(db.view(np.float16)), want_dx)


# ---------------------------------------------------------------------------
# Other kinds: each comes back as the kind that went in.
# ---------------------------------------------------------------------------

KINDS = {
    # name: (half, make from uint16 bits, option, result type, result format)
    "float16 strided": ("f16", lambda b: np.repeat(b.view(np.float16), 2)[::2], {}, np.ndarray, None),
    "float16 fortran": ("f16", lambda b: np.asfortranarray(b.reshape(4, 16).view(np.float16)), {}, np.ndarray, None),
    "float16 memoryview": ("f16", lambda b: memoryview(b.view(np.float16)), {}, memoryview, "e"),
    "bf16 array.array('H')": ("bf16", lambda b: array.array("H", b.tobytes()), {"dtype": "bf16"}, array.array, "H"),
    "bf16 array.array('h')": ("bf16", lambda b: array.array("h", b.tobytes()), {"dtype": "bf16"}, array.array, "h"),
    "bf16 memoryview 'H'": ("bf16", lambda b: memoryview(bytearray(b.tobytes())).cast("H"), {"dtype": "bf16"},
                            memoryview, "H"),
    "bf16 read-only memoryview 'h'": ("bf16", lambda b: memoryview(b.tobytes()).cast("h"), {"dtype": "bf16"},
                                      memoryview, "h"),
    "bf16 strided int16": ("bf16", lambda b: np.repeat(b.view(np.int16), 2)[::2], {"dtype": "bf16"},
                           np.ndarray, None),
    "f16 array.array('H')": ("f16", lambda b: array.array("H", b.tobytes()), {"dtype": "f16"}, array.array, "H"),
}


@pytest.mark.parametrize("name", list(KINDS))
@pytest.mark.parametrize("grad", ["pytorch", "cs231n"])
def test_input_kinds(name, grad):
    half, make, option, result_type, fmt = KINDS[name]
    xb, db = sample((64,), half, _seed(name))
    want_y, want_dx = reference(VARIANTS[1], grad, half, xb, db)
    with crelu.ReLU(grad=grad, **VARIANTS[1].options) as r:
        y = r(make(xb), **option)
        dx = r.backward(make(db), **option)
    for got, want in ((y, want_y), (dx, want_dx)):
        assert type(got) is result_type
        if result_type is memoryview:
            assert got.format == fmt
        if result_type is array.array:
            assert got.typecode == fmt
        assert_bits(got, want)


# ---------------------------------------------------------------------------
# PyTorch, without a copy (the README's example)
# ---------------------------------------------------------------------------


def test_pytorch_bfloat16_tensors_zero_copy():
    xb, db = sample((4, 32), "bf16", 11)
    t = half_references.bf16_tensor(xb)
    a = t.view(torch.int16).numpy()
    assert a.ctypes.data == t.data_ptr()  # the same memory
    out = crelu.relu(a, dtype="bf16")
    y = torch.from_numpy(out).view(torch.bfloat16)
    assert y.dtype == torch.bfloat16 and y.shape == t.shape
    assert torch.equal(y.view(torch.int16), torch.relu(t).view(torch.int16))
    # In place: the tensor itself changes.
    crelu.relu(a, out=a, dtype="bf16")
    assert torch.equal(t.view(torch.int16), torch.relu(half_references.bf16_tensor(xb)).view(torch.int16))
    # The layer, forward and backward, against autograd.
    with crelu.ReLU(negative_slope=0.01) as r:
        xt = half_references.bf16_tensor(xb).requires_grad_()
        yt = torch.nn.functional.leaky_relu(xt, 0.01)
        (dxt,) = torch.autograd.grad(yt, xt, half_references.bf16_tensor(db))
        y = r(xt.detach().view(torch.int16).numpy(), dtype="bf16")
        dx = r.backward(half_references.bf16_tensor(db).view(torch.int16).numpy(), dtype="bf16")
    assert torch.equal(torch.from_numpy(y), yt.detach().view(torch.int16))
    assert torch.equal(torch.from_numpy(dx), dxt.view(torch.int16))


# ---------------------------------------------------------------------------
# The two ways to C (see test_call_paths.py): dtype= calls have their own
# small path (crelu._small.call_bits), with the GIL held up to SMALL_COUNT.
# ---------------------------------------------------------------------------


@pytest.fixture
def bits_paths(monkeypatch):
    """Counts the bfloat16 C calls made with the GIL held and released."""
    from crelu import _relu

    counts = {"held": 0, "released": 0}

    def counting(path, function):
        def call(*args):
            counts[path] += 1
            return function(*args)
        call.__name__ = function.__name__
        return call

    for tables in (_relu._FORWARD_BITS, _relu._BACKWARD_BITS, _relu._STATELESS_BITS):
        monkeypatch.setitem(tables["bf16"], "bits", counting("held", tables["bf16"]["bits"]))
    for table in (_relu._FORWARD, _relu._BACKWARD, _relu._STATELESS):
        monkeypatch.setitem(table, "b", counting("released", table["b"]))
    return counts


@pytest.mark.parametrize("integer", [np.uint16, np.int16], ids=lambda t: np.dtype(t).name)
@pytest.mark.parametrize("n", [16, 1 << 14, (1 << 14) + 32])
def test_bfloat16_calls_take_the_path_of_their_size(bits_paths, n, integer):
    xb, db = sample((n,), "bf16", n)
    want_y, want_dx = reference(VARIANTS[1], "pytorch", "bf16", xb, db)
    x, d = xb.view(integer), db.view(integer)
    with crelu.ReLU(**VARIANTS[1].options) as r:
        y_out, dx_out = np.empty_like(x), np.empty_like(d)
        assert r(x, out=y_out, dtype="bf16") is y_out and r.backward(d, out=dx_out, dtype="bf16") is dx_out
        got = [y_out, dx_out, r(x, dtype="bf16"), r.backward(d, dtype="bf16")]
    for y in got[0::2]:
        assert y.dtype == integer
        assert_bits(y, want_y)
    for dx in got[1::2]:
        assert dx.dtype == integer
        assert_bits(dx, want_dx)
    crelu.relu(x, dtype="bf16")
    expected = "held" if n <= 1 << 14 else "released"
    assert bits_paths == {"held": 0, "released": 0, expected: 5}


def test_the_small_bfloat16_path_declines_what_it_does_not_check(bits_paths):
    xb, _ = sample((64,), "bf16", 5)
    want_y, _ = reference(VARIANTS[0], "pytorch", "bf16", xb, xb)
    # A strided input, an out of the other integer type, a misaligned out.
    misaligned = np.frombuffer(bytearray(129), np.uint16, count=64, offset=1)
    for x, out in ((np.repeat(xb, 2)[::2], None), (xb, np.empty(64, np.int16)), (xb, misaligned)):
        if out is misaligned:
            with pytest.raises(ValueError, match="not aligned"):
                crelu.relu(x, out=out, dtype="bf16")
            continue
        assert_bits(crelu.relu(x, out=out, dtype="bf16"), want_y)
    assert bits_paths == {"held": 0, "released": 2}
