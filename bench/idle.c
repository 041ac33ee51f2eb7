/* crelu-idle: does an idle process burn CPU? Makes 1,000 calls through the
 * pool, each checked to have run on every pool thread, then sleeps 200 ms
 * and prints the CPU time the whole process (pool threads included) used in
 * that sleep, against the bound of 2 ms. The pool's workers spin
 * briefly after a call and must then park.
 *
 * White-box (links crelu_static): it calls crelu__parallel_for directly,
 * with pieces that record their thread and wait, bounded, for the others to
 * arrive, so that every thread's part in every call is known.
 *
 * Exits 0 when the bound holds and every call ran on every thread, 1
 * otherwise; CTest runs it as c.idle, scripts/bench prints its line. */
#define _GNU_SOURCE /* gettid */
#include <stdatomic.h>
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "crelu_internal.h"

enum { CALLS = 1000, MAX_THREADS = 256, SLEEP_MS = 200 };
static const double BOUND_MS = 2.0;
static const double ARRIVAL_TIMEOUT_S = 0.2; /* per piece: a worker that never comes */

typedef struct one_call {
    int threads;
    _Atomic int arrived;
    _Atomic pid_t tids[MAX_THREADS];
} one_call;

static double seconds(clockid_t clock) {
    struct timespec t;
    clock_gettime(clock, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Records this thread once, then waits until every thread has arrived (or
 * the timeout passes), so that no thread takes every piece. */
static void piece(void *arg, size_t begin, size_t end) {
    (void)begin;
    (void)end;
    one_call *call = arg;
    const pid_t me = gettid();
    int seen = 0;
    const int arrived = atomic_load(&call->arrived);
    for (int i = 0; i < arrived && i < MAX_THREADS; i++) {
        seen |= atomic_load(&call->tids[i]) == me;
    }
    if (!seen) {
        const int slot = atomic_fetch_add(&call->arrived, 1);
        if (slot < MAX_THREADS) {
            atomic_store(&call->tids[slot], me);
        }
    }
    const double give_up = seconds(CLOCK_MONOTONIC) + ARRIVAL_TIMEOUT_S;
    while (atomic_load(&call->arrived) < call->threads && seconds(CLOCK_MONOTONIC) < give_up) {
    }
}

static double cpu_ms(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage); /* every thread of the process */
    return (double)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e3 +
           (double)(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-3;
}

int main(void) {
    const int threads = crelu__default_threads();
    int on_every_thread = 0;
    for (int c = 0; c < CALLS; c++) {
        one_call call = {.threads = threads};
        /* Two pieces per thread, 64 elements each; the elements are never
         * touched, only the pieces' threads matter. */
        crelu__parallel_for(threads, (size_t)threads * 2 * 64, 64, piece, &call);
        on_every_thread += atomic_load(&call.arrived) == threads;
    }
    const double before = cpu_ms();
    const struct timespec nap = {0, SLEEP_MS * 1000000L};
    nanosleep(&nap, NULL);
    const double used = cpu_ms() - before;

    const int ok = used <= BOUND_MS && on_every_thread == CALLS;
    printf("idle: %d of %d calls ran on all %d pool threads (caller included); then\n", on_every_thread,
           CALLS, threads);
    printf("  %-58s %6.3f   <= %.2f   %s\n", "CPU ms of the whole process in a 200 ms sleep", used,
           BOUND_MS, ok ? "ok" : "MISS");
    return ok ? 0 : 1;
}
