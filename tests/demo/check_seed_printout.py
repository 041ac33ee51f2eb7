# SPDX-License-Identifier: MIT
"""Checks that crelu-demo reproduces the seed's printout exactly.

Usage: /usr/bin/python3 tests/demo/check_seed_printout.py <path to crelu-demo>

The seed's program (the blog post's NumPy Relu class against torch.nn.ReLU)
runs here, live, and its stdout becomes the expected text: the demo's output
must contain the four labelled 3x7 matrices, byte for byte, as one contiguous
block. Exit 0 on success, 1 with a unified diff on failure.
"""

import contextlib
import difflib
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "seed"))
from seed_relu import Relu  # noqa: E402  (the seed's class, shared with the other reference test)


def seed_program():
    """The seed's script, statement for statement, minus its "代码输出 :"
    banner, which is not part of the four matrices."""
    # legacy='1.13' reproduces the NumPy print format of the blog's output
    # (sign column, trailing zeros trimmed); current NumPy prints differently.
    np.set_printoptions(precision=6, suppress=True, linewidth=120, legacy="1.13")

    np.random.seed(123)
    x_numpy = np.random.random((3, 7))
    x_tensor = torch.tensor(x_numpy, requires_grad=True)

    relu_numpy = Relu()
    relu_tensor = torch.nn.ReLU()

    out_numpy = relu_numpy(x_numpy)
    out_tensor = relu_tensor(x_tensor)

    d_loss_numpy = np.random.random((3, 7))
    d_loss_tensor = torch.tensor(d_loss_numpy, requires_grad=True)

    dx_numpy = relu_numpy.backward(d_loss_numpy)
    out_tensor.backward(d_loss_tensor)
    dx_tensor = x_tensor.grad

    print("numpy out : \n", out_numpy)
    print("tensor out : \n", out_tensor.data.numpy())
    print("dx_numpy : \n", dx_numpy)
    print("dx_tensor : \n", dx_tensor.data.numpy())


def main(argv):
    if len(argv) != 2:
        print(f"usage: {argv[0]} <path to crelu-demo>", file=sys.stderr)
        return 2

    captured = io.StringIO()
    with contextlib.redirect_stdout(captured):
        seed_program()
    expected = captured.getvalue()

    try:
        demo = subprocess.run([argv[1]], capture_output=True, text=True)
    except OSError as exc:
        print(f"cannot run {argv[1]}: {exc}", file=sys.stderr)
        return 1
    if demo.returncode != 0:
        print(f"{argv[1]} exited with status {demo.returncode}\n{demo.stderr}", file=sys.stderr)
        return 1

    # Anchored at a line start, so that "xnumpy out : " would not count.
    if "\n" + expected not in "\n" + demo.stdout:
        sys.stdout.writelines(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                demo.stdout.splitlines(keepends=True),
                fromfile="seed program (live)",
                tofile=argv[1],
            )
        )
        return 1

    print(f"seed printout: identical ({len(expected.splitlines())} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
