# SPDX-License-Identifier: MIT
"""What the differential suites vary, shared by the float32/float64 suite
(test_references.py) and the 16-bit one (test_half.py): an activation
variant with its PyTorch forward, and the grad rules and save modes by
name. Each suite lists its own variants."""

import math
from dataclasses import dataclass
from typing import Callable

from crelu_ctypes import CRELU_GRAD_CS231N, CRELU_GRAD_PYTORCH, CRELU_SAVE_MASK, CRELU_SAVE_X


@dataclass(frozen=True)
class Variant:
    name: str
    torch_forward: Callable
    slope: float = 0.0
    cap: float = math.inf

    @property
    def kind(self):
        if self.slope != 0.0:
            return "leaky"
        return "clipped" if math.isfinite(self.cap) else "relu"


RULES = {"pytorch": CRELU_GRAD_PYTORCH, "cs231n": CRELU_GRAD_CS231N}
SAVES = {"save_x": CRELU_SAVE_X, "save_mask": CRELU_SAVE_MASK}
