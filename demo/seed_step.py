# SPDX-License-Identifier: MIT
"""The seed's step through the Python binding, for the cross-language demo.

stdin:  two lines of 21 numbers each (Python repr), x and d_loss, 3x7 row-major.
stdout: numpy_out, tensor_out, dx_numpy, dx_tensor: 21 values each, row-major,
        each printed with repr(float) so it parses back to the same double.
The "numpy" layer uses grad="cs231n" (the seed's NumPy class), the "tensor"
one grad="pytorch" (torch.nn.ReLU). Exit 1 with a message on stderr on error.

Run: PYTHONPATH=<prefix>/lib/python3/dist-packages /usr/bin/python3 demo/seed_step.py
"""

import sys

import numpy as np

from crelu import ReLU

SHAPE = (3, 7)


def read_matrix(line, name):
    fields = line.split(" ")
    if len(fields) != SHAPE[0] * SHAPE[1]:
        raise ValueError(f"{name}: expected {SHAPE[0] * SHAPE[1]} numbers, got {len(fields)}")
    return np.array([float(field) for field in fields], dtype=np.float64).reshape(SHAPE)


def main():
    lines = sys.stdin.read().splitlines()
    if len(lines) != 2:
        raise ValueError(f"expected 2 lines on stdin (x, d_loss), got {len(lines)}")
    x = read_matrix(lines[0], "x")
    d_loss = read_matrix(lines[1], "d_loss")

    with ReLU(grad="cs231n") as relu_numpy, ReLU(grad="pytorch") as relu_tensor:
        out_numpy = relu_numpy(x)
        out_tensor = relu_tensor(x)
        dx_numpy = relu_numpy.backward(d_loss)
        dx_tensor = relu_tensor.backward(d_loss)

    for label, values in (("numpy_out", out_numpy), ("tensor_out", out_tensor),
                          ("dx_numpy", dx_numpy), ("dx_tensor", dx_tensor)):
        print(label, " ".join(repr(float(v)) for v in values.ravel()))


if __name__ == "__main__":
    try:
        main()
    except Exception as exc:  # any failure: a message and a non-zero exit, no traceback
        print(f"seed_step.py: {type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(1)
