# SPDX-License-Identifier: MIT
"""Mistakes mypy --strict must report, one per line marked "# error"
(test_typing.py requires exactly those lines, no others): the hints are
precise, not Any."""

import numpy as np
from numpy.typing import NDArray

import crelu
from crelu import ReLU

x32: NDArray[np.float32] = np.zeros(4, np.float32)
ReLU(save="copy")  # error
ReLU(grad="torch")  # error
ReLU(max_value="6")  # error
ReLU("x")  # error
r = ReLU()
y: NDArray[np.float64] = r(x32)  # error
r.forward("not an array")  # error
r.backward(x32, out=[0.0] * 4)  # error
crelu.relu((1.0, -1.0))  # error
count: int = crelu.version()  # error
r.close(1)  # error
r(np.zeros(4, np.uint16))  # error
r(x32, dtype="bf16")  # error
crelu.relu(np.zeros(4, np.int16), dtype="bfloat16")  # error
