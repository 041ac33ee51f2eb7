# SPDX-License-Identifier: MIT
"""A client of the crelu package that mypy --strict accepts, with the type
of every result stated (assert_type), and that runs: each result is also
checked at run time to be what its hint says (test_typing.py does both)."""

import array
import ctypes
from typing import Any, List, Optional, assert_type

import numpy as np
from numpy.typing import NDArray

import crelu
from crelu import ReLU

x64: NDArray[np.float64] = np.linspace(-1.0, 1.0, 6).reshape(2, 3)
x32: NDArray[np.float32] = np.linspace(-1.0, 1.0, 4, dtype=np.float32)

with ReLU(save="mask", grad="cs231n", negative_slope=0.0, max_value=6.0) as r:
    assert_type(r, ReLU)
    y64 = assert_type(r(x64), NDArray[np.float64])
    dx64 = assert_type(r.backward(np.ones((2, 3))), NDArray[np.float64])
    assert y64.dtype == dx64.dtype == np.float64 and dx64.shape == (2, 3)
    y32 = assert_type(r.forward(x32), NDArray[np.float32])
    out = np.empty(4, np.float32)
    same = assert_type(r.backward(np.ones(4, np.float32), out=out), NDArray[np.float32])
    assert y32.dtype == np.float32 and same is out
    floats = assert_type(r.forward(array.array("d", [-1.0, 2.0])), "array.array[float]")
    assert isinstance(floats, array.array) and floats.typecode == "d"
    grad = assert_type(r.backward(array.array("d", [1.0, 1.0])), "array.array[float]")
    assert isinstance(grad, array.array) and grad.typecode == "d"
    view = assert_type(r.forward(memoryview(array.array("f", [-1.0, 2.0]))), memoryview)
    assert isinstance(view, memoryview) and view.format == "f"
    c_view = assert_type(r.forward((ctypes.c_double * 2)(-1.0, 2.0)), memoryview)
    assert isinstance(c_view, memoryview)
    rows = assert_type(r.forward([[-1.0, 2.0], [3.0, -4.0]]), List[Any])
    assert rows == [[0.0, 2.0], [3.0, 0.0]]
    assert_type(r.closed, bool)
    assert_type(r.save, str)
    assert_type(r.negative_slope, float)
    max_value: Optional[float] = r.max_value
    assert max_value == 6.0

# float16 arrays as they are; bfloat16 bits in uint16/int16 with dtype=,
# given back in the same integer dtype.
x16: NDArray[np.float16] = np.linspace(-1.0, 1.0, 4).astype(np.float16)
bf16_bits: NDArray[np.uint16] = np.array([0x3F80, 0xBF80, 0, 0x8000], np.uint16)
with ReLU(grad="cs231n") as h:
    y16 = assert_type(h(x16), NDArray[np.float16])
    assert y16.dtype == np.float16
    yb = assert_type(h(bf16_bits, dtype="bf16"), NDArray[np.uint16])
    db = assert_type(h.backward(bf16_bits.view(np.int16), dtype="bf16"), NDArray[np.int16])
    assert yb.dtype == np.uint16 and db.dtype == np.int16
    hb = assert_type(h.forward(array.array("H", [0x3F80, 0xBF80]), dtype="bf16"), "array.array[int]")
    assert isinstance(hb, array.array) and hb.typecode == "H"
bits16 = assert_type(crelu.relu(bf16_bits.view(np.int16), dtype="bf16"), NDArray[np.int16])
assert bits16.dtype == np.int16

stateless = assert_type(crelu.relu(x64), NDArray[np.float64])
assert isinstance(stateless, np.ndarray)
assert_type(crelu.relu([1.0, -1.0]), List[Any])
version: str = crelu.version()
path: str = crelu.library_path()
isa: str = crelu.isa()
assert version and path and isa
try:
    ReLU().backward(x64)
except crelu.NoForwardError as exc:
    status: int = exc.status
    function: str = exc.function
    assert status == 3 and function.startswith("crelu_backward")
print("client_ok: ran")
