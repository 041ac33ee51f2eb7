"""Per-call overhead of the Python binding on 1,024 float32 elements, next to
NumPy's and PyTorch's own ReLU on the same input.

Each measurement: one warm-up loop, then the median over 21 repeats of a
timed loop of enough calls to last about 10 ms. Prints one line per
measurement, tab-separated: <language>\t<what>\t<median ns per call>.
It only reports: no assertions, no thresholds.

Run: PYTHONPATH=<prefix>/lib/python3/dist-packages /usr/bin/python3 bench/overhead/overhead.py
"""

import statistics
import sys
import timeit

import numpy as np

import crelu

N = 1024
REPEATS = 21
TARGET_SECONDS = 0.010


def median_ns_per_call(stmt, namespace):
    # timeit inlines `stmt` into its loop: no extra Python call per iteration.
    timer = timeit.Timer(stmt, globals=namespace)
    calls, _ = timer.autorange()  # also the warm-up
    elapsed = timer.timeit(calls)
    calls = max(1, round(calls * TARGET_SECONDS / elapsed))
    timer.timeit(calls)
    samples = [timer.timeit(calls) / calls for _ in range(REPEATS)]
    return statistics.median(samples) * 1e9


def measurements():
    x = np.random.default_rng(0).standard_normal(N).astype(np.float32)
    y = np.empty_like(x)
    r = crelu.ReLU()
    namespace = {"crelu": crelu, "np": np, "r": r, "x": x, "y": y}
    rows = [
        ("python", "ReLU.forward(x, out=y) f32 zero-copy", "r.forward(x, out=y)"),
        ("python", "ReLU(x) f32 allocating", "r(x)"),
        ("python", "relu(x, out=y) f32 zero-copy, stateless", "crelu.relu(x, out=y)"),
        ("python", "relu(x) f32 allocating, stateless", "crelu.relu(x)"),
        ("numpy", "np.maximum(x, 0, out=y) f32", "np.maximum(x, 0, out=y)"),
        ("numpy", "np.maximum(x, 0) f32 allocating", "np.maximum(x, 0)"),
    ]
    try:
        import torch
    except ImportError:
        print("overhead.py: torch not importable, its rows are left out", file=sys.stderr)
    else:
        torch.set_num_threads(1)
        namespace.update(torch=torch, xt=torch.from_numpy(x), yt=torch.from_numpy(y))
        rows += [
            ("torch", "torch.clamp_min(x, 0, out=y) f32", "torch.clamp_min(xt, 0, out=yt)"),
            ("torch", "torch.relu(x) f32 allocating", "torch.relu(xt)"),
        ]
    for language, what, stmt in rows:
        yield language, what, median_ns_per_call(stmt, namespace)
    r.close()


def main():
    for language, what, ns in measurements():
        print(f"{language}\t{what}\t{ns:.1f}", flush=True)


if __name__ == "__main__":
    main()
