# SPDX-License-Identifier: MIT
"""libcrelu's bfloat16 and float16 against the live references, bit for bit
(issue 14, acceptance 1).

Every variant x grad rule x save mode x size x misalignment, on all 65,536
bit patterns of x (and of dy) plus every pair of special values, judged by:

* bfloat16, where PyTorch 1.13 has the op: PyTorch itself on bfloat16
  tensors (torch.relu, leaky_relu, relu6/hardtanh forward; autograd's
  backward of relu and leaky_relu);
* float16, plain ReLU forward and cs231n backward: the seed's class on NumPy
  float16 arrays;
* everything else (bfloat16 clipped backward and the cs231n rule, float16
  leaky and clipped, float16 PyTorch rule): the float32 result of the same
  PyTorch / NumPy float32 operations the float32 suite trusts, on the
  exactly widened input, narrowed once here - bfloat16 round-to-nearest-even
  with every NaN 0xffff, float16 by NumPy's astype(float16) - except that
  the PyTorch rule's ReLU/clipped backward selects: where the float32 result
  is dy, the answer is dy's own 16-bit pattern.

PyTorch's vectorized body is the reference (SPEC 6): one thread, the AVX2
kernels (conftest.py), and arrays padded to a multiple of 32 elements (two
vectors of 16 bfloat16) send every element through it. The library is
called on slices of those arrays (sizes 0 up to all of it, starting on a
64-byte boundary or one element after it) and each slice is compared with
the same elements of the reference: elementwise results do not depend on
where an element sits.

Run: CRELU_LIBRARY=<prefix>/lib/libcrelu.so.1 /usr/bin/python3 -m pytest -q \
         -p no:cacheprovider tests/differential
"""

import functools
import platform

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import crelu_ctypes
import half_references
import tally
from half_references import bf16_tensor, bits_of, narrow, widen
from variants import RULES, SAVES, Variant

torch.set_num_threads(1)
BLOCK = 32
LIB = crelu_ctypes.load()
HALVES = ["bf16", "f16"]
# Slice lengths: empty, shorter than any vector, around 16/32/64-element
# blocks, and (None) everything from the start offset on.
SIZES = [0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 127, 128, 129, 255, 257, 1000, None]
OFFSETS = [0, 1]  # elements after a 64-byte boundary


# --------------------------------------------------------------------------
# Variants
# --------------------------------------------------------------------------


VARIANTS = [
    Variant("relu", torch.relu),
    # Neither 0.01 nor 0.1 is a bfloat16 (or float16): the slope is float32.
    Variant("leaky0.01", lambda t: F.leaky_relu(t, 0.01), slope=0.01),
    Variant("leaky0.1", lambda t: F.leaky_relu(t, 0.1), slope=0.1),
    Variant("leaky-0.5", lambda t: F.leaky_relu(t, -0.5), slope=-0.5),
    Variant("leaky3", lambda t: F.leaky_relu(t, 3.0), slope=3.0),  # x * a overflows
    Variant("relu6", F.relu6, cap=6.0),
    Variant("clip1e-3", lambda t: F.hardtanh(t, 0.0, 1e-3), cap=1e-3),
    Variant("clip0.1", lambda t: F.hardtanh(t, 0.0, 0.1), cap=0.1),
    # Just above float16's largest finite value; beyond float16's range.
    Variant("clip65504.5", lambda t: F.hardtanh(t, 0.0, 65504.5), cap=65504.5),
    Variant("clip70000", lambda t: F.hardtanh(t, 0.0, 70000.0), cap=70000.0),
]
VARIANT_BY_NAME = {v.name: v for v in VARIANTS}


@functools.lru_cache(maxsize=None)
def references(half, variant_name):
    x, dy = make_inputs(half, variant_name)
    return half_references.references(VARIANT_BY_NAME[variant_name], half, x, dy)


def expected(half, variant_name, what, rule):
    refs = references(half, variant_name)
    return refs[what] if what == "y" else refs[what, rule]


# --------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------

NAN_BITS = {
    # quiet +-, payloads, signalling (quiet bit clear) +-, all-ones
    "bf16": [0x7FC0, 0xFFC0, 0x7FC1, 0x7FE5, 0x7F81, 0xFF81, 0x7FA0, 0x7FFF, 0xFFFF],
    "f16": [0x7E00, 0xFE00, 0x7E01, 0x7F55, 0x7C01, 0xFC01, 0x7D00, 0x7FFF, 0xFFFF],
}
MAGNITUDE_BITS = {
    # 0, 1, inf, smallest and largest subnormal, smallest normal, largest finite, 0.5, 2
    "bf16": [0x0000, 0x3F80, 0x7F80, 0x0001, 0x007F, 0x0080, 0x7F7F, 0x3F00, 0x4000],
    "f16": [0x0000, 0x3C00, 0x7C00, 0x0001, 0x03FF, 0x0400, 0x7BFF, 0x3800, 0x4000],
}


def special_bits(half, variant):
    """Signed zeros, infinities, subnormals, NaNs with payloads and
    signalling ones, and the patterns around the cap and the slope."""
    magnitudes = list(MAGNITUDE_BITS[half])
    near = []
    if variant.kind == "clipped":
        near.append(variant.cap)
    if variant.kind == "leaky":
        near += [abs(variant.slope), 1 / abs(variant.slope)]
    for value in near:
        # The nearest patterns below and above the value (as float32, then 16-bit).
        rounded = int(narrow(np.array([value], np.float32), half)[0])
        magnitudes += [rounded - 1, rounded, rounded + 1]
    magnitudes = [m for m in magnitudes if (m & 0x7FFF) == m]
    bits = magnitudes + [m | 0x8000 for m in magnitudes] + NAN_BITS[half]
    return np.array(sorted(set(bits)), np.uint16)


def _pad(arr):
    return np.resize(arr, -(-arr.size // BLOCK) * BLOCK)


@functools.lru_cache(maxsize=None)
def make_inputs(half, variant_name):
    """(x, dy): every 16-bit pattern once in each, in random order, then every
    pair of special values; padded to a multiple of BLOCK; read-only."""
    rng = np.random.default_rng([HALVES.index(half), VARIANTS.index(VARIANT_BY_NAME[variant_name])])
    every = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16)
    specials = special_bits(half, VARIANT_BY_NAME[variant_name])
    sx, sdy = np.meshgrid(specials, specials, indexing="ij")
    x = _pad(np.concatenate([rng.permutation(every), sx.ravel()]))
    dy = _pad(np.concatenate([rng.permutation(every), sdy.ravel()]))
    assert x.size % BLOCK == 0 and x.dtype == dy.dtype == np.uint16
    x.flags.writeable = False
    dy.flags.writeable = False
    return x, dy


def placed(values, offset):
    """A copy of `values` whose first element is `offset` elements after a
    64-byte boundary, with a poison element on each side."""
    buf = np.empty(values.size + 64, np.uint16)
    start = (-buf.ctypes.data % 64) // 2 + offset
    buf[:] = POISON
    view = buf[start:start + values.size]
    view[:] = values
    return view


# Pre-fills every output, so an element the library did not write shows.
POISON = 0x7FA5


def poisoned(size, offset):
    return placed(np.full(size, POISON, np.uint16), offset)


# --------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------


def assert_same_bits(label, got, want, x, dy=None):
    """Counts (tally) and fails with the first differing element."""
    assert got.dtype == want.dtype == np.uint16 and got.shape == want.shape, label
    bad = np.flatnonzero(got != want)
    tally.add(label, got.size, bad.size)
    if bad.size:
        i = int(bad[0])
        inputs = f"x=0x{int(x[i]):04x}" + ("" if dy is None else f", dy=0x{int(dy[i]):04x}")
        pytest.fail(f"{label}: {bad.size} of {got.size} elements differ; first at index {i}: "
                    f"{inputs}: expected 0x{int(want[i]):04x}, got 0x{int(got[i]):04x}", pytrace=False)


def slices(total):
    for offset in OFFSETS:
        for size in SIZES:
            n = total - offset if size is None else size
            yield offset, n


# --------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------


@pytest.mark.parametrize("save", list(SAVES))
@pytest.mark.parametrize("rule", list(RULES))
@pytest.mark.parametrize("variant", VARIANTS, ids=[v.name for v in VARIANTS])
@pytest.mark.parametrize("half", HALVES)
def test_context_matches_reference(half, variant, rule, save):
    x, dy = make_inputs(half, variant.name)
    want_y, y_ref = expected(half, variant.name, "y", rule)
    want_dx, dx_ref = expected(half, variant.name, "dx", rule)
    with LIB.context(SAVES[save], RULES[rule], variant.slope, variant.cap) as ctx:
        for offset, n in slices(x.size):
            part = slice(offset, offset + n)
            xs, dys = placed(x[part], offset), placed(dy[part], offset)
            y = ctx.forward(xs, out=poisoned(n, offset), half=half)
            dx = ctx.backward(dys, out=poisoned(n, offset), half=half)
            assert_same_bits(f"{half} forward vs {y_ref}", y, want_y[part], x[part])
            assert_same_bits(f"{half} backward {rule} vs {dx_ref}", dx, want_dx[part], x[part], dy[part])
            if n == x.size - offset:
                # Backward again (forward's state is not consumed), and in place.
                again = ctx.backward(dys, out=poisoned(n, offset), half=half)
                assert_same_bits(f"{half} second backward vs {dx_ref}", again, want_dx[part], x[part], dy[part])
                ctx.forward(xs, out=xs, half=half)
                assert_same_bits(f"{half} in-place forward vs {y_ref}", xs, want_y[part], x[part])
                ctx.backward(dys, out=dys, half=half)
                assert_same_bits(f"{half} in-place backward vs {dx_ref}", dys, want_dx[part], x[part], dy[part])


@pytest.mark.parametrize("half", HALVES)
def test_stateless_matches_reference(half):
    x, dy = make_inputs(half, "relu")
    want_y, y_ref = expected(half, "relu", "y", "pytorch")
    want_dx, dx_ref = expected(half, "relu", "dx", "pytorch")
    for offset, n in slices(x.size):
        part = slice(offset, offset + n)
        xs, dys = placed(x[part], offset), placed(dy[part], offset)
        y = LIB.relu(xs, out=poisoned(n, offset), half=half)
        dx = LIB.relu_backward(xs, dys, out=poisoned(n, offset), half=half)
        assert_same_bits(f"{half} crelu_relu vs {y_ref}", y, want_y[part], x[part])
        assert_same_bits(f"{half} crelu_relu_backward vs {dx_ref}", dx, want_dx[part], x[part], dy[part])
    # In place, both ways the header allows (dx == dy, dx == x).
    xs, dys = placed(x, 1), placed(dy, 1)
    LIB.relu_backward(xs, dys, out=dys, half=half)
    assert_same_bits(f"{half} crelu_relu_backward dx == dy", dys, want_dx, x, dy)
    dys = placed(dy, 1)
    LIB.relu_backward(xs, dys, out=xs, half=half)
    assert_same_bits(f"{half} crelu_relu_backward dx == x", xs, want_dx, x, dy)
    xs = placed(x, 1)
    LIB.relu(xs, out=xs, half=half)
    assert_same_bits(f"{half} crelu_relu in place", xs, want_y, x)


# --------------------------------------------------------------------------
# Guards on the suite itself
# --------------------------------------------------------------------------


def test_torch_runs_its_avx2_kernels():
    """conftest.py pinned the kernels; on x86 PyTorch says it uses them."""
    if platform.machine() not in ("x86_64", "AMD64", "i686"):
        pytest.skip("ATEN_CPU_CAPABILITY=avx2 is x86's")
    assert "CPU capability usage: AVX2" in torch.__config__.show()


@pytest.mark.parametrize("half", HALVES)
def test_every_pattern_is_an_input(half):
    for variant in VARIANTS:
        x, dy = make_inputs(half, variant.name)
        assert np.unique(x).size == 1 << 16 and np.unique(dy).size == 1 << 16
        assert np.isin(special_bits(half, variant), x).all()


@pytest.mark.parametrize("half", HALVES)
def test_widening_is_exact(half):
    """widen() against the libraries' own conversions, for every non-NaN
    pattern (NaN conversions are where they may quiet, which widen must not)."""
    every = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16)
    mine = widen(every, half)
    if half == "bf16":
        theirs = bf16_tensor(every).to(torch.float32).numpy()
    else:
        theirs = every.view(np.float16).astype(np.float32)
    keep = ~np.isnan(theirs)
    assert keep.sum() == (1 << 16) - (254 if half == "bf16" else 2046)
    np.testing.assert_array_equal(mine.view(np.uint32)[keep], theirs.view(np.uint32)[keep])
    # NaNs: the top 16 (bf16) or the sign, exponent and 10 payload bits (f16) survive.
    assert np.isnan(mine[~keep]).all()
    back = narrow(mine[~keep], "f16") if half == "f16" else (mine[~keep].view(np.uint32) >> 16).astype(np.uint16)
    np.testing.assert_array_equal(back, every[~keep])


def test_bf16_narrowing_is_torchs():
    """narrow(bf16) against PyTorch's float32 -> bfloat16 conversion on
    random float32 patterns, ties and every bfloat16 widened (non-NaN); and a
    NaN is 0xffff, as in torch.relu's vectorized body."""
    rng = np.random.default_rng(7)
    u = rng.integers(0, 1 << 32, 1 << 18, dtype=np.uint64).astype(np.uint32)
    ties = (rng.integers(0, 1 << 16, 4096, dtype=np.uint64).astype(np.uint32) << 16) | 0x8000
    every = (np.arange(1 << 16, dtype=np.uint32) << 16)
    values = np.concatenate([u, ties, every, every | 0x7FFF, every | 0x8001]).view(np.float32)
    values = values[~np.isnan(values)]
    theirs = bits_of(torch.from_numpy(values.copy()).to(torch.bfloat16))
    np.testing.assert_array_equal(narrow(values, "bf16"), theirs)
    nan = bf16_tensor(np.full(BLOCK, 0x7FC1, np.uint16))
    assert (bits_of(torch.relu(nan)) == 0xFFFF).all()
    assert (narrow(np.full(3, np.nan, np.float32), "bf16") == 0xFFFF).all()


def test_the_fallback_references_are_needed():
    """Where this suite narrows a float32 result, PyTorch 1.13 has no op of
    its own: no bfloat16 hardtanh backward, no float16 ReLU at all. If a
    later PyTorch has them, they should become the references."""
    xt = bf16_tensor(np.full(BLOCK, 0x3F80, np.uint16)).requires_grad_()
    with pytest.raises(RuntimeError, match="BFloat16"):
        torch.autograd.grad(F.relu6(xt), xt, torch.ones_like(xt))
    with pytest.raises(RuntimeError, match="Half"):
        torch.relu(torch.ones(BLOCK, dtype=torch.float16))
