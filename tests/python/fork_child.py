# SPDX-License-Identifier: MIT
"""os.fork() after libcrelu's worker pool has run, and while another thread
is inside a library call that uses it. Run by test_stress_fork.py in a fresh
interpreter with CRELU_NUM_THREADS=2; exits 0 when every check held.

fork() copies only the forking thread. A child must neither wait for the
parent's workers (it has none) nor believe the pool is still busy with a
call that will never finish in it: it must start its own pool on first
need (crelu.h, crelu_set_num_threads). So in each child the test checks
results of threaded calls and that the child grew worker threads of its own.

Usage: fork_child.py SECONDS (how long to wait for a child before calling it
deadlocked).
"""

import os
import signal
import sys
import threading
import time

import numpy as np

import crelu

N = 1 << 22  # float32: 16 MiB per array; above L3 / 4 and the threading threshold
TIMEOUT = 20.0  # seconds; main() takes it from the command line


def reference(x, d):
    """SPEC's plain ReLU, PyTorch rule: y = x < 0 ? +0 : x; dx = x <= 0 ? +0 : d.
    (test_stress_fork.py checks these against PyTorch.)"""
    zero = x.dtype.type(0)
    return np.where(x < 0, zero, x), np.where(x <= 0, zero, d)


def inputs(seed):
    rng = np.random.default_rng(seed)
    x, d = (rng.standard_normal(N, dtype=np.float32) for _ in range(2))
    specials = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan], np.float32)
    x[rng.choice(N, 1 << 10, replace=False)] = rng.choice(specials, 1 << 10)
    return x, d


def threads():
    return len(os.listdir("/proc/self/task"))


def check(x, d, want_y, want_dx, where):
    """One forward and backward on a new object, compared bit for bit."""
    with crelu.ReLU(save="mask") as r:
        y = r.forward(x)
        dx = r.backward(d)
    for got, want, name in ((y, want_y, "y"), (dx, want_dx, "dx")):
        if not np.array_equal(got.view(np.uint32), want.view(np.uint32)):
            raise AssertionError(f"{where}: {name} differs from the reference")


def in_threads(count, job):
    """Runs job(i) on `count` threads at once; re-raises the first failure."""
    errors = []

    def run(i):
        try:
            job(i)
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if errors:
        raise errors[0]


MID_CALL = 10  # a child's exit status: fine, and it was forked mid-call


def child(cases, label, mid_call):
    """In the child: threaded calls from two Python threads, checked, and the
    child's own pool started. Never returns."""
    status = 1
    try:
        if threads() != 1:
            raise AssertionError(f"{label}: the child has {threads()} threads after fork")
        check(*cases[0], f"{label}, child main thread")
        if threads() < 2:  # the only Python thread is this one: others are libcrelu's
            raise AssertionError(f"{label}: the child started no worker thread of its own")
        # Then two Python threads at once, which share that pool.
        in_threads(2, lambda i: check(*cases[i], f"{label}, child thread {i}"))
        status = MID_CALL if mid_call() else 0
    except BaseException as exc:
        print(f"fork_child: {exc!r}", file=sys.stderr, flush=True)
    os._exit(status)


def fork_and_wait(cases, label, mid_call=lambda: False):
    """Forks; the child runs child(); the parent waits at most TIMEOUT.
    Returns whether the child was forked while mid_call() held."""
    pid = os.fork()
    if pid == 0:
        child(cases, label, mid_call)
    deadline = time.monotonic() + TIMEOUT
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise AssertionError(f"{label}: the child hung (deadlocked?) for {TIMEOUT} s")
        time.sleep(0.01)
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, MID_CALL):
        raise AssertionError(f"{label}: the child exited with {code}")
    return code == MID_CALL


def main():
    global TIMEOUT
    TIMEOUT = float(sys.argv[1])
    cases = []
    for seed in (1, 2):
        x, d = inputs(seed)
        cases.append((x, d, *reference(x, d)))

    # 1. The pool has run (and sits idle) when the process forks.
    before = threads()
    check(*cases[0], "parent")
    if threads() <= before:
        raise AssertionError("the parent's call started no worker thread: the test is moot")
    fork_and_wait(cases, "fork after the pool ran")

    # 2. Another thread is inside a threaded library call at fork time, its
    # pool busy. The busy thread counts calls begun and ended; a child sees
    # the counts as they were at the fork, so it knows if it was forked
    # mid-call (a call takes ~10 ms; the Python around it, microseconds).
    busy_x = np.tile(cases[1][0], 4)
    scratch = np.empty_like(busy_x)
    counts, stop = [0, 0], threading.Event()

    def busy():
        while not stop.is_set():
            counts[0] += 1
            crelu.relu(busy_x, out=scratch)
            counts[1] += 1

    worker = threading.Thread(target=busy)
    worker.start()
    forked_mid_call = forks = 0
    try:
        while forks < 20:
            forks += 1
            time.sleep(0.003)
            mid_call = fork_and_wait(cases, "fork during another thread's call",
                                     lambda: counts[0] != counts[1])
            forked_mid_call += mid_call
            if forked_mid_call == 2:
                break
    finally:
        stop.set()
        worker.join()
    if forked_mid_call < 2:
        raise AssertionError(f"only {forked_mid_call} of 20 forks came mid-call: the test is moot")
    if not np.array_equal(scratch.view(np.uint32), np.tile(cases[1][2], 4).view(np.uint32)):
        raise AssertionError("the parent's busy thread computed a wrong y")
    print(f"fork_child: ok ({forks} forks for 2 mid-call)")


if __name__ == "__main__":
    main()
