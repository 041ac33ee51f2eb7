# SPDX-License-Identifier: MIT
"""The binding's two ways to C, and the bulk list conversion.

Small exact ndarrays (at most crelu._small.SMALL_COUNT elements) call C
through a PyDLL handle with the GIL held; everything else through the CDLL,
GIL released and buffers pinned. Both must give the reference bits, the
small one must decline (and the general one raise) on every input it does
not fully check, and each size must really take the path it is meant to.
Lists are converted in bulk; their results reuse the input's float objects
where the bits are the same, and nothing else.
"""

import ctypes
import struct
import threading

import numpy as np
import pytest

import crelu
from crelu import _relu, _small
from relu_references import VARIANTS, assert_same_bits, reference, sample

SMALL = _small.SMALL_COUNT
# Each side of the cut-off, and the sizes issue 10 measures.
SIZES = [16, 1024, SMALL, SMALL + 1]
TABLES = {
    "held": (_relu._FORWARD_HELD, _relu._BACKWARD_HELD, _relu._STATELESS_HELD),
    "released": (_relu._FORWARD, _relu._BACKWARD, _relu._STATELESS),
}


@pytest.fixture
def paths(monkeypatch):
    """Counts the C calls made through each table."""
    counts = {"held": 0, "released": 0}

    def counting(path, function):
        def call(*args):
            counts[path] += 1
            return function(*args)
        call.__name__ = function.__name__
        return call

    for path, tables in TABLES.items():
        for table in tables:
            for code, function in list(table.items()):
                monkeypatch.setitem(table, code, counting(path, function))
    return counts


def test_numpy_layout_check_passes_here():
    # If it failed, every call would quietly take the general path.
    assert _small._layout_holds()


def test_the_handles_release_the_gil_or_keep_it():
    pythonapi = ctypes._FUNCFLAG_PYTHONAPI
    for table in TABLES["held"]:
        assert all(f._flags_ & pythonapi for f in table.values())
    for table in TABLES["released"]:
        assert not any(f._flags_ & pythonapi for f in table.values())


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda t: np.dtype(t).name)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("variant", [VARIANTS[0], VARIANTS[1]], ids=lambda v: v.name)
def test_each_size_takes_its_path_and_gives_the_reference_bits(paths, n, dtype, variant):
    x, d = sample((n,), dtype, n)
    want_y, want_dx = reference(variant, "pytorch", x, d)
    y_out, dx_out, s_out = (np.full(n, np.nan, dtype) for _ in range(3))
    with crelu.ReLU(**variant.options) as r:
        got = [r.forward(x, out=y_out), r.backward(d, out=dx_out), r.forward(x), r.backward(d)]
    stateless = [crelu.relu(x, out=s_out), crelu.relu(x)]
    for y in got[0::2]:
        assert_same_bits(y, want_y)
    for dx in got[1::2]:
        assert_same_bits(dx, want_dx)
    if variant is VARIANTS[0]:
        for y in stateless:
            assert_same_bits(y, want_y)
    assert got[0] is y_out and got[1] is dx_out and stateless[0] is s_out
    expected = "held" if n <= SMALL else "released"
    assert paths == {"held": 0, "released": 0, expected: 6}


def _misaligned(n, dtype):
    size = np.dtype(dtype).itemsize
    return np.frombuffer(bytearray(n * size + 1), dtype, count=n, offset=1)


class _Subclass(np.ndarray):
    pass


def _misaligned_copy(x):
    m = _misaligned(x.size, x.dtype)
    m[...] = x
    return m


@pytest.mark.parametrize(
    "make",
    [_misaligned_copy, lambda x: np.repeat(x, 2)[::2], lambda x: x.view(_Subclass), memoryview,
     lambda x: np.frombuffer(x.tobytes(), x.dtype)],
    ids=["misaligned", "strided", "subclass", "memoryview", "read-only"],
)
def test_inputs_the_short_path_declines_or_takes_still_give_the_reference_bits(paths, make):
    x, d = sample((64,), np.float32, 3)
    want_y, _ = reference(VARIANTS[0], "pytorch", x, d)
    given = make(x)
    with crelu.ReLU() as r:
        assert_same_bits(np.asarray(r.forward(given)), want_y)
    assert_same_bits(np.asarray(crelu.relu(given)), want_y)
    # A read-only, exact, aligned ndarray is a fine input: the short path.
    short = type(given) is np.ndarray and given.flags.c_contiguous and given.flags.aligned
    assert paths == ({"held": 2, "released": 0} if short else {"held": 0, "released": 2})


X16 = np.linspace(-2, 2, 16, dtype=np.float32)

# (name, out for X16, exception, message pattern): what the general path
# raises; the short path must not take any of them.
BAD_OUTS = [
    ("other shape", lambda: np.empty((2, 8), np.float32), ValueError, r"shape \(2, 8\)"),
    ("other dtype", lambda: np.empty(16, np.float64), TypeError, "float64.*float32"),
    ("read-only", lambda: np.frombuffer(bytes(64), np.float32), ValueError, "read-only"),
    ("strided", lambda: np.empty(32, np.float32)[::2], ValueError, "C-contiguous"),
    ("misaligned", lambda: _misaligned(16, np.float32), ValueError, "not aligned"),
    ("big-endian", lambda: np.empty(16, ">f4"), TypeError, ">f4|float32"),
]


@pytest.mark.parametrize("name, make_out, error, pattern", BAD_OUTS, ids=[b[0] for b in BAD_OUTS])
@pytest.mark.parametrize("call", ["forward", "relu"])
def test_a_bad_out_raises_the_general_paths_error(paths, name, make_out, error, pattern, call):
    out = make_out()
    before = out.copy()
    with pytest.raises(error, match=pattern):
        if call == "forward":
            crelu.ReLU().forward(X16, out=out)
        else:
            crelu.relu(X16, out=out)
    assert paths["held"] == 0
    np.testing.assert_array_equal(np.ascontiguousarray(out).view(np.uint8), before.view(np.uint8))


def test_c_statuses_on_the_short_path_raise_as_before(paths):
    with crelu.ReLU() as r:
        with pytest.raises(crelu.NoForwardError, match=r"crelu_backward_f32\(\) returned status 3"):
            r.backward(X16)
        r.forward(X16)
        with pytest.raises(crelu.SizeMismatchError, match="crelu_backward_f32"):
            r.backward(X16[:8])
        base = np.zeros(17, np.float32)
        with pytest.raises(crelu.InvalidArgumentError, match="partially overlapping"):
            r.forward(base[:16], out=base[1:])
        assert_same_bits(r.backward(X16), reference(VARIANTS[0], "pytorch", X16, X16)[1])
    # Each error status is redone, and raised, by the general path. A
    # backward of another shape (every other count is one) does not reach C
    # on the short path: it goes straight to the general path, which raises.
    assert paths == {"held": 4, "released": 3}


def test_a_small_call_waits_for_a_big_call_in_C_on_another_thread(monkeypatch):
    # The big call pauses inside C (GIL released); a small call on the same
    # object from another thread must not run in C meanwhile: it finds the
    # context's slot empty, and waits for the big call on the lock.
    big, _ = sample((SMALL + 1,), np.float32, 31)
    small, _ = sample((64,), np.float32, 32)
    entered, release = threading.Event(), threading.Event()
    real = _relu._FORWARD["f"]

    def paused(*args):
        entered.set()
        assert release.wait(10)
        return real(*args)

    monkeypatch.setitem(_relu._FORWARD, "f", paused)
    r = crelu.ReLU()
    results = {}
    big_call = threading.Thread(target=lambda: results.setdefault("big", r.forward(big)))
    big_call.start()
    assert entered.wait(10)
    small_call = threading.Thread(target=lambda: results.setdefault("small", r.forward(small)))
    small_call.start()
    small_call.join(0.3)
    waited = small_call.is_alive()
    release.set()
    big_call.join(10)
    small_call.join(10)
    assert waited, "the small call ran while the big one was in C"
    assert_same_bits(results["big"], reference(VARIANTS[0], "pytorch", big, big)[0])
    assert_same_bits(results["small"], reference(VARIANTS[0], "pytorch", small, small)[0])
    # The last forward was the small one: backward follows it.
    assert_same_bits(r.backward(small), reference(VARIANTS[0], "pytorch", small, small)[1])


# -- lists ---------------------------------------------------------------------


def _bits(values):
    return [struct.pack("<d", v) for v in values]


SPECIALS = [-0.0, 0.0, -1.5, 2.5, float("nan"), -float("inf"), float("inf"), 5e-324, -5e-324, 7.0, -3.0]


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
def test_list_results_have_the_arrays_bits_and_reuse_only_equal_inputs(variant):
    x = SPECIALS * 3
    want = crelu.ReLU(**variant.options).forward(np.array(x)).tolist()
    got = crelu.ReLU(**variant.options).forward(x)
    assert _bits(got) == _bits(want)
    assert all(type(v) is float for v in got)
    for given, result in zip(x, got):
        if result is given:
            assert _bits([result]) == _bits([given])


@pytest.mark.parametrize("variant", [VARIANTS[0], VARIANTS[1]], ids=lambda v: v.name)
def test_long_lists_are_picked_right_in_every_chunk(variant):
    from crelu import _operands

    n = _operands._CHUNK * 5 // 2  # two whole chunks and a half one
    x = np.random.default_rng(7).standard_normal(n)
    x[::97] = -0.0
    x[::101] = np.nan
    given = x.tolist()
    want = crelu.ReLU(**variant.options).forward(x)
    got = crelu.ReLU(**variant.options).forward(given)
    assert_same_bits(np.array(got), want)
    kept = [i for i in range(n) if got[i] is given[i]]
    assert len(kept) > n // 3  # the positives, at least
    assert all(struct.pack("<d", got[i]) == struct.pack("<d", given[i]) for i in kept)


def test_list_results_reuse_the_input_objects():
    x = [float(v) for v in np.linspace(0.5, 8.0, 16)]  # all kept as they are
    y = crelu.relu(x)
    assert all(a is b for a, b in zip(x, y))


@pytest.mark.parametrize(
    "nested",
    [[1, 2.5, -3], [[1.0, -2.0], [3, -4]], [[[1.0], [-2.0]], [[3.0], [-4.0]]], [-0.0, 0.0, -0.0]],
    ids=repr,
)
def test_lists_of_ints_and_floats_and_nestings_in_bulk(nested):
    want = crelu.relu(np.array(nested, dtype=np.float64))
    got = crelu.relu(nested)
    assert np.array(got).shape == want.shape
    assert_same_bits(np.array(got, dtype=np.float64), want)


def test_a_list_subclass_still_converts_element_by_element():
    class Row(list):
        pass

    got = crelu.relu([Row([1.0, -2.0]), Row([-3.0, 4.0])])
    assert got == [[1.0, 0.0], [0.0, 4.0]]
