# SPDX-License-Identifier: MIT
"""The package imports and works when NumPy is absent: array.array,
memoryview and lists, zero-copy and in place, judged against the live
references (run here, in the parent, which has NumPy and PyTorch)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from relu_references import UINT, VARIANTS, reference, sample

CHILD = Path(__file__).resolve().with_name("no_numpy_child.py")
SHAPES = {"array.array": (64,), "memoryview": (4, 16), "memoryview-readonly": (4, 16), "list": (4, 16)}


def _cases():
    cases, expected = [], {}
    for kind, shape in SHAPES.items():
        for dtype in ([np.float64] if kind == "list" else [np.float32, np.float64]):
            for grad in ("pytorch", "cs231n"):
                for in_place in ([False, True] if kind in ("array.array", "memoryview") else [False]):
                    name = f"{kind}-{np.dtype(dtype).name}-{grad}{'-in-place' if in_place else ''}"
                    x, d = sample(shape, dtype, len(cases) + 100)
                    uint = UINT[np.dtype(dtype)]
                    cases.append({"name": name, "kind": kind, "code": np.dtype(dtype).char,
                                  "grad": grad, "save": "mask" if in_place else "x", "shape": list(shape),
                                  "in_place": in_place,
                                  "x": x.view(uint).ravel().tolist(), "d": d.view(uint).ravel().tolist()})
                    y, dx = reference(VARIANTS[0], grad, x, d)
                    relu_y, _ = reference(VARIANTS[0], "pytorch", x, d)
                    expected[name] = (kind, dtype, shape, y, dx, relu_y)
    return cases, expected


def test_works_without_numpy():
    cases, expected = _cases()
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": os.environ["PYTHONPATH"],
           "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run([sys.executable, str(CHILD)], input=json.dumps(cases), env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["errors"] == ["TypeError", "ValueError", "NoForwardError", "ValueError"]
    assert len(report["cases"]) == len(cases)
    for result in report["cases"]:
        kind, dtype, shape, y, dx, relu_y = expected[result["name"]]
        uint = UINT[np.dtype(dtype)]
        for key, want in (("y", y), ("dx", dx), ("relu", relu_y)):
            got = result[key]
            assert got["type"] == {"array.array": "array", "list": "list"}.get(kind, "memoryview"), result["name"]
            assert got["shape"] == list(shape), result["name"]
            if kind != "list":
                assert got["format"] == np.dtype(dtype).char, result["name"]
            assert got["bits"] == want.view(uint).ravel().tolist(), f"{result['name']}: {key}"


def test_child_detects_a_working_numpy_import():
    # The shim must really hide NumPy: without it, the child refuses to run.
    code = CHILD.read_text().replace('sys.modules["numpy"] = None', "pass")
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": os.environ["PYTHONPATH"],
           "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run([sys.executable, "-c", code], input="[]", env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "numpy is importable" in proc.stderr

