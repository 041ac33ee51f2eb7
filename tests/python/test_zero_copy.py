# SPDX-License-Identifier: MIT
"""Zero copy: the caller's own memory is what reaches C, in and out.

Outputs: `out` comes back as the same object, and C wrote its memory.
Inputs: libcrelu rejects an output that partially overlaps the input and
accepts one that is exactly the input. Both can only be seen by C if the
input's own address reached it: a copy would overlap nothing. So a
read-only input viewing the same memory as a writeable out, shifted by one
element, must fail with InvalidArgumentError, and unshifted must work in place.
"""

import array
import tracemalloc

import numpy as np
import pytest

import crelu
from relu_references import VARIANTS, assert_same_bits, reference, sample

N = 1024


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_out_is_returned_as_is_and_written(dtype):
    x, d = sample((N,), dtype, 11)
    want_y, want_dx = reference(VARIANTS[0], "pytorch", x, d)
    y_out = np.full(N, np.nan, dtype)
    dx_out = np.full(N, np.nan, dtype)
    y_address = y_out.__array_interface__["data"][0]
    with crelu.ReLU() as r:
        y = r.forward(x, out=y_out)
        dx = r.backward(d, out=dx_out)
    assert y is y_out and dx is dx_out
    assert y_out.__array_interface__["data"][0] == y_address
    assert_same_bits(y_out, want_y)
    assert_same_bits(dx_out, want_dx)


def test_stateless_out_is_returned_as_is_and_written():
    x, _ = sample((4, 16), np.float32, 12)
    out = np.full_like(x, np.nan)
    assert crelu.relu(x, out=out) is out
    assert_same_bits(out, reference(VARIANTS[0], "pytorch", x, x)[0])


@pytest.mark.parametrize("save", ["x", "mask"])
def test_in_place_forward_and_backward_write_the_inputs(save):
    x, d = sample((4, 16), np.float64, 13)
    want_y, want_dx = reference(VARIANTS[0], "cs231n", x, d)
    x_address = x.__array_interface__["data"][0]
    with crelu.ReLU(save=save, grad="cs231n") as r:
        assert r(x, out=x) is x
        assert r.backward(d, out=d) is d
    assert x.__array_interface__["data"][0] == x_address
    assert_same_bits(x, want_y)
    assert_same_bits(d, want_dx)


def _shared_pairs(dtype):
    """For each input kind that may be read-only: (read-only input over
    memory M[0:N], writeable out over M[0:N], writeable out over M[1:N+1])."""
    char = np.dtype(dtype).char

    def ndarray_readonly():
        base = np.zeros(N + 1, dtype)
        source = base[:N].view()
        source.flags.writeable = False
        return source, base[:N], base[1:]

    def memoryview_readonly():
        base = array.array(char, bytes((N + 1) * np.dtype(dtype).itemsize))
        whole = memoryview(base)
        return whole[:N].toreadonly(), whole[:N], whole[1:]

    return {"ndarray-readonly": ndarray_readonly, "memoryview-readonly": memoryview_readonly}


def _fill(buffer, values):
    np.frombuffer(buffer, dtype=values.dtype)[: values.size] = values


CALLS = {
    "ReLU.forward": lambda source, out: crelu.ReLU().forward(source, out=out),
    "relu": lambda source, out: crelu.relu(source, out=out),
}


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", ["ndarray-readonly", "memoryview-readonly"])
def test_readonly_input_address_reaches_c(kind, dtype, call):
    source, same, shifted = _shared_pairs(dtype)[kind]()
    x, _ = sample((N,), dtype, 14)
    _fill(same, x)
    with pytest.raises(crelu.InvalidArgumentError, match="partially overlapping"):
        CALLS[call](source, shifted)
    # Exactly the same memory is allowed: computed in place.
    assert CALLS[call](source, same) is same
    assert_same_bits(np.frombuffer(same, dtype=dtype), reference(VARIANTS[0], "pytorch", x, x)[0])


# A second witness, for every kind: a copy of the input would show up in
# tracemalloc (NumPy reports its data allocations there too). 64k elements
# make a copy far larger than anything a call allocates for itself.
BIG = 1 << 16
ZERO_COPY_KINDS = {
    "ndarray": lambda a: a,
    "ndarray-readonly": lambda a: np.frombuffer(a.tobytes(), a.dtype),
    "array.array": lambda a: array.array(a.dtype.char, a.tobytes()),
    "memoryview": lambda a: memoryview(bytearray(a.tobytes())).cast(a.dtype.char),
    "memoryview-readonly": lambda a: memoryview(a.tobytes()).cast(a.dtype.char),
}
COPYING_KINDS = {
    "ndarray-strided": lambda a: np.repeat(a, 2)[::2],
    "memoryview-strided": lambda a: memoryview(np.repeat(a, 2))[::2],
}


def _peak_bytes_during(call):
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        call()
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("kind", ZERO_COPY_KINDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_contiguous_inputs_are_not_copied(kind, dtype):
    x, d = sample((BIG,), dtype, 17)
    source, grad = ZERO_COPY_KINDS[kind](x), ZERO_COPY_KINDS[kind](d)
    y_out, dx_out = np.empty_like(x), np.empty_like(d)
    nbytes = x.nbytes
    with crelu.ReLU(save="mask") as r:
        r(source, out=y_out)  # the context's own buffers are now allocated
        assert _peak_bytes_during(lambda: r(source, out=y_out)) < nbytes // 8
        assert _peak_bytes_during(lambda: r.backward(grad, out=dx_out)) < nbytes // 8
        assert _peak_bytes_during(lambda: crelu.relu(source, out=y_out)) < nbytes // 8
    assert_same_bits(dx_out, reference(VARIANTS[0], "pytorch", x, d)[1])


@pytest.mark.parametrize("kind", COPYING_KINDS)
def test_the_copy_witness_sees_copies(kind):
    # The same measure on inputs that must be copied: it does see the copy.
    x, _ = sample((BIG,), np.float64, 18)
    source, out = COPYING_KINDS[kind](x), np.empty_like(x)
    assert _peak_bytes_during(lambda: crelu.relu(source, out=out)) >= x.nbytes
    assert_same_bits(out, reference(VARIANTS[0], "pytorch", x, x)[0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_backward_input_address_reaches_c(dtype):
    base = np.zeros(N + 1, dtype)
    x, d = sample((N,), dtype, 16)
    base[:N] = d
    source = base[:N].view()
    source.flags.writeable = False
    with crelu.ReLU() as r:
        r(x)
        with pytest.raises(crelu.InvalidArgumentError, match="partially overlapping"):
            r.backward(source, out=base[1:])
        assert_same_bits(base[:N], d)  # a failed call writes nothing
        r.backward(source, out=base[:N])
    assert_same_bits(base[:N], reference(VARIANTS[0], "pytorch", x, d)[1])


def _misaligned(values):
    """`values` in memory one byte off its element alignment."""
    raw = bytearray(values.nbytes + 1)
    arr = np.frombuffer(raw, dtype=values.dtype, offset=1, count=values.size)
    arr[...] = values
    assert not arr.flags.aligned
    return arr


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", ["ndarray", "memoryview"])
def test_misaligned_inputs_are_read_from_an_aligned_copy(kind, dtype):
    # A misaligned float pointer is undefined behaviour in C.
    x, d = sample((N,), dtype, 19)
    want_y, want_dx = reference(VARIANTS[0], "pytorch", x, d)
    wrap = (lambda a: a) if kind == "ndarray" else memoryview
    with crelu.ReLU() as r:
        y = r(wrap(_misaligned(x)))
        dx = r.backward(wrap(_misaligned(d)))
    assert_same_bits(y, want_y)
    assert_same_bits(dx, want_dx)
