# SPDX-License-Identifier: MIT
"""The bfloat16 and float16 references, on uint16 bit patterns: PyTorch on
bfloat16 tensors where it has the op, the seed's class on NumPy float16, and
the once-rounded float32 reference for the rest (see test_half.py). Shared by
the differential suite and the Python binding's (tests/python).

Import it only after ATEN_CPU_CAPABILITY is set, if it is to be (it imports
torch).
"""

import math
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "seed"))
from seed_relu import Relu  # noqa: E402  (the seed's class)


def kind(variant):
    """ "relu", "leaky" or "clipped" for anything with slope and cap."""
    if variant.slope != 0.0:
        return "leaky"
    return "clipped" if variant.cap is not None and math.isfinite(variant.cap) else "relu"


def widen(bits, half):
    """The float32 each 16-bit pattern is, exactly: every NaN keeps its sign
    and payload, a signalling one stays signalling."""
    wide = bits.astype(np.uint32)
    if half == "bf16":
        return (wide << 16).view(np.float32)
    with np.errstate(invalid="ignore"):
        values = bits.view(np.float16).astype(np.float32)
    nan = (wide & 0x7C00) == 0x7C00
    nan &= (wide & 0x03FF) != 0
    nan_bits = ((wide & 0x8000) << 16) | 0x7F800000 | ((wide & 0x03FF) << 13)
    return np.where(nan, nan_bits, values.view(np.uint32)).astype(np.uint32).view(np.float32)


def narrow(values, half):
    """float32 -> 16-bit pattern, rounded once to nearest even. bfloat16:
    every NaN 0xffff (PyTorch 1.13's vectorized narrowing); float16: NumPy's
    conversion (a NaN keeps its sign and top 10 payload bits)."""
    assert values.dtype == np.float32
    if half == "f16":
        with np.errstate(all="ignore"):
            return values.astype(np.float16).view(np.uint16)
    u = values.view(np.uint32).astype(np.uint64)
    rounded = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
    return np.where(np.isnan(values), np.uint16(0xFFFF), rounded)


def narrow_select(values, dy_bits, half):
    """narrow(), except where the float32 result is dy itself (the PyTorch
    rule's ReLU/clipped backward selects dy): there dy's own bits."""
    is_dy = values.view(np.uint32) == widen(dy_bits, half).view(np.uint32)
    return np.where(is_dy, dy_bits, narrow(values, half))


# --------------------------------------------------------------------------
# References
# --------------------------------------------------------------------------


def bf16_tensor(bits):
    return torch.from_numpy(bits.view(np.int16).copy()).view(torch.bfloat16)


def bits_of(tensor):
    return tensor.detach().view(torch.int16).numpy().view(np.uint16).copy()


def torch_bf16(variant, x, dy):
    """(y, dx or None) from PyTorch on bfloat16 tensors; dx only where
    PyTorch 1.13 has the backward (relu and leaky_relu)."""
    if kind(variant) == "clipped":
        return bits_of(variant.torch_forward(bf16_tensor(x))), None
    xt = bf16_tensor(x).requires_grad_()
    yt = variant.torch_forward(xt)
    (dxt,) = torch.autograd.grad(yt, xt, bf16_tensor(dy))
    assert yt.dtype == dxt.dtype == torch.bfloat16
    return bits_of(yt), bits_of(dxt)


def torch_f32(variant, x32, dy32):
    """(y, dx) in float32 from PyTorch, on copies, every bit kept."""
    xt = torch.from_numpy(x32.copy()).requires_grad_()
    yt = variant.torch_forward(xt)
    (dxt,) = torch.autograd.grad(yt, xt, torch.from_numpy(dy32.copy()))
    assert yt.dtype == dxt.dtype == torch.float32
    return yt.detach().numpy(), dxt.numpy()


def cs231n_f32(variant, x32, dy32):
    """dx under the cs231n rule in float32 NumPy: dy times the mask, as the
    float32 suite's reference computes it (slope and cap as float32)."""
    with np.errstate(all="ignore"):  # inf * 0 and NaN compares are the point
        if kind(variant) == "relu":
            return seed_backward_f32(x32, dy32)
        if kind(variant) == "leaky":
            mask = np.where(x32 >= 0, np.float32(1), np.float32(variant.slope))
        else:
            mask = ((x32 >= 0) & (x32 <= np.float32(variant.cap))).astype(np.float32)
        dx = dy32 * mask
    assert dx.dtype == np.float32
    return dx


def seed_backward_f32(x32, dy32):
    """The seed class's backward on float32 arrays."""
    layer = Relu()
    layer(x32)
    return layer.backward(dy32)


def seed_f16(x, dy):
    """(y, dx) of the seed's class on NumPy float16 arrays."""
    layer = Relu()
    with np.errstate(all="ignore"):
        y = layer(x.view(np.float16))
        dx = layer.backward(dy.view(np.float16))
    assert y.dtype == dx.dtype == np.float16
    return y.view(np.uint16), dx.view(np.uint16)


def references(variant, half, x, dy):
    """{"y" or ("dx", rule): (expected bits, which reference)} for uint16
    bit patterns x and dy of one size, a multiple of 32 (pad them: PyTorch's
    scalar tail is not the reference). `variant` has slope, cap (None or inf
    for none) and torch_forward(tensor)."""
    assert x.size % 32 == 0, "pad x and dy to a multiple of 32"
    x32, dy32 = widen(x, half), widen(dy, half)
    y32, dx32 = torch_f32(variant, x32, dy32)
    once = f"float32 torch, narrowed once ({half})"
    refs = {}
    # Forward: the same column under both rules.
    if half == "bf16":
        y, dx = torch_bf16(variant, x, dy)
        refs["y"] = (y, "torch bfloat16 forward")
        if dx is not None:
            refs["dx", "pytorch"] = (dx, "torch bfloat16 autograd")
        else:
            refs["dx", "pytorch"] = (narrow_select(dx32, dy, half), once + ", dy's bits where selected")
    else:
        if kind(variant) == "relu":
            y16, dx16 = seed_f16(x, dy)
            refs["y"] = (y16, "seed class on float16")
            refs["dx", "cs231n"] = (dx16, "seed class on float16")
        else:
            refs["y"] = (narrow(y32, half), once)
        if kind(variant) == "leaky":
            refs["dx", "pytorch"] = (narrow(dx32, half), once)
        else:
            refs["dx", "pytorch"] = (narrow_select(dx32, dy, half), once + ", dy's bits where selected")
    if ("dx", "cs231n") not in refs:
        refs["dx", "cs231n"] = (narrow(cs231n_f32(variant, x32, dy32), half),
                                f"float32 numpy cs231n, narrowed once ({half})")
    return refs
