# SPDX-License-Identifier: MIT
"""ReLU objects, arrays and buffers under threads and the garbage collector.

ctypes drops the GIL inside every C call but the small ones (crelu._small),
so another thread can run Python (close(), `del`, gc.collect(), resizing a
buffer) while libcrelu is reading a context and the caller's memory. The binding must keep both alive until C
returns. The hammer test checks results under that churn; the hooked tests
below pause a call inside C on purpose, so each race happens every run.
"""

import array
import ctypes
import gc
import random
import threading
import time

import numpy as np
import pytest

import crelu
from crelu import _relu
from relu_references import VARIANTS, assert_same_bits, bits, reference, sample

# Small shapes, and 4 MiB arrays: a call on those touches over a quarter of
# the L3 cache (8 MiB here), so the library splits it over its worker pool,
# which calls from several threads then compete for.
SIZES = {np.float32: [(96,), (3, 32), (1 << 20,)], np.float64: [(96,), (3, 32), (1 << 19,)]}
CONFIGS = [
    ({}, VARIANTS[0], "pytorch"),
    ({"save": "mask", "grad": "cs231n"}, VARIANTS[0], "cs231n"),
    ({"negative_slope": 0.01}, VARIANTS[1], "pytorch"),
]
HOOK_TIMEOUT = 10.0  # seconds; only a broken binding waits this long


def _cases():
    """(options, x, d, y, dx) with y and dx from the live references."""
    cases = []
    seed = 0
    for dtype, shapes in SIZES.items():
        for shape in shapes:
            for options, variant, grad in CONFIGS:
                seed += 1
                x, d = sample(shape, dtype, 1000 + seed)
                y, dx = reference(variant, grad, x, d)
                for value in (x, d, y, dx):
                    value.setflags(write=False)  # shared by every thread
                cases.append((options, x, d, y, dx))
    return cases


CASES = _cases()


def _check(got, want):
    """assert_same_bits, with its slower, detailed report only on a mismatch."""
    got = np.asarray(got)
    if got.shape != want.shape or not np.array_equal(bits(got), bits(want)):
        assert_same_bits(got, want)


def _as_kind(value, kind):
    """The same values as an ndarray or as a memoryview over other memory."""
    if kind == "ndarray":
        return value
    return memoryview(bytearray(value.tobytes())).cast(value.dtype.char, value.shape)


def test_threads_create_call_and_drop_objects_while_gc_runs():
    errors, stop = [], threading.Event()

    def collector():
        # The young generations, where the workers' dropped cycles are; a
        # full collection walks all of torch's objects too (~0.2 s each).
        while not stop.is_set():
            gc.collect(1)

    def worker(seed):
        rng = random.Random(seed)
        try:
            for _ in range(25):
                options, x, d, y, dx = rng.choice(CASES)
                kind = rng.choice(["ndarray", "memoryview"])
                r = crelu.ReLU(**options)
                got_y = r(_as_kind(x, kind))
                got_dx = r.backward(_as_kind(d, kind))
                _check(got_y, y)
                _check(got_dx, dx)
                if rng.random() < 0.5:
                    # A cycle: only the collector (on any thread) frees it.
                    cycle = [r, _as_kind(x, kind)]
                    cycle.append(cycle)
                del r, got_y, got_dx
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=collector)]
    threads += [threading.Thread(target=worker, args=(seed,)) for seed in range(4)]
    for t in threads:
        t.start()
    for t in threads[1:]:
        t.join()
    stop.set()
    threads[0].join()
    assert not errors, errors[0]


def test_shared_objects_closed_and_dropped_by_one_thread_while_others_call():
    # Calls on a shared object either work (and give the right y) or raise
    # "closed"; nothing in between, and no crash.
    errors, outcomes = [], []
    for round_ in range(4):
        options, x, _, y, _ = CASES[(round_ * 7) % len(CASES)]
        shared = [crelu.ReLU(**options) for _ in range(3)]
        started = threading.Barrier(5)

        def caller(seed, objects):
            rng = random.Random(seed)
            started.wait()
            try:
                for _ in range(20):
                    r = rng.choice(objects)
                    try:
                        got = r.forward(x)
                    except ValueError as exc:
                        assert "closed" in str(exc), exc
                        outcomes.append("closed")
                        continue
                    _check(got, y)
                    outcomes.append("ok")
            except BaseException as exc:
                errors.append(exc)

        def closer(first, second):
            started.wait()
            first.close()
            time.sleep(0.001)
            with second:  # `with` exit closes too
                pass
            gc.collect()

        objects = tuple(shared)
        threads = [threading.Thread(target=caller, args=(s, objects)) for s in range(4)]
        threads.append(threading.Thread(target=closer, args=objects[:2]))
        for t in threads:
            t.start()
        # The main thread lets go of all three; only the callers' references
        # keep the third alive, and a collection must not free it under them.
        del shared, objects
        gc.collect()
        for t in threads:
            t.join()
        assert not errors, errors[0]
    assert len(outcomes) == 4 * 4 * 20 and "ok" in outcomes


class _Hooks:
    """Wraps the C functions the binding calls so that a test can pause a
    call inside C and see every crelu_destroy: which context, and whether a
    call was still using it (a use after free, had it been freed)."""

    def __init__(self, monkeypatch, inside=None):
        self.in_flight, self.destroyed, self.freed_in_use = set(), [], []
        self.entered = threading.Event()
        self.inside = inside or (lambda: None)
        real_lib = _relu.LIB
        hooks = self

        def hooked(function):
            def call(ctx, *args):
                address = ctypes_address(ctx)
                hooks.in_flight.add(address)
                try:
                    hooks.entered.set()
                    hooks.inside()
                    return function(ctx, *args)
                finally:
                    hooks.in_flight.discard(address)
            return call

        # Both ways to C: GIL released (big or non-ndarray inputs) and GIL
        # held (small ndarrays, crelu._small).
        for table in (_relu._FORWARD, _relu._BACKWARD, _relu._FORWARD_HELD, _relu._BACKWARD_HELD):
            for code, function in list(table.items()):
                monkeypatch.setitem(table, code, hooked(function))

        class Lib:
            def __getattr__(self, name):
                return getattr(real_lib, name)

            def crelu_destroy(self, ctx):
                address = ctypes_address(ctx)
                hooks.destroyed.append(address)
                if address in hooks.in_flight:
                    hooks.freed_in_use.append(address)
                    return  # leaked, so that the bug fails the test instead of the process
                real_lib.crelu_destroy(ctx)

        monkeypatch.setattr(_relu, "LIB", Lib())


def ctypes_address(ctx):
    return ctypes.cast(ctx, ctypes.c_void_p).value


# A small call (GIL held in C) and a big one (GIL released): CASES[2] has
# 96 elements, CASES[8] 2^20.
PATHS = pytest.mark.parametrize("case", [2, 8], ids=["small", "big"])


@PATHS
@pytest.mark.parametrize("how", ["close", "with"])
def test_close_from_another_thread_waits_for_the_call_in_C(monkeypatch, how, case):
    # The call pauses inside the hooked C function for 0.3 s; close() on
    # another thread must not free the context during it.
    options, x, d, y, dx = CASES[case]
    hooks = _Hooks(monkeypatch, inside=lambda: time.sleep(0.3))
    r = crelu.ReLU(**options)
    address = ctypes_address(r._ctx)
    result = {}
    caller = threading.Thread(target=lambda: result.setdefault("y", r.forward(x)))
    caller.start()
    assert hooks.entered.wait(HOOK_TIMEOUT)
    if how == "close":
        r.close()
    else:
        with r:
            pass
    caller.join(HOOK_TIMEOUT)
    assert not caller.is_alive()
    assert hooks.freed_in_use == [], "the context was freed while C was using it"
    assert hooks.destroyed == [address] and r.closed
    assert_same_bits(result["y"], y)


@PATHS
def test_close_by_a_finalizer_on_the_calling_thread_mid_call(monkeypatch, case):
    # The collector runs finalizers on whichever thread allocates. Here one
    # that closes `r` runs on the thread that is in r.forward, after it took
    # the context and before C (exactly where the hook runs gc.collect()).
    # The close must neither deadlock on the object's lock nor free the
    # context under the call; the call finishes, then the object is closed.
    options, x, d, y, dx = CASES[case]
    r = crelu.ReLU(**options)
    address = ctypes_address(r._ctx)

    class Closer:
        def __del__(self):
            r.close()

    def make_garbage():
        closer = Closer()
        closer.cycle = closer  # freed only by the collector
    hooks = _Hooks(monkeypatch, inside=gc.collect)
    gc.disable()  # so that the cycle is still there when the hook collects
    try:
        make_garbage()
        result = {}
        caller = threading.Thread(target=lambda: result.setdefault("y", r.forward(x)),
                                  daemon=True)  # a deadlocked one must not block exit
        caller.start()
        caller.join(HOOK_TIMEOUT)
    finally:
        gc.enable()
    assert not caller.is_alive(), "close() from a finalizer deadlocked the call"
    assert hooks.freed_in_use == [], "the context was freed while C was using it"
    assert hooks.destroyed == [address] and r.closed
    assert_same_bits(result["y"], y)


@pytest.mark.parametrize("kind", ["array.array", "memoryview"])
def test_buffers_stay_pinned_while_C_uses_them(monkeypatch, kind):
    # While C reads x and writes out, another thread must not be able to
    # move or free either buffer: the binding holds a buffer export for the
    # length of the call, and exporters refuse to resize or release then.
    # (An ndarray is kept by references instead: numpy's resize checks the
    # reference count, not exports.)
    _, x, _, y, _ = CASES[0]
    release = threading.Event()
    hooks = _Hooks(monkeypatch, inside=lambda: release.wait(HOOK_TIMEOUT))
    if kind == "array.array":
        source, target = array.array("f", x.tobytes()), array.array("f", bytes(x.nbytes))
        attempts = [lambda: source.extend([0.0] * 4096), lambda: target.extend([0.0] * 4096)]
    else:
        # Releasing the caller's view is allowed (the binding took its own),
        # but the memory under it must stay where it is.
        source_base, target_base = bytearray(x.tobytes()), bytearray(x.nbytes)
        source, target = memoryview(source_base).cast("f"), memoryview(target_base).cast("f")

        def released_then_grown(view, base):
            return lambda: (view.release(), base.extend(bytes(1 << 16)))
        attempts = [released_then_grown(source, source_base),
                    released_then_grown(target, target_base)]
    r = crelu.ReLU()
    caller = threading.Thread(target=lambda: r.forward(source, out=target))
    caller.start()
    try:
        assert hooks.entered.wait(HOOK_TIMEOUT)
        for attempt in attempts:
            with pytest.raises(BufferError):
                attempt()
    finally:
        release.set()
        caller.join(HOOK_TIMEOUT)
    written = target if kind == "array.array" else target_base
    assert_same_bits(np.frombuffer(written, x.dtype), y)
    r.close()
