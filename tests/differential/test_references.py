# SPDX-License-Identifier: MIT
"""libcrelu against the live references, bit for bit (SPEC section 2).

The judges are the references themselves, run here and now: PyTorch 1.13 on
the CPU for CRELU_GRAD_PYTORCH, and the seed's NumPy class (plus the same
multiply-by-mask form for leaky and clipped) for CRELU_GRAD_CS231N. Nothing is
compared against a formula of our own or a hard-coded result.

Run: CRELU_LIBRARY=<prefix>/lib/libcrelu.so.1 /usr/bin/python3 -m pytest -q \
         -p no:cacheprovider tests/differential
"""

import functools
import math
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "seed"))
from seed_relu import Relu  # noqa: E402  (the seed's class, shared with the other reference test)

import crelu_ctypes
from variants import RULES, SAVES, Variant

# PyTorch's vectorized loop body and its scalar tail disagree in two corners;
# the library follows the body. One thread and lengths that are a multiple of
# 16 (two AVX vectors of float32) send every element through the body.
torch.set_num_threads(1)
BLOCK = 16
N_RANDOM = 4096
assert N_RANDOM % BLOCK == 0

LIB = crelu_ctypes.load()

DTYPES = [np.float32, np.float64]
UINT = {np.float32: np.uint32, np.float64: np.uint64}
HEX_DIGITS = {np.float32: 8, np.float64: 16}


# --------------------------------------------------------------------------
# Variants and references
# --------------------------------------------------------------------------


VARIANTS = [
    Variant("relu", torch.relu),
    Variant("leaky0.01", lambda t: F.leaky_relu(t, 0.01), slope=0.01),
    Variant("leaky-0.5", lambda t: F.leaky_relu(t, -0.5), slope=-0.5),
    Variant("leaky3", lambda t: F.leaky_relu(t, 3.0), slope=3.0),
    Variant("relu6", F.relu6, cap=6.0),
    Variant("hardtanh6", lambda t: F.hardtanh(t, 0.0, 6.0), cap=6.0),
    Variant("clip1.5", lambda t: F.hardtanh(t, 0.0, 1.5), cap=1.5),
    # 0.1 is not a float32: both sides must round the cap the same way.
    Variant("clip0.1", lambda t: F.hardtanh(t, 0.0, 0.1), cap=0.1),
]
VARIANT_BY_NAME = {v.name: v for v in VARIANTS}


def torch_reference(variant, x, dy):
    """Forward and autograd backward in PyTorch; copies so that the test's own
    arrays can never be touched, from_numpy so that every bit is kept."""
    x_t = torch.from_numpy(x.copy()).requires_grad_()
    y_t = variant.torch_forward(x_t)
    (dx_t,) = torch.autograd.grad(y_t, x_t, torch.from_numpy(dy.copy()))
    return _checked(y_t.detach().numpy(), x.dtype), _checked(dx_t.numpy(), x.dtype)


def cs231n_reference(variant, x, dy):
    """(y or None, dx) under the cs231n rule. Only plain ReLU has a forward of
    its own (the seed class); for leaky and clipped the forward column is the
    same as PyTorch's and is judged by torch."""
    dtype = x.dtype.type
    # inf * 0 and NaN compares are the point here, not a problem.
    with np.errstate(all="ignore"):
        if variant.kind == "relu":
            layer = Relu()
            y = layer(x)
            dx = layer.backward(dy)
            return _checked(y, x.dtype), _checked(dx, x.dtype)
        if variant.kind == "leaky":
            # Scalars of the array's dtype, so that nothing upcasts to float64.
            one, a = dtype(1), dtype(variant.slope)
            dx = dy * np.where(x >= 0, one, a)
        else:
            c = dtype(variant.cap)
            dx = dy * ((x >= 0) & (x <= c)).astype(dtype)
    return None, _checked(dx, x.dtype)


def _checked(arr, dtype):
    assert arr.dtype == dtype, f"reference silently changed dtype: {arr.dtype} != {dtype}"
    return arr


# --------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------


def _from_bits(dtype, bits):
    return np.array(bits, dtype=UINT[dtype]).view(dtype)


def _pad(arr):
    """Repeats the array up to the next multiple of BLOCK elements."""
    return np.resize(arr, -(-arr.size // BLOCK) * BLOCK)


def special_values(dtype, variant):
    f = np.finfo(dtype)
    t = dtype
    magnitudes = [
        t(0), t(1), t(0.5), t(2), t(np.inf),
        f.smallest_subnormal, np.nextafter(f.tiny, t(0)),  # smallest, largest subnormal
        f.tiny, np.nextafter(f.tiny, t(1)), f.max,
    ]
    if variant.kind == "clipped":
        c = t(variant.cap)
        magnitudes += [c, np.nextafter(c, t(-np.inf)), np.nextafter(c, t(np.inf))]
    if variant.kind == "leaky":
        # x * a near the edges: round trips, underflow to zero, overflow to inf.
        a = t(variant.slope)
        magnitudes += [np.abs(a), t(1) / np.abs(a), f.max / t(4)]
    values = np.array(magnitudes, dtype=dtype)
    values = np.concatenate([values, -values])
    if dtype == np.float32:
        nans = [0x7FC00000, 0xFFC00000, 0x7FC00123, 0x7FA00001, 0xFFA00001, 0x7F800001]
    else:
        nans = [0x7FF8000000000000, 0xFFF8000000000000, 0x7FF8000000000123,
                0x7FF4000000000001, 0xFFF4000000000001, 0x7FF0000000000001]
    values = np.concatenate([values, _from_bits(dtype, nans)])
    # Deduplicate by bit pattern (not by value: -0.0 and +0.0 both stay).
    _, first = np.unique(values.view(UINT[dtype]), return_index=True)
    return values[np.sort(first)]


@functools.lru_cache(maxsize=None)
def make_inputs(kind, dtype, variant_name):
    """(x, dy), read-only and cached: every test sees the same bits."""
    if kind == "random":
        # Uniform bit patterns: NaN payloads, signalling NaNs, subnormals, all of it.
        rng = np.random.default_rng(12345 if dtype == np.float32 else 67890)
        u = UINT[dtype]
        top = 2 ** (8 * np.dtype(u).itemsize)
        x = rng.integers(0, top, size=N_RANDOM, dtype=u).view(dtype)
        dy = rng.integers(0, top, size=N_RANDOM, dtype=u).view(dtype)
    else:
        values = special_values(dtype, VARIANT_BY_NAME[variant_name])
        xi, di = np.meshgrid(np.arange(values.size), np.arange(values.size), indexing="ij")
        x, dy = _pad(values[xi.ravel()]), _pad(values[di.ravel()])
    assert x.size % BLOCK == 0 and x.dtype == dtype and dy.dtype == dtype
    x.flags.writeable = False
    dy.flags.writeable = False
    return x, dy


@functools.lru_cache(maxsize=None)
def torch_result(kind, dtype, variant_name):
    x, dy = make_inputs(kind, dtype, variant_name)
    return torch_reference(VARIANT_BY_NAME[variant_name], x, dy)


def poisoned_like(arr):
    """An output buffer pre-filled with an odd NaN payload, so that
    an element the library forgot to write shows up as a mismatch."""
    bits = 0x7FC0DEAD if arr.dtype == np.float32 else 0x7FF800000000DEAD
    return np.full(arr.shape, bits, dtype=UINT[arr.dtype.type]).view(arr.dtype)


# --------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------


def _fmt(arr, i):
    """Element i as its bit pattern (read from the buffer, never converted)
    and its value."""
    dtype = arr.dtype.type
    bits = int(arr.view(UINT[dtype])[i])
    return f"0x{bits:0{HEX_DIGITS[dtype]}x} ({arr[i]!r})"


def assert_same_bits(what, got, expected, **inputs):
    """Fails with the first differing element, its inputs and both outputs."""
    u = UINT[expected.dtype.type]
    assert got.dtype == expected.dtype and got.shape == expected.shape, what
    bad = np.flatnonzero(got.view(u) != expected.view(u))
    if bad.size:
        i = int(bad[0])
        detail = ", ".join(f"{name}={_fmt(arr, i)}" for name, arr in inputs.items())
        pytest.fail(
            f"{what}: {bad.size} of {got.size} elements differ; first at index {i}: "
            f"{detail}: expected {_fmt(expected, i)}, got {_fmt(got, i)}",
            pytrace=False,
        )


# --------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------

dtype_param = pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
variant_param = pytest.mark.parametrize("variant", VARIANTS, ids=[v.name for v in VARIANTS])
rule_param = pytest.mark.parametrize("rule", list(RULES))
save_param = pytest.mark.parametrize("save", list(SAVES))
inputs_param = pytest.mark.parametrize("inputs", ["random", "special"])


@inputs_param
@save_param
@rule_param
@variant_param
@dtype_param
def test_context_matches_reference(dtype, variant, rule, save, inputs):
    x, dy = make_inputs(inputs, dtype, variant.name)
    y_torch, dx_torch = torch_result(inputs, dtype, variant.name)

    with LIB.context(SAVES[save], RULES[rule], variant.slope, variant.cap) as ctx:
        y = ctx.forward(x, out=poisoned_like(x))
        dx = ctx.backward(dy, out=poisoned_like(dy))
        dx_again = ctx.backward(dy, out=poisoned_like(dy))

    # Forward is the same column of the table under both rules.
    assert_same_bits("forward vs torch", y, y_torch, x=x)
    if rule == "pytorch":
        assert_same_bits("backward vs torch autograd", dx, dx_torch, x=x, dy=dy)
    else:
        y_ref, dx_ref = cs231n_reference(variant, x, dy)
        if y_ref is not None:
            assert_same_bits("forward vs seed Relu class", y, y_ref, x=x)
        assert_same_bits("backward vs cs231n reference", dx, dx_ref, x=x, dy=dy)
    # backward does not consume what forward saved.
    assert_same_bits("second backward vs first", dx_again, dx, x=x, dy=dy)


@save_param
@rule_param
@variant_param
@dtype_param
def test_context_in_place_matches_out_of_place(dtype, variant, rule, save):
    rx, rdy = make_inputs("random", dtype, variant.name)
    sx, sdy = make_inputs("special", dtype, variant.name)
    x, dy = np.concatenate([rx, sx]), np.concatenate([rdy, sdy])

    with LIB.context(SAVES[save], RULES[rule], variant.slope, variant.cap) as ctx:
        y = ctx.forward(x)
        dx = ctx.backward(dy)
    with LIB.context(SAVES[save], RULES[rule], variant.slope, variant.cap) as ctx:
        buf = x.copy()
        ctx.forward(buf, out=buf)
        assert_same_bits("in-place forward", buf, y, x=x)
        grad = dy.copy()
        ctx.backward(grad, out=grad)
        assert_same_bits("in-place backward", grad, dx, x=x, dy=dy)


@inputs_param
@dtype_param
def test_stateless_matches_torch(dtype, inputs):
    x, dy = make_inputs(inputs, dtype, "relu")
    y_torch, dx_torch = torch_result(inputs, dtype, "relu")

    assert_same_bits("crelu_relu vs torch.relu", LIB.relu(x, out=poisoned_like(x)), y_torch, x=x)
    dx = LIB.relu_backward(x, dy, out=poisoned_like(dy))
    assert_same_bits("crelu_relu_backward vs torch autograd", dx, dx_torch, x=x, dy=dy)

    buf = x.copy()
    LIB.relu(buf, out=buf)
    assert_same_bits("in-place crelu_relu", buf, y_torch, x=x)
    grad = dy.copy()
    LIB.relu_backward(x, grad, out=grad)
    assert_same_bits("crelu_relu_backward with dx == dy", grad, dx_torch, x=x, dy=dy)
    xbuf = x.copy()
    LIB.relu_backward(xbuf, dy, out=xbuf)
    assert_same_bits("crelu_relu_backward with dx == x", xbuf, dx_torch, x=x, dy=dy)


# Points where SPEC says the two references disagree: (variant, x, dy).
RULE_SPLITS = [
    ("relu", -0.0, -1.0),      # torch selects +0, the seed multiplies: -1.0
    ("relu", 0.0, -1.0),       # kink: torch blocks, the seed's mask is x >= 0
    ("relu", -2.0, -1.0),      # masked: torch +0, the seed -1 * 0 = -0.0
    ("relu", math.nan, -1.0),  # NaN x: torch passes dy, the seed's mask is 0
    ("leaky0.01", 0.0, -1.0),  # kink: dy * a against dy
    ("relu6", 6.0, -1.0),      # upper kink: +0 against dy
    ("clip0.1", 0.0, -1.0),    # lower kink
]


@pytest.mark.parametrize("variant_name,x0,dy0", RULE_SPLITS)
@dtype_param
def test_references_really_differ(dtype, variant_name, x0, dy0):
    """Guards the suite itself: at these points the two references give
    different bits, so a library that ignored the rule could not pass, and
    the points are among the special inputs every context test runs."""
    variant = VARIANT_BY_NAME[variant_name]
    x = np.full(BLOCK, x0, dtype=dtype)
    dy = np.full(BLOCK, dy0, dtype=dtype)
    _, dx_torch = torch_reference(variant, x, dy)
    _, dx_cs231n = cs231n_reference(variant, x, dy)
    u = UINT[dtype]
    assert dx_torch.view(u)[0] != dx_cs231n.view(u)[0], (
        f"references agree at x={_fmt(x, 0)}, dy={_fmt(dy, 0)}: {_fmt(dx_torch, 0)}"
    )

    sx, sdy = make_inputs("special", dtype, variant_name)
    covered = (sx.view(u) == x.view(u)[0]) & (sdy.view(u) == dy.view(u)[0])
    assert covered.any(), "this point is missing from the special inputs"
