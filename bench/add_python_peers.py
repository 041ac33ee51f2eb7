# SPDX-License-Identifier: MIT
"""Adds NumPy and PyTorch rows to crelu-bench's CSV, measured the same way.

Usage: /usr/bin/python3 bench/add_python_peers.py --csv FILE

For every dtype and n already in FILE (written by crelu-bench --csv), it
times, and appends as rows:

  numpy_maximum           np.maximum(x, 0, out=y)            1 thread (NumPy's ufuncs)
  torch_relu              torch.relu(x), a new tensor a call torch's default threads
  torch_clamp_min_out     torch.clamp_min(x, 0, out=y)       torch's default threads
  torch_clamp_min_out_1t  the same under torch.set_num_threads(1)
  torch_clamp_min_out_Nt  the same with one thread per online CPU, when that
                          is not torch's default (Debian's PyTorch defaults
                          to 1 thread on this 2-CPU machine)

bfloat16 (bf16) has the torch rows on torch.bfloat16 tensors, and no NumPy
row (NumPy has no bfloat16); float16 (f16) has the NumPy row on float16
arrays, and no torch rows (PyTorch 1.13's CPU relu and clamp_min raise
"not implemented for 'Half'"). For those two dtypes it then prints each
peer next to libcrelu's forward and forward_mask rows from FILE, at the
same n: GB/s and the speed ratio (the peer's time over libcrelu's).

Timing follows crelu-bench: calls per repeat so that a repeat lasts >= 2 ms,
5..31 repeats within ~80 ms a row, the rows' repeats interleaved, median per
call, each repeat opened by one untimed call so that every timed call follows
one of its own kind (hot). The Python call's own cost is included: it is what
a user pays. Bytes per call are 2*n*s, and ratio_to_copy divides by
crelu-bench's copy ceiling (its `copy_ceiling` row: the best of memcpy and a
streaming copy, each on one thread and on the library's default thread
count) at the same dtype and n. Inputs are uniform in
[-1, 1) from a fixed seed, as in crelu-bench (not the same numbers); the
16-bit ones are those float32 values narrowed once (round to nearest even).
"""

import argparse
import csv
import sys
import os
import time

import numpy as np
import torch

MIN_REPEAT_NS = 2e6
ROW_BUDGET_NS = 8e7
MIN_REPEATS, MAX_REPEATS = 5, 31
# OpenMP workers (PyTorch's) spin a few ms after a parallel region: idle
# that long after a multi-threaded repeat so the next row has both cores.
SETTLE_S = 0.010
SEED = 20240


DEFAULT_THREADS = torch.get_num_threads()


class Row:
    """`threads` is what the CSV says; `torch_threads` is torch's thread
    count while the row runs (the default unless given)."""

    def __init__(self, what, threads, call, torch_threads=DEFAULT_THREADS):
        self.what, self.threads, self.call = what, threads, call
        self.torch_threads = torch_threads

    def use_threads(self):
        """Sets torch's threads for this row, then one untimed call, so that
        a change of thread count (its pool's threads) is not timed."""
        if torch.get_num_threads() != self.torch_threads:
            torch.set_num_threads(self.torch_threads)
            self.call()


# crelu-bench's dtypes: (CSV name, NumPy dtype of the stored elements).
# bfloat16 is stored as its bit patterns, uint16, as libcrelu takes it.
DTYPES = (("f32", np.float32), ("f64", np.float64), ("bf16", np.uint16), ("f16", np.float16))
HALVES = ("bf16", "f16")
NUMPY_DTYPES = ("f32", "f64", "f16")   # NumPy has no bfloat16
TORCH_DTYPES = ("f32", "f64", "bf16")  # torch 1.13's CPU relu has no float16


def inputs(dtype_name, dtype, n):
    """x uniform in [-1, 1) from the seed (narrowed once for 16 bits), and an
    output array of the same kind."""
    values = np.random.default_rng(SEED).uniform(-1.0, 1.0, n)
    if dtype_name == "bf16":
        narrowed = torch.from_numpy(values.astype(np.float32)).to(torch.bfloat16)
        x = narrowed.view(torch.int16).numpy().view(np.uint16)
    else:
        x = values.astype(dtype)
    return x, np.zeros(n, dtype)


def tensor(dtype_name, a):
    """A torch tensor on the array's memory (no copy): torch 1.13 has no
    uint16, so bfloat16 bits go through int16."""
    if dtype_name == "bf16":
        return torch.from_numpy(a.view(np.int16)).view(torch.bfloat16)
    return torch.from_numpy(a)


def values_of(dtype_name, a):
    """The elements' values, as floats (bfloat16 widened: its bits << 16)."""
    if dtype_name == "bf16":
        return (a.astype(np.uint32) << 16).view(np.float32)
    return a


def stored(out):
    """A result tensor's elements as the arrays store them."""
    if out.dtype == torch.bfloat16:
        return out.view(torch.int16).numpy().view(np.uint16)
    return out.numpy()


def rows_for(dtype_name, x, y):
    xt, yt = tensor(dtype_name, x), tensor(dtype_name, y)
    rows = []
    if dtype_name in NUMPY_DTYPES:
        rows.append(Row("numpy_maximum", 1, lambda: np.maximum(x, 0, out=y)))
    if dtype_name in TORCH_DTYPES:
        rows += [
            Row("torch_relu", DEFAULT_THREADS, lambda: torch.relu(xt)),
            Row("torch_clamp_min_out", DEFAULT_THREADS, lambda: torch.clamp_min(xt, 0, out=yt)),
            Row("torch_clamp_min_out_1t", 1, lambda: torch.clamp_min(xt, 0, out=yt), 1),
        ]
        cpus = os.cpu_count() or 1
        if cpus not in (1, DEFAULT_THREADS):
            rows.append(Row(f"torch_clamp_min_out_{cpus}t", cpus,
                            lambda: torch.clamp_min(xt, 0, out=yt), cpus))
    return rows


def time_calls(row, calls):
    row.use_threads()
    call = row.call
    call()  # untimed: the timed calls follow one of their own kind
    start = time.perf_counter_ns()
    for _ in range(calls):
        call()
    return time.perf_counter_ns() - start


def measure(rows):
    """Median ns per call of each row, the rows' repeats interleaved."""
    plans = []
    for row in rows:
        row.use_threads()
        row.call()  # warm-up
        calls, elapsed = 1, time_calls(row, 1)
        while elapsed < MIN_REPEAT_NS:
            scale = 1.2 * MIN_REPEAT_NS / elapsed if elapsed > 0 else 100.0
            calls = int(calls * min(max(scale, 2.0), 100.0))
            elapsed = time_calls(row, calls)
        repeats = min(max(int(ROW_BUDGET_NS / elapsed), MIN_REPEATS), MAX_REPEATS) | 1
        plans.append((row, calls, repeats, []))
    for r in range(max(p[2] for p in plans)):
        for row, calls, repeats, samples in plans:
            if r < repeats:
                samples.append(time_calls(row, calls) / calls)
                if row.torch_threads != 1:
                    time.sleep(SETTLE_S)
    return [sorted(samples)[len(samples) // 2] for _, _, _, samples in plans]


def check(dtype_name, rows, x, y):
    """Each row's result is relu(x) by value, or the row is left out."""
    v = values_of(dtype_name, x)
    expected = np.where(v > 0, v, 0)
    good = []
    for row in rows:
        y.fill(0xffff if dtype_name == "bf16" else np.nan)  # a NaN
        row.use_threads()
        out = row.call()
        got = stored(out) if isinstance(out, torch.Tensor) else y
        if np.array_equal(values_of(dtype_name, got), expected):
            good.append(row)
        else:
            print(f"add_python_peers: {row.what} n={x.size} gives a wrong result; left out",
                  file=sys.stderr)
    return good


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", required=True, help="crelu-bench's CSV, appended to")
    args = parser.parse_args()

    with open(args.csv, newline="") as f:
        existing = list(csv.DictReader(f))
    ceiling = {(r["dtype"], int(r["n"])): float(r["gbps"])
               for r in existing if r["what"] == "copy_ceiling"}
    sizes = {}
    for r in existing:
        sizes.setdefault(r["dtype"], set()).add(int(r["n"]))

    print(f"NumPy {np.__version__}, PyTorch {torch.__version__} "
          f"(default threads {torch.get_num_threads()})")
    print(f"{'dtype':<5} {'n':>9} {'what':<24} {'threads':>7} {'ns/call':>12} {'GB/s':>8} "
          f"{'ratio':>6}")
    added = []
    for dtype_name, dtype in DTYPES:
        if dtype_name not in sizes:
            continue
        if dtype_name not in TORCH_DTYPES:
            print(f"add_python_peers: {dtype_name}: PyTorch {torch.__version__} has no CPU relu "
                  "for it; no torch rows", file=sys.stderr)
        x_all, y_all = inputs(dtype_name, dtype, max(sizes[dtype_name]))
        for n in sorted(sizes[dtype_name]):
            x, y = x_all[:n], y_all[:n]
            rows = check(dtype_name, rows_for(dtype_name, x, y), x, y)
            for row, ns in zip(rows, measure(rows)):
                gbps = 2 * n * x.itemsize / ns
                top = ceiling.get((dtype_name, n), 0.0)
                ratio = gbps / top if top > 0 else 0.0
                added.append([dtype_name, n, row.what, row.threads, f"{ns:.1f}", f"{gbps:.6g}",
                              f"{ratio:.6g}"])
                print(f"{dtype_name:<5} {n:>9} {row.what:<24} {row.threads:>7} {ns:>12.1f} "
                      f"{gbps:>8.2f} {ratio:>6.2f}", flush=True)

    with open(args.csv, "a", newline="") as f:
        csv.writer(f).writerows(added)
    print_next_to_crelu(existing, added)
    return 0


def print_next_to_crelu(existing, added):
    """The 16-bit peers next to libcrelu's forward rows at the same dtype
    and n (from crelu-bench's CSV): GB/s, and libcrelu's speed over the
    peer's (the peer's time over libcrelu's; the bytes are the same)."""
    crelu = {(r["dtype"], int(r["n"]), r["what"]): (float(r["median_ns"]), float(r["gbps"]))
             for r in existing if r["what"] in ("forward", "forward_mask")}
    lines = [row for row in added if row[0] in HALVES]
    if not lines:
        return
    print()
    print("16-bit peers next to libcrelu (GB/s; speed = the peer's time / libcrelu's)")
    print(f"{'dtype':<5} {'n':>9} {'peer':<24} {'threads':>7} {'GB/s':>8} "
          f"{'forward':>8} {'speed':>6} {'fwd_mask':>8} {'speed':>6}")
    for dtype_name, n, what, threads, ns, gbps, _ in lines:
        cells = []
        for ours in ("forward", "forward_mask"):
            ours_row = crelu.get((dtype_name, n, ours))
            if ours_row is None:
                cells.append(f"{'-':>8} {'-':>6}")
            else:
                ours_ns, ours_gbps = ours_row
                cells.append(f"{ours_gbps:>8.2f} {float(ns) / ours_ns:>6.2f}")
        print(f"{dtype_name:<5} {n:>9} {what:<24} {threads:>7} {float(gbps):>8.2f} "
              + " ".join(cells))


if __name__ == "__main__":
    sys.exit(main())
