# SPDX-License-Identifier: MIT
"""Hostile inputs (issue 11): each runs in its own child process
(hostile_child.py) with a timeout and a memory cap, and must end in a
catchable exception of the right class with a clear message, or in a result
equal bit for bit to the live reference for what NumPy makes of the same
input. Never an abort (a signal), a hang (the timeout), runaway memory (the
cap) or a silently short result."""

import json
import os
import re
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from relu_references import UINT, VARIANTS, reference

CHILD = Path(__file__).resolve().with_name("hostile_child.py")
TIMEOUT = 60  # seconds; a case takes well under one
MEMORY = 4 << 30  # bytes of address space: NumPy alone maps a few hundred MiB


def raises(kind, pattern):
    return ("raises", kind, pattern)


def computes(result_type, after=None):
    return ("computes", result_type, after)


DETACHED = r"detached \(released\) memoryview"
RECURSIVE = r"contains itself"

EXPECTED = {
    # sizes at and past every limit
    "list_len_claims_2_62": computes("list"),
    "nested_list_len_claims_fewer_with_out": raises("ValueError", r"out has shape \(2, 2\), the input has \(2, 3\)"),
    "sequence_claims_2_62": raises("TypeError", r"x must be a NumPy array.*not Claims"),
    "array_len_claims_2_62": computes("array"),
    "array_out_len_claims_more": raises("ValueError", r"out has shape \(1,\), the input has \(4,\)"),
    "ndarray_subclass_size_claims_2_62": computes("ndarray"),
    "ndarray_subclass_out_shape_lies": raises("ValueError", r"out has shape \(4,\), the input has \(65536,\)"),
    "as_strided_claims_2_40": raises("ValueError", r"x reaches beyond the memory it views"),
    "as_strided_claims_2_26_with_out": raises("ValueError", r"x reaches beyond the memory it views"),
    "as_strided_strided_claims_2_24": raises("ValueError", r"x reaches beyond the memory it views"),
    "as_strided_small_claim": raises("ValueError", r"x reaches beyond the memory it views"),
    "as_strided_zero_stride_in_bounds": computes("ndarray"),
    "zero_size_memoryview_huge_dimension": ("plain", {"empty": True, "shape": [0, 1 << 59], "format": "<d"}),
    "list_shared_rows_claim_2_64": raises("OverflowError", r"x has shape \(2, 2, .*: 18446744073709551616 elements "
                                                           r"are more float64 than any buffer can hold"),
    "list_shared_rows_claim_2_40": ("plain", {"raised": ["MemoryError", "Exception", "BaseException", "object"],
                                              "grew_less_than_64_mib": True},
                                    r"1099511627776 float64 need 8796093022208 bytes, more than this machine's"),
    "list_shared_rows_2_16": computes("list"),
    "context_cannot_grow": ("plain", {"raised": ["OutOfMemoryError", "Error", "MemoryError", "Exception",
                                                 "BaseException", "object"], "after": [0.0, 1.0]},
                            r"crelu_forward_f64\(\) returned status 2: out of memory"),
    "count_past_the_buffers": raises("ValueError", r"the input's buffer holds 16 bytes, not 1099511627776 elements"),
    # recursive, ragged and deep containers
    "list_contains_itself": raises("ValueError", r"x\[0\] is x: a list that " + RECURSIVE),
    "lists_contain_each_other": raises("ValueError", r"x\[0\]\[0\] is x: a list that " + RECURSIVE),
    "list_contains_itself_not_first": raises("ValueError", r"x\[1\]\[1\] is x: a list that " + RECURSIVE),
    "list_contains_itself_in_forward": ("plain", {"raised": ["ValueError"], "after": [[0.0, 2.0], [0.0, 1.0]]},
                                        r"x\[0\]\[0\] is x: a list that " + RECURSIVE),
    "nested_past_recursion_limit": raises("ValueError", r"x nests lists more than 64 deep"),
    "nested_65_deep": raises("ValueError", r"x nests lists more than 64 deep"),
    "nested_32_deep": computes("list"),
    "ragged_deep_row": raises("ValueError", r"ragged nesting: x\[1\]\[1\] has 2 elements but x\[0\]\[0\] has 1"),
    "same_row_many_times": computes("list"),
    # detached and resized buffers
    "released_memoryview_input": raises("ValueError", r"x is a " + DETACHED),
    "released_memoryview_out": raises("ValueError", r"out is a " + DETACHED),
    "released_memoryview_backward": ("plain", {"raised": ["ValueError"], "after": [[0.0, 2.0], [0.0, 1.0]]},
                                     r"d is a " + DETACHED),
    "out_released_by_float": raises("ValueError", r"out is a " + DETACHED),
    "array_out_grown_by_float": raises("ValueError", r"out has shape \(1002,\), the input has \(2,\)"),
    "ndarray_out_resized_by_float": raises("ValueError", r"out has shape \(1048576,\), the input has \(2,\)"),
    "bytearray_resized_by_float": raises("BufferError", r"cannot be re-sized"),
    # getters that mutate, raise or close mid-call
    "list_shrunk_by_float": computes("list"),
    "list_grown_by_every_float": computes("list"),
    "outer_list_shrunk_by_element": computes("list"),
    "float_raises_mid_call": ("plain", {"raised": ["ZeroDivisionError"], "after": [2.0, 0.0]}, r"raised by __float__"),
    "list_subclass_methods_raise": computes("list"),
    "close_from_float_mid_forward": computes("list", after="operation on a closed ReLU"),
    "backward_from_float_mid_forward": computes("ndarray", after=[[0.0, 5.0, 5.0]]),
    "float_subclass_and_numpy_scalars": computes("list"),
    # empty operands after a non-empty forward (the C rule: n = 0 is a mismatch)
    "empty_list_backward_after_forward": raises("SizeMismatchError", r"crelu_backward_f64\(\) returned status 4"),
    "empty_ndarray_backward_after_forward": raises("SizeMismatchError", r"crelu_backward_f64\(\) returned status 4"),
}


def _limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def _run(name):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    try:
        proc = subprocess.run([sys.executable, str(CHILD), name], env=env, capture_output=True,
                              text=True, timeout=TIMEOUT, preexec_fn=_limit_memory)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{name}: no answer in {TIMEOUT} s (a hang)")
    assert proc.returncode >= 0, f"{name}: killed by signal {-proc.returncode}\n{proc.stderr[-2000:]}"
    assert proc.returncode == 0, f"{name}: exit {proc.returncode}\n{proc.stderr[-2000:]}"
    return json.loads(proc.stdout.splitlines()[-1])


def _values(bits, code, shape):
    return np.array(bits, dtype=UINT[np.dtype(code)]).view(code).reshape(shape)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hostile(name):
    outcome = _run(name)
    want = EXPECTED[name]
    if want[0] == "raises":
        _, kind, pattern = want
        assert "raised" in outcome, f"{name}: no exception, got {outcome}"
        assert kind in outcome["raised"], f"{name}: {outcome['raised'][0]}: {outcome['message']}"
        assert re.search(pattern, outcome["message"]), f"{name}: unclear message {outcome['message']!r}"
    elif want[0] == "plain":
        expected, pattern = want[1], (want[2] if len(want) > 2 else None)
        message = outcome.pop("message", None)
        assert outcome == expected, name
        if pattern:
            assert re.search(pattern, message), f"{name}: unclear message {message!r}"
    else:
        _, result_type, after = want
        assert "raised" not in outcome, f"{name}: {outcome['raised'][0]}: {outcome['message']}"
        code = outcome["code"]
        # Flat: PyTorch's kernels take fewer dimensions than a list may nest.
        x = _values(outcome["x"], code, -1)
        d = np.ones_like(x) if outcome["d"] is None else _values(outcome["d"], code, -1)
        y, dx = reference(VARIANTS[0], "pytorch", x, d)
        expected = y if outcome["op"] == "forward" else dx
        assert outcome["type"] == result_type, name
        assert outcome["shape"] == outcome["xshape"], f"{name}: shape {outcome['shape']}, input {outcome['xshape']}"
        assert outcome["got"] == expected.view(UINT[expected.dtype]).ravel().tolist(), name
        assert outcome["after"] == after, name


def test_every_case_has_an_expectation():
    import hostile_child  # importing runs no case

    assert sorted(hostile_child.CASES) == sorted(EXPECTED)
