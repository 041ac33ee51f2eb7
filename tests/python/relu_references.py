# SPDX-License-Identifier: MIT
"""The live references the binding is judged against, and test inputs.

PyTorch 1.13 (torch.relu / leaky_relu / relu6 / hardtanh and autograd) for
grad="pytorch"; the seed's NumPy class for grad="cs231n" on plain ReLU, and
the same multiply-by-mask form from SPEC's table for leaky and clipped.
Nothing here is a pasted number.
"""

import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "seed"))
from seed_relu import Relu  # noqa: E402  (the seed's class, imported, not copied)

# PyTorch's vector body and scalar tail disagree in two corners (SPEC 2);
# one thread and lengths that are multiples of 16 send every element through
# the body, which libcrelu follows.
torch.set_num_threads(1)
BLOCK = 16

UINT = {np.dtype(np.float32): np.uint32, np.dtype(np.float64): np.uint64}


@dataclass(frozen=True)
class Variant:
    name: str
    options: dict = field(default_factory=dict)

    @property
    def slope(self):
        return self.options.get("negative_slope", 0.0)

    @property
    def cap(self):
        return self.options.get("max_value")

    def torch_forward(self, t):
        if self.slope != 0.0:
            return F.leaky_relu(t, self.slope)
        if self.cap == 6.0:
            return F.relu6(t)
        if self.cap is not None:
            return F.hardtanh(t, 0.0, self.cap)
        return torch.nn.ReLU()(t)


VARIANTS = [
    Variant("relu"),
    Variant("leaky0.01", {"negative_slope": 0.01}),
    Variant("leaky-0.5", {"negative_slope": -0.5}),
    Variant("relu6", {"max_value": 6.0}),
    # 0.1 is no float32: both sides must round the cap the same way.
    Variant("clip0.1", {"max_value": 0.1}),
]


def torch_reference(variant, x, d):
    """(y, dx) from PyTorch autograd; from_numpy on copies keeps every bit."""
    xt = torch.from_numpy(x.copy()).requires_grad_()
    yt = variant.torch_forward(xt)
    (dxt,) = torch.autograd.grad(yt, xt, torch.from_numpy(d.copy()))
    return yt.detach().numpy(), dxt.numpy()


def cs231n_reference(variant, x, d):
    """(y, dx) under the cs231n rule: forward is PyTorch's for leaky/clipped
    (SPEC: forward is the same under both rules), the seed's for ReLU."""
    with np.errstate(all="ignore"):  # inf * 0 and NaN compares are the point
        if variant.slope == 0.0 and variant.cap is None:
            layer = Relu()
            y = layer(x)
            return y, layer.backward(d)
        y, _ = torch_reference(variant, x, d)
        kind = x.dtype.type
        if variant.slope != 0.0:
            mask = np.where(x >= 0, kind(1), kind(variant.slope))
        else:
            mask = ((x >= 0) & (x <= kind(variant.cap))).astype(x.dtype)
        return y, d * mask


def reference(variant, grad, x, d):
    y, dx = (torch_reference if grad == "pytorch" else cs231n_reference)(variant, x, d)
    assert y.dtype == x.dtype and dx.dtype == x.dtype, "a reference changed the dtype"
    return y, dx


def bits(values, dtype=None):
    """The bit patterns of an array, or of anything np.asarray takes."""
    arr = np.asarray(values, dtype=dtype)
    return arr.view(UINT[arr.dtype])


def assert_same_bits(got, want):
    want = np.asarray(want)
    got = np.asarray(got, dtype=want.dtype)
    assert got.shape == want.shape, f"shape {got.shape} != {want.shape}"
    np.testing.assert_array_equal(bits(got), bits(want))


def special_values(dtype, with_nans):
    """Signed zeros, infinities, subnormals, the caps and, when the length
    lets every element through PyTorch's vector body, NaNs with payloads and
    a signalling NaN."""
    info = np.finfo(dtype)
    kind = np.dtype(dtype).type
    values = [0.0, -0.0, np.inf, -np.inf, 1.0, -1.0, 6.0, -6.0, kind(0.1), 1.5,
              info.tiny, -info.tiny, info.smallest_subnormal, -info.smallest_subnormal,
              info.max, -info.max]
    out = np.array(values, dtype=dtype)
    if with_nans:
        uint = UINT[np.dtype(dtype)]
        exponent = uint(0x7F800000) if dtype == np.float32 else uint(0x7FF0000000000000)
        quiet = uint(0x00400000) if dtype == np.float32 else uint(0x0008000000000000)
        sign = uint(0x80000000) if dtype == np.float32 else uint(0x8000000000000000)
        nans = np.array([exponent | quiet, exponent | quiet | sign, exponent | quiet | uint(5),
                         exponent | uint(1), exponent | uint(1) | sign], dtype=uint)
        out = np.concatenate([out, nans.view(dtype)])
    return out


def sample(shape, dtype, seed):
    """(x, d) of `shape`: random values around the kinks and caps, with the
    special values spread over both. NaNs only when every element reaches
    PyTorch's vector body (size a multiple of 16)."""
    rng = np.random.default_rng(seed)
    size = int(np.prod(shape, dtype=np.int64))
    with_nans = size % BLOCK == 0 and size > 0
    arrays = []
    for _ in range(2):
        flat = (rng.standard_normal(size) * 4).astype(dtype)
        specials = special_values(dtype, with_nans)
        count = min(size // 2, len(specials))
        if count:
            where = rng.choice(size, count, replace=False)
            flat[where] = rng.choice(specials, count, replace=False)
        arrays.append(flat.reshape(shape))
    return arrays[0], arrays[1]
