# SPDX-License-Identifier: MIT
"""Per-call cost of the Python binding next to the NumPy line it replaces,
on 16 and 1,024 float32 elements, and of a plain list of 10^6 floats next
to the list comprehension that does the same; PyTorch's ReLU as extra lines.

Each group (one size) is measured interleaved: every statement's loop is
calibrated to about 10 ms (one call for the list), then REPEATS rounds time
each statement's loop once, in turn, so that a load change on this shared
machine hits all of them alike; the median of the rounds is reported.
Prints one line per measurement, tab-separated (bench/README.md, "Binding
overhead"): language, key, description, median ns per call.
It only reports: no assertions, no thresholds.

Run: PYTHONPATH=<prefix>/<CRELU_INSTALL_PYTHONDIR> /usr/bin/python3 bench/overhead/overhead.py
"""

import random
import statistics
import sys
import timeit

import numpy as np

import crelu

SIZES = (16, 1024)
LIST_SIZE = 10**6
REPEATS = 21
LIST_REPEATS = 11
TARGET_SECONDS = 0.010


def array_rows(n):
    """(language, key, description, statement) for arrays of n float32."""
    return [
        ("python", f"py.forward_out.{n}", "r.forward(x, out=y) f32", "r.forward(x, out=y)"),
        ("python", f"py.backward_out.{n}", "r.backward(d, out=dx) f32", "r.backward(d, out=dx)"),
        ("python", f"py.relu_out.{n}", "crelu.relu(x, out=y) f32", "crelu.relu(x, out=y)"),
        ("python", f"py.forward.{n}", "r.forward(x) f32 allocating", "r.forward(x)"),
        ("python", f"py.backward.{n}", "r.backward(d) f32 allocating", "r.backward(d)"),
        ("python", f"py.relu.{n}", "crelu.relu(x) f32 allocating", "crelu.relu(x)"),
        ("numpy", f"np.maximum_out.{n}", "np.maximum(x, 0, out=y) f32", "np.maximum(x, 0, out=y)"),
        ("numpy", f"np.maximum.{n}", "np.maximum(x, 0) f32 allocating", "np.maximum(x, 0)"),
    ]


def torch_rows(n):
    return [
        ("torch", f"torch.clamp_min_out.{n}", "torch.clamp_min(x, 0, out=y) f32",
         "torch.clamp_min(xt, 0, out=yt)"),
        ("torch", f"torch.relu.{n}", "torch.relu(x) f32 allocating", "torch.relu(xt)"),
    ]


LIST_ROWS = [
    ("python", "py.forward_list.1e6", "r.forward(list) -> list, 10^6 floats", "r.forward(xs)"),
    ("python", "py.listcomp.1e6", "[v if v > 0 else 0.0 for v in x], 10^6 floats",
     "[v if v > 0 else 0.0 for v in xs]"),
]


def calibrated(timer):
    """Calls per loop for about TARGET_SECONDS (timing also warms up)."""
    calls, elapsed = timer.autorange()
    return max(1, round(calls * TARGET_SECONDS / elapsed))


def interleaved(rows, namespace, repeats, fixed_calls=None):
    """(language, key, description, median ns per call) for each row."""
    timers = [timeit.Timer(stmt, globals=namespace) for *_, stmt in rows]
    calls = [fixed_calls or calibrated(timer) for timer in timers]
    for timer, count in zip(timers, calls):
        timer.timeit(count)  # warm-up
    samples = [[] for _ in rows]
    for _ in range(repeats):
        for timer, count, got in zip(timers, calls, samples):
            got.append(timer.timeit(count) / count)
    for (language, key, description, _), got in zip(rows, samples):
        yield language, key, description, statistics.median(got) * 1e9


def measurements():
    try:
        import torch
    except ImportError:
        torch = None
        print("overhead.py: torch not importable, its lines are left out", file=sys.stderr)
    else:
        torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    r = crelu.ReLU()
    for n in SIZES:
        x = rng.standard_normal(n).astype(np.float32)
        d = rng.standard_normal(n).astype(np.float32)
        namespace = {"crelu": crelu, "np": np, "r": r, "x": x, "d": d,
                     "y": np.empty_like(x), "dx": np.empty_like(d)}
        r.forward(x)  # backward needs a forward of the same size
        rows = array_rows(n)
        if torch is not None:
            namespace.update(torch=torch, xt=torch.from_numpy(x), yt=torch.from_numpy(namespace["y"]))
            rows += torch_rows(n)
        yield from interleaved(rows, namespace, REPEATS)
    numbers = random.Random(0)
    xs = [numbers.gauss(0.0, 1.0) for _ in range(LIST_SIZE)]
    yield from interleaved(LIST_ROWS, {"r": r, "xs": xs}, LIST_REPEATS, fixed_calls=1)
    r.close()


def main():
    for language, key, description, ns in measurements():
        print(f"{language}\t{key}\t{description}\t{ns:.1f}", flush=True)


if __name__ == "__main__":
    main()
