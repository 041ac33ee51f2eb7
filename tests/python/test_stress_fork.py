# SPDX-License-Identifier: MIT
"""os.fork() and libcrelu's worker pool: fork_child.py, in a fresh
interpreter so that CRELU_NUM_THREADS=2 is read at first use and no pytest
thread is copied. A deadlock fails the test by timeout instead of hanging."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

import fork_child  # for its reference, checked below; importing runs nothing
from relu_references import VARIANTS, assert_same_bits, reference, sample

SCRIPT = Path(fork_child.__file__)

CHILD_TIMEOUT = 20  # seconds per child; a normal one takes well under 1


def test_fork_child_reference_is_pytorchs():
    for dtype in (np.float32, np.float64):
        x, d = sample((4096,), dtype, 77)
        want_y, want_dx = reference(VARIANTS[0], "pytorch", x, d)
        y, dx = fork_child.reference(x, d)
        assert_same_bits(y, want_y)
        assert_same_bits(dx, want_dx)


def test_fork_after_the_pool_ran_and_during_a_threaded_call():
    env = dict(os.environ, CRELU_NUM_THREADS="2", OPENBLAS_NUM_THREADS="1")
    done = subprocess.run([sys.executable, str(SCRIPT), str(CHILD_TIMEOUT)], env=env,
                          capture_output=True, text=True, timeout=6 * CHILD_TIMEOUT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "fork_child: ok" in done.stdout, done.stdout
