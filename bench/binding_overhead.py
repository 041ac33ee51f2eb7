# SPDX-License-Identifier: MIT
"""Per-call cost of each binding next to its native alternative, all measured
in one run, and issue 10's acceptance items on it.

Usage: /usr/bin/python3 bench/binding_overhead.py --prefix P --c-overhead EXE [--output FILE]

Each overhead script (bench/overhead/*) runs from the install prefix P with
only its own path variable set, and prints one line per measurement,
tab-separated: language, key, description, median ns per call (each script
times its rows the same way: the median of repeats of a timed loop). A
3-field line (the older format, without a key) is skipped with a warning.
This script prints every row with its ratio to its native alternative, then
the acceptance block: value, bound, ok or MISS (a missing row is "n/a", a
MISS). The machine is shared and noisy: compare ratios within one run.
"""

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The native alternative each binding row is compared with in the table:
# (key prefix of the binding's rows, key prefix of the alternative).
PEERS = [
    ("py.forward_out.", "np.maximum_out."),
    ("py.backward_out.", "np.maximum_out."),
    ("py.relu_out.", "np.maximum_out."),
    ("py.forward.", "np.maximum."),
    ("py.backward.", "np.maximum."),
    ("py.relu.", "np.maximum."),
    ("py.forward_list.", "py.listcomp."),
    ("node.forward_out.", "c.forward."),
    ("node.relu_out.", "c.relu."),
    ("node.forward_array.", "node.map."),
    ("lua.forward_out.", "c.forward."),
    ("lua.relu_out.", "c.relu."),
    ("lua.forward_table.", "lua.loop."),
]

# Issue 10's acceptance items 5, 6 and 7: (item, key, bound, key of the
# reference). Holds when value <= bound x reference, in the same run.
ACCEPTANCE = [
    *[(5, f"py.{call}.{n}", 1.0, f"np.maximum_out.{n}")
      for n in (16, 1024) for call in ("forward_out", "backward_out", "relu_out")],
    *[(5, f"py.{call}.{n}", 1.0, f"np.maximum.{n}")
      for n in (16, 1024) for call in ("forward", "backward", "relu")],
    (7, "py.forward_list.1e6", 1.5, "py.listcomp.1e6"),
    (6, "node.forward_out.1024", 2.0, "c.forward.1024"),
    (6, "node.relu_out.1024", 2.0, "c.relu.1024"),
    (7, "node.forward_array.1e6", 1.0, "node.map.1e6"),
    (6, "lua.forward_out.1024", 2.0, "c.forward.1024"),
    (6, "lua.relu_out.1024", 2.0, "c.relu.1024"),
    (7, "lua.forward_table.1e6", 1.0, "lua.loop.1e6"),
]


def commands(args):
    prefix = Path(args.prefix).resolve()
    scripts = ROOT / "bench" / "overhead"
    return [
        ([args.c_overhead], {}),
        (["lua5.4", str(scripts / "overhead.lua")], {"LUA_CPATH": f"{prefix / args.luadir}/?.so"}),
        (["node", str(scripts / "overhead.js")], {"NODE_PATH": str((prefix / args.nodedir).parent)}),
        ([sys.executable, str(scripts / "overhead.py")], {"PYTHONPATH": str(prefix / args.pythondir)}),
    ]


def parse(text, source):
    """(language, key, description, ns) for each 4-field line of `text`."""
    rows = []
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) == 4:
            language, key, description, ns = fields
            rows.append((language, key, description, float(ns)))
        elif len(fields) == 3:
            print(f"binding_overhead.py: {source}: skipped a 3-field line (no key): {line!r}",
                  file=sys.stderr)
        elif line.strip():
            raise ValueError(f"{source}: not a measurement line: {line!r}")
    return rows


def peer_of(key):
    for prefix, peer_prefix in PEERS:
        if key.startswith(prefix):
            return peer_prefix + key[len(prefix):]
    return None


def table(rows):
    """Every row, with its ratio to its native alternative where it has one."""
    ns_by_key = {key: ns for _, key, _, ns in rows}
    width = max([len(key) for _, key, _, _ in rows] + [3])
    described = max([len(description) for _, _, description, _ in rows] + [4])
    lines = [f"{'key':<{width}}  {'call':<{described}}  {'ns/call':>12}  {'ratio':>6}  to"]
    for _, key, description, ns in rows:
        peer = peer_of(key)
        if peer in ns_by_key:
            ratio, to = f"{ns / ns_by_key[peer]:6.2f}", peer
        else:
            ratio, to = f"{'':6}", ""
        lines.append(f"{key:<{width}}  {description:<{described}}  {ns:>12.1f}  {ratio}  {to}")
    return lines


def acceptance(rows):
    """(lines, number of MISSes) for ACCEPTANCE on these rows."""
    ns_by_key = {key: ns for _, key, _, ns in rows}
    lines, misses = [], 0
    for item, key, bound, reference in ACCEPTANCE:
        description = f"item {item}: {key} <= {bound:.1f} x {reference}"
        if key in ns_by_key and reference in ns_by_key:
            value = ns_by_key[key] / ns_by_key[reference]
            verdict = "ok" if value <= bound else "MISS"
            shown = f"{value:.2f}"
        else:
            verdict, shown = "MISS", "n/a"
        misses += verdict == "MISS"
        lines.append(f"{description:<62} {shown:>6}  bound {bound:.1f}  {verdict}")
    return lines, misses


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--c-overhead", required=True, help="path to crelu-overhead")
    parser.add_argument("--luadir", default="lib/lua/5.4")
    parser.add_argument("--nodedir", default="lib/node_modules/crelu")
    parser.add_argument("--pythondir", required=True,
                        help="CRELU_INSTALL_PYTHONDIR of the build, relative to the prefix")
    parser.add_argument("--output", help="also write the report to this file")
    args = parser.parse_args()

    rows = []
    for argv, extra_env in commands(args):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONDONTWRITEBYTECODE": "1"}
        env.update(extra_env)
        done = subprocess.run(argv, capture_output=True, text=True, env=env)
        if done.returncode != 0:
            print(f"{argv[-1]} failed (status {done.returncode}):\n{done.stderr}", file=sys.stderr)
            return 1
        sys.stderr.write(done.stderr)
        rows += parse(done.stdout, Path(argv[-1]).name)

    checks, misses = acceptance(rows)
    report = [
        "Binding overhead: median ns per call (each script: median over repeats of a timed",
        "loop), each binding's ratio to its native alternative in the same run.",
        "",
        *table(rows),
        "",
        f"Acceptance (issue 10, items 5-7): {len(checks) - misses} ok, {misses} MISS",
        *checks,
    ]
    text = "\n".join(report) + "\n"
    sys.stdout.write(text)
    if args.output:
        Path(args.output).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
