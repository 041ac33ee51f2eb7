# SPDX-License-Identifier: MIT
"""Lists of floats through the per-thread scratch buffer (crelu._operands).

A list of exact floats is converted into a float64 buffer kept per thread,
and C writes its result beside it. The buffer must never be shared: not by
two threads, not by a call re-entered on the same thread while an outer call
still reads it; what a thread keeps is bounded; and an element that the bulk
path does not take, in any chunk, still gets the element-wise path's error.
"""

import struct
import sys
import threading

import numpy as np
import pytest

import crelu
from crelu import _operands


def _bits(values):
    return [struct.pack("<d", v) for v in values]


def _want(values, **options):
    return crelu.ReLU(**options).forward(np.array(values)).tolist()


def _floats(n, seed):
    return np.random.default_rng(seed).standard_normal(n).tolist()


def test_a_call_reentered_mid_list_gets_a_buffer_of_its_own():
    # A trace function runs Python between the outer call's lines, as a
    # finalizer or signal handler may: once the outer call is finishing
    # (its input and result in the scratch buffer), it converts another list.
    outer = _floats(_operands._CHUNK * 2 + 5, 1)
    inner = _floats(len(outer), 2)
    crelu.relu(_floats(len(outer), 3))  # this thread now keeps a buffer that fits
    seen = {}

    def tracer(frame, event, arg):
        if frame.f_code.co_name == "_reusing" and "inner" not in seen:
            seen["inner"] = crelu.relu(inner)
        return tracer

    sys.settrace(tracer)
    try:
        got = crelu.relu(outer)
    finally:
        sys.settrace(None)
    assert "inner" in seen
    assert _bits(seen["inner"]) == _bits(_want(inner))
    assert _bits(got) == _bits(_want(outer))


def test_threads_converting_lists_at_once_each_get_their_own_result():
    n = _operands._CHUNK * 3 + 7
    lists = [_floats(n, seed) for seed in range(4)]
    wants = [_bits(_want(values)) for values in lists]
    failures = []

    def work(i):
        r = crelu.ReLU()
        for _ in range(8):  # from the second on, with the buffer the thread kept
            if _bits(r.forward(lists[i])) != wants[i]:
                failures.append(i)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-4)  # switch threads several times within each call
    try:
        threads = [threading.Thread(target=work, args=(i,)) for i in range(len(lists))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert failures == []


def _kept():
    return _operands._scratch.__dict__.get("buffer")


def test_the_buffer_is_reused_and_what_a_thread_keeps_is_bounded():
    r = crelu.ReLU()
    r.forward(_floats(1000, 3))
    first = _kept()
    assert first is not None
    r.forward(_floats(1000, 4))
    assert _kept() is first  # the same memory again: no fresh pages

    big = _operands._SCRATCH_MAX // 2 + 1  # its buffer exceeds the bound
    values = _floats(big, 5)
    assert _bits(r.forward(values)) == _bits(_want(values))
    kept = _kept()
    assert kept is None or kept.size <= _operands._SCRATCH_MAX


def test_a_list_into_an_out_gives_the_buffer_back():
    values = _floats(100, 6)
    out = np.empty(100)
    crelu.relu(_floats(100, 7))
    kept = _kept()
    assert crelu.relu(values, out=out) is out
    assert _bits(out.tolist()) == _bits(_want(values))
    assert _kept() is kept


@pytest.mark.parametrize("options", [{}, {"negative_slope": 0.25}, {"max_value": 1.0}], ids=repr)
def test_nested_lists_of_floats_keep_their_shape_and_bits(options):
    rows = [_floats(_operands._CHUNK // 3 + 1, seed) for seed in range(5)]
    got = crelu.ReLU(**options).forward(rows)
    want = crelu.ReLU(**options).forward(np.array(rows))
    assert len(got) == len(rows) and all(len(row) == len(rows[0]) for row in got)
    assert _bits(np.array(got).ravel().tolist()) == _bits(want.ravel().tolist())


@pytest.mark.parametrize("chunk", [0, 1, 2])
def test_a_bool_in_any_chunk_is_refused_as_before(chunk):
    values = _floats(_operands._CHUNK * 3, 8)
    at = _operands._CHUNK * chunk + 5
    values[at] = True
    with pytest.raises(TypeError, match=rf"x\[{at}\] is bool, not a real number"):
        crelu.ReLU().forward(values)
    # The thread's buffer is still usable after the error.
    good = _floats(50, 9)
    assert _bits(crelu.relu(good)) == _bits(_want(good))


@pytest.mark.parametrize("chunk", [0, 2])
def test_an_int_in_any_chunk_converts_as_a_float(chunk):
    values = _floats(_operands._CHUNK * 3, 10)
    at = _operands._CHUNK * chunk + 5
    values[at] = -3
    values[at + 1] = 4
    got = crelu.relu(values)
    assert got[at] == 0.0 and got[at + 1] == 4.0 and type(got[at + 1]) is float
    assert _bits(got) == _bits(_want(values))
