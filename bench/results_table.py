# SPDX-License-Identifier: MIT
"""The key numbers of a benchmark CSV as a Markdown table, for the README.

Usage: /usr/bin/python3 bench/results_table.py results.csv

A line per row of the benchmark (libcrelu, copies, naive loop, oneDNN,
NumPy, PyTorch) and the copy ceiling, a column per chosen dtype and n (the
16-bit dtypes at 2^24, issue 14's item 3, with the ceiling of their bytes); each
cell is the median GB/s and, in parentheses, ratio_to_copy: the ratio to the
copy ceiling (the best of memcpy and a streaming copy, each on one thread
and on the library's default thread count).
"""

import csv
import sys

COLUMNS = [("f32", 2**4), ("f32", 2**10), ("f32", 2**16), ("f32", 2**18), ("f32", 2**20),
           ("f32", 2**24), ("f32", 2**26), ("f64", 2**24), ("bf16", 2**24), ("f16", 2**24)]


def power(n):
    return f"2^{n.bit_length() - 1}"


def cell_text(gbps, ratio):
    """One decimal; the slowest rows (oneDNN's, at small n) in e-notation
    rather than as a misleading 0.0."""
    g = f"{gbps:.1f}" if gbps >= 0.1 else f"{gbps:.1e}"
    r = f"{ratio:.2f}" if ratio >= 0.01 else "<0.01"
    return f"{g} ({r})"


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    with open(sys.argv[1], newline="") as f:
        rows = list(csv.DictReader(f))
    cells, order, threads = {}, [], {}
    for r in rows:
        what = r["what"]
        if what not in threads:
            order.append(what)
            threads[what] = r["threads"]
        cells[(what, r["dtype"], int(r["n"]))] = (float(r["gbps"]), float(r["ratio_to_copy"]))
    columns = [c for c in COLUMNS if any((w, *c) in cells for w in order)]

    print("| row | threads | " + " | ".join(f"{d} n={power(n)}" for d, n in columns) + " |")
    print("|---|---|" + "---:|" * len(columns))
    for what in order:
        line = []
        for d, n in columns:
            cell = cells.get((what, d, n))
            line.append("–" if cell is None else cell_text(*cell))
        print(f"| `{what}` | {threads[what]} | " + " | ".join(line) + " |")
    print()
    print("Each cell: median GB/s (ratio_to_copy, the ratio to `copy_ceiling`: the best of "
          "`memcpy`, `stream_copy`, `vector_copy`, `memcpy_mt` and `stream_copy_mt`).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
