# SPDX-License-Identifier: MIT
"""Runs one hostile input through crelu; used by test_hostile.py, one child
process per case, so that a hang, an abort or runaway memory fails that case
alone.

    hostile_child.py CASE

stdout, one JSON object:
  {"raised": [the exception's class and its bases' names], "message": str}
  or {"op": "forward"|"backward", "type": result's type name, "shape": [...],
      "got": result bits, "x": input bits, "d": gradient bits or null,
      "code": 'f'|'d', "after": what the case checked after the call}
where x (and d) are what NumPy makes of the same input, built afresh, so
that the parent judges the result against its live reference. Nothing here
decides what is right: the parent does.
"""

import array
import ctypes
import json
import resource
import sys

import numpy as np
from numpy.lib.stride_tricks import as_strided

import crelu

UINT = {"f": np.uint32, "d": np.uint64}
START_RSS = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
CASES = {}


def case(function):
    CASES[function.__name__] = function
    return function


def result(got, x, d=None, op="forward", after=None):
    """What the parent needs to judge `got`, the result for input x (as NumPy
    converts it) and, for a backward, d."""
    x = np.asarray(x)
    values = np.asarray(got, dtype=x.dtype)
    code = x.dtype.char
    return {
        "op": op, "type": type(got).__name__, "shape": list(values.shape), "code": code,
        "got": values.view(UINT[code]).ravel().tolist(),
        "x": x.view(UINT[code]).ravel().tolist(), "xshape": list(x.shape),
        "d": None if d is None else np.asarray(d, x.dtype).view(UINT[code]).ravel().tolist(),
        "after": after,
    }


def still_works(r):
    """A ReLU that just raised is as usable as before: a fresh forward and
    backward give plain ReLU's values."""
    y = r.forward(np.array([-1.0, 2.0]))
    return [y.tolist(), r.backward(np.ones(2)).tolist()]


# -- sizes at and past every limit -------------------------------------------


class LongList(list):
    """A list that claims 2^62 elements."""

    def __len__(self):
        return 1 << 62


class ShortList(list):
    """A list that claims one element fewer than it holds."""

    def __len__(self):
        return list.__len__(self) - 1


@case
def list_len_claims_2_62():
    values = [1.5, -2.0, 0.0, 3.0]
    return result(crelu.relu(LongList(values)), np.array(LongList(values), np.float64))


@case
def nested_list_len_claims_fewer_with_out():
    rows = [ShortList([1.0, -2.0, 3.0]), ShortList([-4.0, 5.0, -6.0])]  # claim 2 each
    return crelu.relu(rows, out=np.full((2, 2), 7.0))


@case
def sequence_claims_2_62():
    class Claims:
        def __len__(self):
            return 1 << 62

        def __getitem__(self, i):
            return 1.0

    return crelu.relu(Claims())


class ArrayClaims(array.array):
    def __len__(self):
        return 1 << 62


@case
def array_len_claims_2_62():
    values = [1.0, -2.0, 3.0]
    return result(crelu.relu(ArrayClaims("d", values)), np.array(values, np.float64))


@case
def array_out_len_claims_more():
    class Claims(array.array):
        def __len__(self):
            return 4

    out = Claims("d", [9.0])  # holds one element, claims four
    return crelu.relu(array.array("d", [1.0, -2.0, 3.0, 4.0]), out=out)


class SizeLies(np.ndarray):
    """An ndarray subclass whose Python-level size and shape claim 2^62."""

    @property
    def size(self):
        return 1 << 62

    @property
    def shape(self):
        return (1 << 62,)


@case
def ndarray_subclass_size_claims_2_62():
    x = np.array([1.0, -2.0, 3.0, -0.0]).view(SizeLies)
    return result(crelu.relu(x), np.array([1.0, -2.0, 3.0, -0.0]))


@case
def ndarray_subclass_out_shape_lies():
    class ShapeLies(np.ndarray):
        @property
        def shape(self):
            return (1 << 16,)

    x = np.ones(1 << 16)
    out = np.zeros(4).view(ShapeLies)  # 4 elements, claims 65536
    return crelu.relu(x, out=out)


@case
def as_strided_claims_2_40():
    x = as_strided(np.zeros(1), shape=(1 << 40,), strides=(8,))
    return crelu.relu(x)


@case
def as_strided_claims_2_26_with_out():
    x = as_strided(np.zeros(1), shape=(1 << 26,), strides=(8,))
    out = np.empty(1 << 26)
    return crelu.relu(x, out=out)


@case
def as_strided_strided_claims_2_24():
    x = as_strided(np.zeros(1), shape=(1 << 24,), strides=(64,))  # not contiguous: copied first
    return crelu.relu(x)


@case
def as_strided_small_claim():
    x = as_strided(np.zeros(2), shape=(4096,), strides=(8,))  # the small path's size
    return crelu.relu(x)


@case
def as_strided_zero_stride_in_bounds():
    base = np.array([-3.0, 2.5])
    x = as_strided(base[1:], shape=(1 << 15,), strides=(0,))  # one element, read 32 Ki times
    return result(crelu.relu(x), np.array(x))


@case
def zero_size_memoryview_huge_dimension():
    view = memoryview((ctypes.c_double * (1 << 59) * 0)())
    got = crelu.relu(view)
    return {"empty": got.nbytes == 0, "shape": list(got.shape), "format": got.format}


@case
def count_past_the_buffers():
    """The last check before C, reached directly: every operand path above
    it takes its count from the container, so no input gets here with a
    count its buffers do not hold."""
    from crelu import _buffers, _relu

    x, y = array.array("d", [1.0, -1.0]), array.array("d", [0.0, 0.0])
    return _buffers.call(_relu._STATELESS["d"], (), x, y, 1 << 40, 8)


# -- recursive, ragged and deep containers ------------------------------------


@case
def list_contains_itself():
    a = [0.0]
    a[0] = a
    return crelu.relu(a)


@case
def lists_contain_each_other():
    a, b = [0.0], [0.0]
    a[0], b[0] = b, a
    return crelu.relu(a)


@case
def list_contains_itself_not_first():
    a = [[1.0, 2.0], [3.0, 4.0]]
    a[1][1] = a
    return crelu.relu(a)


@case
def list_contains_itself_in_forward():
    r = crelu.ReLU()
    a = [[0.0, 1.0]]
    a[0][0] = a
    try:
        r.forward(a)
    except ValueError as exc:
        return {"raised": [type(exc).__name__], "message": str(exc), "after": still_works(r)}
    return {"returned": True}


def _nested(depth, leaf):
    for _ in range(depth):
        leaf = [leaf]
    return leaf


@case
def nested_past_recursion_limit():
    return crelu.relu(_nested(sys.getrecursionlimit() * 20, 1.0))


@case
def nested_65_deep():
    return crelu.relu(_nested(65, -1.0))


@case
def nested_32_deep():
    return result(crelu.relu(_nested(32, -1.0)), np.array(_nested(32, -1.0), np.float64))


def _shared_rows(depth):
    """A nesting `depth` deep of two-element lists whose two rows are one
    list: 2**depth elements from `depth` lists."""
    row = [1.0, -1.0]
    for _ in range(depth - 1):
        row = [row, row]
    return row


def _grew_by():
    """How much this process's peak memory grew since the case began (bytes)."""
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - START_RSS) * 1024


@case
def list_shared_rows_claim_2_64():
    return crelu.relu(_shared_rows(64))


@case
def list_shared_rows_claim_2_40():
    try:
        crelu.relu(_shared_rows(40))
    except MemoryError as exc:
        # Refused before copying: a few MiB at most, not gigabytes first.
        return {"raised": [c.__name__ for c in type(exc).__mro__], "message": str(exc),
                "grew_less_than_64_mib": _grew_by() < 64 << 20}
    return {"returned": True}


@case
def list_shared_rows_2_16():
    return result(crelu.relu(_shared_rows(16)), np.array(_shared_rows(16), np.float64))


@case
def context_cannot_grow():
    r = crelu.ReLU()
    r.forward(np.array([-1.0, 2.0]))
    x = np.ones(1 << 27)  # 1 GiB; the result is another, the context's copy a third
    with open("/proc/self/status") as status:
        mapped = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
    room = mapped + (1536 << 20)  # the result fits, the context's copy does not
    resource.setrlimit(resource.RLIMIT_AS, (room, room))
    try:
        r.forward(x)
    except MemoryError as exc:
        return {"raised": [c.__name__ for c in type(exc).__mro__], "message": str(exc),
                "after": r.backward(np.ones(2)).tolist()}
    return {"returned": True}


@case
def ragged_deep_row():
    return crelu.relu([[[1.0], [2.0]], [[3.0], [4.0, 5.0]]])


@case
def same_row_many_times():
    row = [1.0, -2.0, 3.0]
    return result(crelu.relu([row] * 3), np.array([row] * 3, np.float64))


# -- detached and resized buffers ----------------------------------------------


def _released(values):
    view = memoryview(array.array("d", values))
    view.release()
    return view


@case
def released_memoryview_input():
    return crelu.relu(_released([1.0, 2.0]))


@case
def released_memoryview_out():
    return crelu.relu(array.array("d", [1.0, 2.0]), out=_released([0.0, 0.0]))


@case
def released_memoryview_backward():
    r = crelu.ReLU()
    r.forward(array.array("d", [1.0, -2.0, 3.0]))
    try:
        r.backward(_released([1.0, 1.0, 1.0]))
    except ValueError as exc:
        return {"raised": [type(exc).__name__], "message": str(exc), "after": still_works(r)}
    return {"returned": True}


@case
def out_released_by_float():
    target = memoryview(array.array("d", [0.0, 0.0]))

    class Releases(float):
        def __float__(self):
            target.release()
            return -1.0

    return crelu.relu([2.0, Releases(-1.0)], out=target)


@case
def array_out_grown_by_float():
    out = array.array("d", [0.0, 0.0])

    class Grows(float):
        def __float__(self):
            out.extend([0.0] * 1000)
            return 2.0

    return crelu.relu([1.0, Grows(2.0)], out=out)


@case
def ndarray_out_resized_by_float():
    out = np.zeros(2)

    class Resizes(float):
        def __float__(self):
            out.resize(1 << 20, refcheck=False)
            return 2.0

    return crelu.relu([1.0, Resizes(2.0)], out=out)


@case
def bytearray_resized_by_float():
    store = bytearray(16)
    view = memoryview(store).cast("d")

    class Resizes(float):
        def __float__(self):
            store.extend(b"\0" * 8)  # refused while `view` exports it
            return 1.0

    return crelu.relu([1.0, Resizes(1.0)], out=view)


# -- getters that mutate, raise or close mid-call --------------------------------


def _shrinking():
    a = []

    class Shrinks(float):
        def __float__(self):
            del a[-2:]
            return 5.0

    a[:] = [1.0, Shrinks(-7.0), -2.0, 3.0, 4.0]
    return a


@case
def list_shrunk_by_float():
    return result(crelu.relu(_shrinking()), np.array(_shrinking(), np.float64))


def _growing():
    a = []

    class Grows(float):
        def __float__(self):
            a.append(Grows(1.0))
            return -5.0

    a[:] = [1.0, Grows(-7.0), -2.0]
    return a


@case
def list_grown_by_every_float():
    return result(crelu.relu(_growing()), np.array(_growing(), np.float64))


def _rows_shrinking():
    a = []

    class Pops(int):
        def __index__(self):
            a.pop()
            return int(self)

        def __float__(self):
            a.pop()
            return float(int(self))

    a[:] = [[1.0, Pops(-3)], [2.0, -4.0], [5.0, 6.0]]
    return a


@case
def outer_list_shrunk_by_element():
    return result(crelu.relu(_rows_shrinking()), np.array(_rows_shrinking(), np.float64))


@case
def float_raises_mid_call():
    class Raises(float):
        def __float__(self):
            raise ZeroDivisionError("raised by __float__")

    r = crelu.ReLU()
    r.forward(np.array([1.0, -1.0]))
    try:
        r.forward([1.0, Raises(1.0)])
    except ZeroDivisionError as exc:
        return {"raised": [type(exc).__name__], "message": str(exc),
                "after": r.backward(np.array([2.0, 2.0])).tolist()}
    return {"returned": True}


class Reorders(list):
    """A list subclass whose Python-level methods lie or raise."""

    def __getitem__(self, i):
        raise RuntimeError("__getitem__ was called")

    def __iter__(self):
        raise RuntimeError("__iter__ was called")


@case
def list_subclass_methods_raise():
    values = [1.0, -2.0, [3.0][0]]
    return result(crelu.relu([Reorders(values), Reorders(values)]), np.array([values, values], np.float64))


@case
def close_from_float_mid_forward():
    r = crelu.ReLU()

    class Closes(float):
        def __float__(self):
            r.close()
            return -3.0

    x = [2.0, Closes(-3.0), 4.0]
    got = r.forward(x)
    try:
        r.forward([1.0])
        after = "usable after close"
    except ValueError as exc:
        after = str(exc)
    return result(got, np.array(x, np.float64), after=after)


@case
def backward_from_float_mid_forward():
    r = crelu.ReLU()
    r.forward(np.array([-1.0, 2.0, 3.0]))
    seen = []

    class CallsBackward(float):
        def __float__(self):
            seen.append(r.backward(np.array([5.0, 5.0, 5.0])).tolist())
            return -3.0

    x = [2.0, CallsBackward(-3.0), 4.0]
    r.forward(x)
    during = list(seen)  # before NumPy's conversion below calls __float__ again
    d = np.array([1.0, 1.0, 1.0])
    return result(r.backward(d), np.array(x, np.float64), d, op="backward", after=during)


@case
def float_subclass_and_numpy_scalars():
    class Half(float):
        pass

    x = [Half(-1.5), np.float32(2.0), np.float64(-0.0), 3, Half(4.25)]
    return result(crelu.relu(x), np.array(x, np.float64))


# -- empty operands after a non-empty forward ---------------------------------------


@case
def empty_list_backward_after_forward():
    r = crelu.ReLU()
    r.forward([1.0, -2.0, 3.0])
    return r.backward([])


@case
def empty_ndarray_backward_after_forward():
    r = crelu.ReLU()
    r.forward(np.array([1.0, -2.0, 3.0]))
    return r.backward(np.empty(0))


def main():
    name = sys.argv[1]
    try:
        outcome = CASES[name]()
    except Exception as exc:  # the case's verdict, judged by the parent
        outcome = {"raised": [c.__name__ for c in type(exc).__mro__], "message": str(exc)}
    else:
        if not isinstance(outcome, dict):
            outcome = {"returned": repr(outcome)[:200]}
    print(json.dumps(outcome))


if __name__ == "__main__":
    main()
