# SPDX-License-Identifier: MIT
"""Runs crelu where NumPy cannot be imported; used by test_without_numpy.py.

stdin: JSON list of cases {name, kind, code ('f'|'d'), grad, shape, x, d},
x and d as lists of bit patterns (ints), row-major. stdout: JSON list of
{name, type, shape, format, y, dx}, results again as bit patterns, so that
the parent judges them against NumPy/PyTorch bit for bit. Exit 1 with a
message if NumPy turns out to be importable after all.
"""

import sys

sys.modules["numpy"] = None  # from here on, `import numpy` raises ImportError

import array  # noqa: E402
import json  # noqa: E402
import struct  # noqa: E402

import crelu  # noqa: E402

UINT = {"f": "I", "d": "Q"}


def from_bits(code, bits):
    return array.array(code, struct.pack(f"{len(bits)}{UINT[code]}", *bits))


def to_bits(code, raw):
    return list(struct.unpack(f"{len(raw) // struct.calcsize(code)}{UINT[code]}", raw))


def nest(values, shape):
    if len(shape) == 1:
        return values
    step = len(values) // shape[0]
    return [nest(values[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]


def flatten(values):
    return [v for row in values for v in flatten(row)] if isinstance(values, list) else [values]


def make(kind, code, shape, bits):
    data = from_bits(code, bits)
    if kind == "array.array":
        return data
    if kind == "memoryview":
        return memoryview(data).cast("B").cast(code, shape)
    if kind == "memoryview-readonly":
        return memoryview(data.tobytes()).cast(code, shape)
    if kind == "list":
        return nest(data.tolist(), shape)
    raise ValueError(kind)


def describe(name, kind, code, result):
    if isinstance(result, list):
        raw = struct.pack(f"{len(flatten(result))}d", *flatten(result))
        shape, fmt, node = [], None, result
        while isinstance(node, list):
            shape.append(len(node))
            node = node[0] if node else None
    elif isinstance(result, memoryview):
        raw, shape, fmt = result.tobytes(), list(result.shape), result.format
    else:
        raw, shape, fmt = result.tobytes(), [len(result)], result.typecode
    return {"type": type(result).__name__, "shape": shape, "format": fmt, "bits": to_bits(code, raw)}


def run(case):
    kind, code, shape = case["kind"], case["code"], case["shape"]
    x = make(kind, code, shape, case["x"])
    d = make(kind, code, shape, case["d"])
    with crelu.ReLU(grad=case["grad"], save=case["save"]) as r:
        if case.get("in_place"):
            y = r(x, out=x)
            dx = r.backward(d, out=d)
            assert y is x and dx is d
        else:
            y = r(x)
            dx = r.backward(d)
    stateless = crelu.relu(make(kind, code, shape, case["x"]))
    return {"name": case["name"], "y": describe("y", kind, code, y),
            "dx": describe("dx", kind, code, dx), "relu": describe("relu", kind, code, stateless)}


def errors():
    """The Python-side and C-side errors work without NumPy too."""
    seen = []
    for call, expected in [
        (lambda: crelu.relu(array.array("i", [1])), TypeError),
        (lambda: crelu.relu([[1.0], [2.0, 3.0]]), ValueError),
        (lambda: crelu.ReLU().backward([1.0]), crelu.NoForwardError),
        (lambda: crelu.relu([1.0, 2.0], out=array.array("d", [0.0])), ValueError),
    ]:
        try:
            call()
        except expected as exc:
            seen.append(type(exc).__name__)
    return seen


def main():
    try:
        import numpy  # noqa: F401
    except ImportError:
        pass
    else:
        print("numpy is importable: the no-NumPy shim did not work", file=sys.stderr)
        return 1
    cases = json.load(sys.stdin)
    json.dump({"cases": [run(case) for case in cases], "errors": errors(),
               "version": crelu.__version__}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
