# SPDX-License-Identifier: MIT
"""Set-up shared by the differential tests, done before any of them imports
torch.

ATEN_CPU_CAPABILITY=avx2: PyTorch picks its kernels once, at import, from
this variable and the CPU. Pinned, every x86 host runs the same kernels (the
AVX2 body, two 256-bit vectors per step), whose bits the references are; an
explicit setting from the caller is kept. The bfloat16/float16 tests print
how many elements they compared (tally.py) in pytest's summary.
"""

import os
import sys

if "torch" in sys.modules and os.environ.get("ATEN_CPU_CAPABILITY") is None:
    raise RuntimeError("torch was imported before ATEN_CPU_CAPABILITY could be set: "
                       "run the differential tests in a pytest of their own")
os.environ.setdefault("ATEN_CPU_CAPABILITY", "avx2")

import tally  # noqa: E402  (after the variable: nothing above imports torch)


def pytest_terminal_summary(terminalreporter):
    lines = tally.summary()
    if lines:
        terminalreporter.section("bfloat16 / float16 against the references")
        for line in lines:
            terminalreporter.write_line(line)
