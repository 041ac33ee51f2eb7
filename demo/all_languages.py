# SPDX-License-Identifier: MIT
"""The seed's example through every language libcrelu speaks, checked
against live PyTorch 1.13 and the seed's NumPy class.

Usage: /usr/bin/python3 demo/all_languages.py --prefix P --c-step EXE
           [--languages c,lua,node,python]

The inputs are drawn exactly as the seed draws them (np.random.seed(123),
then np.random.random((3, 7)) for x and again for d_loss). Each language's
step program (demo/seed_step.*) reads them as round-trip decimals on stdin,
runs a cs231n ReLU and a PyTorch-rule ReLU through its binding, and prints the
four results the same way. Each runs from the install prefix P with only its
own path variable set, as a user would run it. This script prints every
language's four matrices in the seed's format and one verdict line each;
it exits 1 if any language fails or differs in a single bit.
"""

import argparse
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "seed"))
from seed_relu import Relu  # noqa: E402  (the seed's class, verbatim)

NAMES = ("numpy_out", "tensor_out", "dx_numpy", "dx_tensor")
LABELS = {"numpy_out": "numpy out", "tensor_out": "tensor out",
          "dx_numpy": "dx_numpy", "dx_tensor": "dx_tensor"}
TITLES = {"c": "C", "lua": "Lua 5.4", "node": "Node.js", "python": "Python"}


def seed_inputs_and_references():
    """The seed's program, live: its inputs and its four results."""
    np.random.seed(123)
    x = np.random.random((3, 7))
    d_loss = np.random.random((3, 7))

    relu_numpy = Relu()
    out_numpy = relu_numpy(x)
    dx_numpy = relu_numpy.backward(d_loss)

    torch.set_num_threads(1)
    x_tensor = torch.tensor(x, requires_grad=True)
    out_tensor = torch.nn.ReLU()(x_tensor)
    out_tensor.backward(torch.tensor(d_loss))
    references = {
        "numpy_out": out_numpy,
        "tensor_out": out_tensor.detach().numpy(),
        "dx_numpy": dx_numpy,
        "dx_tensor": x_tensor.grad.numpy(),
    }
    return x, d_loss, references


def step_commands(args):
    """argv and the one environment variable for each language's step."""
    prefix = Path(args.prefix).resolve()
    demo = ROOT / "demo"
    return {
        "c": ([args.c_step], {}),
        "lua": (["lua5.4", str(demo / "seed_step.lua")],
                {"LUA_CPATH": f"{prefix / args.luadir}/?.so"}),
        "node": (["node", str(demo / "seed_step.js")],
                 {"NODE_PATH": str((prefix / args.nodedir).parent)}),
        "python": ([sys.executable, str(demo / "seed_step.py")],
                   {"PYTHONPATH": str(prefix / args.pythondir)}),
    }


def run_step(argv, extra_env, stdin_text):
    """The four result arrays a step printed, or an error message."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONDONTWRITEBYTECODE": "1"}
    env.update(extra_env)
    try:
        done = subprocess.run(argv, input=stdin_text, capture_output=True, text=True,
                              env=env, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, str(exc)
    if done.returncode != 0:
        return None, f"exit status {done.returncode}: {done.stderr.strip()}"
    results = {}
    for line in done.stdout.splitlines():
        name, *values = line.split()
        results[name] = np.array([float(v) for v in values]).reshape(3, 7)
    if sorted(results) != sorted(NAMES):
        return None, f"unexpected output: {done.stdout!r}"
    return results, None


def bits_equal(a, b):
    return np.array_equal(np.asarray(a, np.float64).view(np.uint64),
                          np.asarray(b, np.float64).view(np.uint64))


def print_matrices(title, results):
    print(f"== {title}")
    for name in NAMES:
        print(f"{LABELS[name]} : \n", results[name])
    print()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prefix", required=True, help="install prefix of libcrelu")
    parser.add_argument("--c-step", required=True, help="path to crelu-seed-step")
    parser.add_argument("--languages", default="c,lua,node,python")
    parser.add_argument("--luadir", default="lib/lua/5.4")
    parser.add_argument("--nodedir", default="lib/node_modules/crelu")
    parser.add_argument("--pythondir", required=True,
                        help="CRELU_INSTALL_PYTHONDIR of the build, relative to the prefix")
    args = parser.parse_args()
    languages = args.languages.split(",")

    # The seed's print style: NumPy's legacy 1.13 format reproduces the
    # blog's printout character for character.
    np.set_printoptions(precision=6, suppress=True, linewidth=120, legacy="1.13")
    x, d_loss, references = seed_inputs_and_references()
    stdin_text = "".join(" ".join(repr(float(v)) for v in a.ravel()) + "\n" for a in (x, d_loss))

    print("The seed's example (np.random.seed(123), two 3x7 float64 draws) in every language.")
    print("'numpy' is a cs231n-rule ReLU (the seed's NumPy class), 'tensor' a PyTorch-rule one.\n")
    commands = step_commands(args)
    verdicts = []
    for language in languages:
        argv, extra_env = commands[language]
        results, error = run_step(argv, extra_env, stdin_text)
        title = TITLES[language]
        if error:
            print(f"== {title}\nfailed: {error}\n")
            verdicts.append((title, False, f"failed to run ({error.splitlines()[0]})"))
            continue
        print_matrices(title, results)
        torch_same = all(bits_equal(results[n], references[n]) for n in ("tensor_out", "dx_tensor"))
        numpy_same = all(bits_equal(results[n], references[n]) for n in ("numpy_out", "dx_numpy"))
        verdict = ("bit-identical to PyTorch" if torch_same else "DIFFERS from PyTorch") + \
                  ("; cs231n rule bit-identical to the seed's NumPy class" if numpy_same
                   else "; cs231n rule DIFFERS from the seed's NumPy class")
        verdicts.append((title, torch_same and numpy_same, verdict))

    print_matrices(f"PyTorch {torch.__version__} and the seed's NumPy class (references)", references)
    width = max(len(title) for title, _, _ in verdicts)
    for title, _, verdict in verdicts:
        print(f"{title:<{width}}  {verdict}")
    return 0 if all(ok for _, ok, _ in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
