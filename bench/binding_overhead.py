"""Per-call overhead of each binding: one forward pass on 1,024 float32
elements, in C, Lua, Node.js and Python, next to NumPy's np.maximum and
torch.relu, all measured in one run.

Usage: /usr/bin/python3 bench/binding_overhead.py --prefix P --c-overhead EXE

Each language's script (bench/overhead/*) runs from the install prefix P with
only its own path variable set and prints tab-separated lines: language,
what, median ns per call (21 repeats of a timed loop). This script runs them
one after another and prints one table, with each time as a multiple of the
C context call. The machine is shared and noisy: compare ratios within a run.
"""

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
C_BASELINE = "crelu_forward_f32(ctx, x, y, n)"


def commands(args):
    prefix = Path(args.prefix).resolve()
    scripts = ROOT / "bench" / "overhead"
    return [
        ([args.c_overhead], {}),
        (["lua5.4", str(scripts / "overhead.lua")], {"LUA_CPATH": f"{prefix / args.luadir}/?.so"}),
        (["node", str(scripts / "overhead.js")], {"NODE_PATH": str((prefix / args.nodedir).parent)}),
        ([sys.executable, str(scripts / "overhead.py")], {"PYTHONPATH": str(prefix / args.pythondir)}),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--c-overhead", required=True, help="path to crelu-overhead")
    parser.add_argument("--luadir", default="lib/lua/5.4")
    parser.add_argument("--nodedir", default="lib/node_modules/crelu")
    parser.add_argument("--pythondir", default="lib/python3/dist-packages")
    args = parser.parse_args()

    rows = []
    for argv, extra_env in commands(args):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONDONTWRITEBYTECODE": "1"}
        env.update(extra_env)
        done = subprocess.run(argv, capture_output=True, text=True, env=env)
        if done.returncode != 0:
            print(f"{argv[-1]} failed (status {done.returncode}):\n{done.stderr}", file=sys.stderr)
            return 1
        for line in done.stdout.splitlines():
            language, what, ns = line.split("\t")
            rows.append((language, what, float(ns)))

    baseline = next(ns for language, what, ns in rows if language == "c" and what == C_BASELINE)
    print("forward, 1,024 float32 elements; median ns per call over 21 repeats; "
          f"ratio to C's {C_BASELINE}")
    width = max(len(what) for _, what, _ in rows)
    print(f"{'language':<9} {'call':<{width}} {'ns/call':>9} {'ratio':>6}")
    for language, what, ns in rows:
        print(f"{language:<9} {what:<{width}} {ns:>9.1f} {ns / baseline:>6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
