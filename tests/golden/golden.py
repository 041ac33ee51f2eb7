# SPDX-License-Identifier: MIT
"""Golden vectors: inputs and the bits every target must give, made on x86-64.

On a foreign target the scalar reference is compiled by the same compiler for
the same FPU as the library, so it cannot judge it (on x87 it would share its
double rounding). These vectors are that judge: made here, on x86-64, by the
library's scalar reference kernels (CRELU_ISA=scalar) and accepted only when
every bit agrees with live PyTorch 1.13 (CRELU_GRAD_PYTORCH, and every
forward) and the seed's NumPy class with its multiply-by-mask form
(CRELU_GRAD_CS231N). tests/c/test_golden.c replays them on every target, on
every kernel table it has.

  CRELU_LIBRARY=<libcrelu.so.1> /usr/bin/python3 tests/golden/golden.py generate
  CRELU_LIBRARY=<libcrelu.so.1> /usr/bin/python3 tests/golden/golden.py check

`check` (ctest golden.references) rereads the committed file and judges it
again against PyTorch, NumPy and the library. The inputs come from a fixed
seed, so `generate` rewrites the same bytes.

bfloat16 and float16 records are judged as the differential suite judges
them (tests/differential/half_references.py): PyTorch on bfloat16 tensors
where it has the op, the seed's class on NumPy float16 for plain ReLU, and the
float32 references on the widened input, narrowed once, for the rest.

vectors.bin, every integer little-endian:
  "CRGOLD01", u32 record count, then per record:
  u32 element size (2, 4 or 8), u32 rule (0 pytorch, 1 cs231n), u32 n,
  u32 format (0 IEEE binary32/64 by size, 1 bfloat16, 2 binary16),
  f64 slope, f64 cap (inf = no cap), char name[32],
  x[n], dy[n], y[n], dx[n] (element bit patterns), mask[(n + 7) / 8]
  (bit i in byte i / 8 at bit i % 8: where backward passes dy through).
"""

import hashlib
import math
import os
import struct
import sys
from pathlib import Path

import numpy as np

# PyTorch picks its kernels at import: the AVX2 body on every x86 host, as
# in the differential suite (its conftest.py says why).
os.environ.setdefault("ATEN_CPU_CAPABILITY", "avx2")

HERE = Path(__file__).resolve().parent
FILE = HERE / "vectors.bin"
MAGIC = b"CRGOLD01"
HEADER = struct.Struct("<IIIIdd32s")
# One thread, and a multiple of 16 elements: PyTorch's vector body judges
# every element (SPEC section 2: its scalar tail disagrees in two corners).
N = 400
# 16-bit records: a multiple of 32, so that PyTorch's bfloat16 body (two
# vectors of 16) judges every element.
N16 = 448
UINT = {np.float32: np.dtype("<u4"), np.float64: np.dtype("<u8"), np.uint16: np.dtype("<u2")}
HALF_FORMATS = {"bf16": 1, "f16": 2}
LE = {np.float32: np.dtype("<f4"), np.float64: np.dtype("<f8")}
VARIANTS = [  # name, slope, cap
    ("relu", 0.0, math.inf),
    ("leaky0.01", 0.01, math.inf),
    ("leaky-0.5", -0.5, math.inf),
    ("leaky3", 3.0, math.inf),
    ("relu6", 0.0, 6.0),
    ("clip1.5", 0.0, 1.5),
    ("clip0.1", 0.0, 0.1),  # not a float32: both sides round it the same way
]
RULES = {"pytorch": 0, "cs231n": 1}


def inputs(dtype, name, which):
    """n elements: the specials (and the variant's cap and slope, their
    neighbours and negatives), then random bit patterns, random values around
    the kinks, and specials again, shuffled, from a seed fixed by the names."""
    t = dtype
    u = UINT[dtype]
    seed = int.from_bytes(hashlib.sha256(f"{t.__name__} {name} {which}".encode()).digest()[:8], "little")
    rng = np.random.default_rng(seed)
    f = np.finfo(t)
    slope, cap = next((s, c) for n, s, c in VARIANTS if n == name)
    magnitudes = [t(0), t(1), t(0.5), t(2), t(np.inf), f.smallest_subnormal,
                  np.nextafter(f.tiny, t(0)), f.tiny, f.max, t(1) / t(3)]
    if math.isfinite(cap):
        c = t(cap)
        magnitudes += [c, np.nextafter(c, t(-np.inf)), np.nextafter(c, t(np.inf))]
    if slope != 0.0:
        a = t(slope)
        magnitudes += [np.abs(a), t(1) / np.abs(a), f.max / t(4)]
    values = np.array(magnitudes, dtype=t)
    specials = np.concatenate([values, -values])
    if t == np.float32:
        nans = [0x7FC00000, 0xFFC00000, 0x7FC0DEAD, 0x7FA00001, 0x7F800001, 0xFFBFFFFF]
    else:
        nans = [0x7FF8000000000000, 0xFFF8000000000000, 0x7FF800000000DEAD,
                0x7FF4000000000001, 0x7FF0000000000001, 0xFFF7FFFFFFFFFFFF]
    specials = np.concatenate([specials, np.array(nans, dtype=u).view(t)])
    bits = rng.integers(0, np.iinfo(u).max, size=N // 2, dtype=u, endpoint=True).view(t)
    near = (rng.uniform(-2.0, 2.0, size=N // 4) * (cap if math.isfinite(cap) else 1.0)).astype(t)
    rest = N - specials.size - bits.size - near.size
    again = rng.choice(specials, size=rest)
    out = np.concatenate([specials, bits, near, again]).astype(t)
    return out[rng.permutation(N)]


def torch_reference(name, slope, cap, x, dy):
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(1)
    x_t = torch.from_numpy(x.copy()).requires_grad_()
    if slope != 0.0:
        y_t = F.leaky_relu(x_t, slope)
    elif math.isfinite(cap):
        y_t = F.hardtanh(x_t, 0.0, cap)
    else:
        y_t = torch.relu(x_t)
    (dx_t,) = torch.autograd.grad(y_t, x_t, torch.from_numpy(dy.copy()))
    return y_t.detach().numpy(), dx_t.numpy()


def numpy_reference(slope, cap, x, dy):
    """cs231n: the seed's class for ReLU, its multiply-by-mask form otherwise."""
    sys.path.insert(0, str(HERE.parent / "seed"))
    from seed_relu import Relu

    t = x.dtype.type
    with np.errstate(all="ignore"):
        if slope != 0.0:
            return dy * np.where(x >= 0, t(1), t(slope))
        if math.isfinite(cap):
            return dy * ((x >= 0) & (x <= t(cap))).astype(t)
        layer = Relu()
        layer(x)
        return layer.backward(dy)


def passes(rule, slope, cap, x):
    """The mask bit, from the semantics table: where backward passes dy."""
    t = x.dtype.type
    with np.errstate(invalid="ignore"):
        if slope != 0.0:
            return x > 0 if rule == "pytorch" else x >= 0
        if math.isfinite(cap):
            c = t(cap)
            return (x > 0) & (x < c) if rule == "pytorch" else (x >= 0) & (x <= c)
        return ~(x <= 0) if rule == "pytorch" else x >= 0


def library():
    os.environ["CRELU_ISA"] = "scalar"  # the reference kernels, before the first call
    sys.path.insert(0, str(HERE.parent / "differential"))
    import crelu_ctypes

    return crelu_ctypes, crelu_ctypes.load()


def half_inputs(half, name, which):
    """N16 bit patterns: signed zeros, infinities, subnormals, NaNs (quiet,
    signalling, with payloads), the patterns around the cap and slope, then
    random patterns, shuffled, from a seed fixed by the names."""
    sys.path.insert(0, str(HERE.parent / "differential"))
    from half_references import narrow

    seed = int.from_bytes(hashlib.sha256(f"{half} {name} {which}".encode()).digest()[:8], "little")
    rng = np.random.default_rng(seed)
    slope, cap = next((s, c) for n, s, c in VARIANTS if n == name)
    if half == "bf16":
        magnitudes = [0x0000, 0x3F80, 0x7F80, 0x0001, 0x007F, 0x0080, 0x7F7F, 0x3F00, 0x4000]
        nans = [0x7FC0, 0xFFC0, 0x7FFF, 0xFFFF, 0x7F81, 0x7FA0, 0xFF81]
    else:
        magnitudes = [0x0000, 0x3C00, 0x7C00, 0x0001, 0x03FF, 0x0400, 0x7BFF, 0x3800, 0x4000]
        nans = [0x7E00, 0xFE00, 0x7FFF, 0xFFFF, 0x7C01, 0x7D00, 0xFC01]
    near = [cap] if math.isfinite(cap) else []
    if slope != 0.0:
        near += [abs(slope), 1 / abs(slope)]
    for value in near:
        rounded = int(narrow(np.array([value], np.float32), half)[0])
        magnitudes += [rounded - 1, rounded, rounded + 1]
    magnitudes = [m for m in magnitudes if (m & 0x7FFF) == m]
    specials = np.array(sorted(set(magnitudes + [m | 0x8000 for m in magnitudes] + nans)),
                        np.uint16)
    bits = rng.integers(0, 0xFFFF, size=N16 - 2 * specials.size, dtype=np.uint16, endpoint=True)
    out = np.concatenate([specials, bits, rng.choice(specials, size=specials.size)])
    return out[rng.permutation(N16)]


class HalfVariant:
    """What half_references.references() needs of a variant."""

    def __init__(self, slope, cap):
        import torch
        import torch.nn.functional as F

        self.slope, self.cap = slope, cap
        if slope != 0.0:
            self.torch_forward = lambda t: F.leaky_relu(t, slope)
        elif math.isfinite(cap):
            self.torch_forward = lambda t: F.hardtanh(t, 0.0, cap)
        else:
            self.torch_forward = torch.relu


def half_passes(rule, slope, cap, x, half):
    sys.path.insert(0, str(HERE.parent / "differential"))
    from half_references import widen

    return passes(rule, slope, cap, widen(x, half))


def same(what, got, want):
    u = UINT[want.dtype.type] if want.dtype != np.uint16 else np.dtype(np.uint16)
    bad = np.flatnonzero(got.view(u) != want.view(u))
    if bad.size:
        i = bad[0]
        raise SystemExit(f"golden: {what}: {bad.size} elements differ, first at {i}: "
                         f"{int(got.view(u)[i]):#x} != {int(want.view(u)[i]):#x}")


def judged_records():
    """Every record, computed by the library's reference kernels and checked
    against the live references; yields (header fields, arrays)."""
    crelu_ctypes, lib = library()
    for dtype in (np.float32, np.float64):
        for name, slope, cap in VARIANTS:
            x = inputs(dtype, name, "x")
            dy = inputs(dtype, name, "dy")
            y_torch, dx_torch = torch_reference(name, slope, cap, x, dy)
            for rule, rule_code in RULES.items():
                what = f"{dtype.__name__} {name} {rule}"
                results = []
                for save in (crelu_ctypes.CRELU_SAVE_X, crelu_ctypes.CRELU_SAVE_MASK):
                    with lib.context(save=save, rule=rule_code, slope=slope, cap=cap) as ctx:
                        results.append((ctx.forward(x), ctx.backward(dy)))
                (y, dx), (y_mask, dx_mask) = results
                same(what + " forward vs torch", y, y_torch)
                same(what + " forward, save mask", y_mask, y)
                same(what + " backward, save mask vs save x", dx_mask, dx)
                if rule == "pytorch":
                    same(what + " backward vs torch autograd", dx, dx_torch)
                else:
                    same(what + " backward vs numpy", dx, numpy_reference(slope, cap, x, dy))
                mask = np.packbits(passes(rule, slope, cap, x), bitorder="little")
                yield (what, np.dtype(dtype).itemsize, 0, rule_code, slope, cap), (x, dy, y, dx, mask)
    sys.path.insert(0, str(HERE.parent / "differential"))
    import torch
    from half_references import references

    torch.set_num_threads(1)
    for half, format_code in HALF_FORMATS.items():
        for name, slope, cap in VARIANTS:
            x = half_inputs(half, name, "x")
            dy = half_inputs(half, name, "dy")
            refs = references(HalfVariant(slope, cap), half, x, dy)
            for rule, rule_code in RULES.items():
                what = f"{half} {name} {rule}"
                results = []
                for save in (crelu_ctypes.CRELU_SAVE_X, crelu_ctypes.CRELU_SAVE_MASK):
                    with lib.context(save=save, rule=rule_code, slope=slope, cap=cap) as ctx:
                        results.append((ctx.forward(x, half=half), ctx.backward(dy, half=half)))
                (y, dx), (y_mask, dx_mask) = results
                want_y, judge_y = refs["y"]
                want_dx, judge_dx = refs["dx", rule]
                same(f"{what} forward vs {judge_y}", y, want_y)
                same(what + " forward, save mask", y_mask, y)
                same(what + " backward, save mask vs save x", dx_mask, dx)
                same(f"{what} backward vs {judge_dx}", dx, want_dx)
                mask = np.packbits(half_passes(rule, slope, cap, x, half), bitorder="little")
                yield (what, 2, format_code, rule_code, slope, cap), (x, dy, y, dx, mask)


def encode(fields, arrays):
    what, size, format_code, rule, slope, cap = fields
    x, dy, y, dx, mask = arrays
    t = x.dtype.type
    out = HEADER.pack(size, rule, x.size, format_code, slope, cap, what.encode())
    for a in (x, dy, y, dx):
        out += a.view(UINT[t]).astype(UINT[t]).tobytes()
    return out + mask.tobytes()


def make():
    records = [encode(f, a) for f, a in judged_records()]
    return MAGIC + struct.pack("<I", len(records)) + b"".join(records)


def main(argv):
    if len(argv) != 2 or argv[1] not in ("generate", "check"):
        raise SystemExit(__doc__)
    data = make()
    if argv[1] == "generate":
        FILE.write_bytes(data)
        print(f"golden: wrote {FILE} ({len(data)} bytes)")
        return
    if FILE.read_bytes() != data:
        raise SystemExit(f"golden: {FILE} differs from what the references give now")
    print(f"golden: {FILE} agrees with PyTorch, NumPy and the reference kernels")


if __name__ == "__main__":
    main(sys.argv)
