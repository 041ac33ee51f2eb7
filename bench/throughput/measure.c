/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 199309L /* clock_gettime, nanosleep */
#include "measure.h"

#include <stdlib.h>
#include <time.h>

enum { MIN_REPEATS = 5 };
static const double MIN_REPEAT_NS = 2e6;  /* shorter repeats are mostly clock and noise */
static const double ROW_BUDGET_NS = 8e7;  /* keeps the full sweep within a few minutes */

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static double time_calls(bench_timed_row *t, size_t calls) {
    double start = now_ns();
    t->row->run(&t->job, calls);
    return now_ns() - start;
}

static void settle(unsigned ms) {
    if (ms > 0) {
        struct timespec pause = {0, (long)ms * 1000000L};
        nanosleep(&pause, NULL);
    }
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Calls per repeat, and how many repeats fit the row's budget. */
static void calibrate(bench_timed_row *t) {
    t->row->run(&t->job, 1); /* warm-up: caches, lazy binding, a JIT's first call */
    size_t calls = 1;
    double elapsed = time_calls(t, calls);
    while (elapsed < MIN_REPEAT_NS) {
        /* Aim 20% past the minimum; at most 100x per step, in case the
         * clock's resolution cut a timing short. */
        double scale = elapsed > 0 ? 1.2 * MIN_REPEAT_NS / elapsed : 100.0;
        calls = (size_t)((double)calls * (scale < 2.0 ? 2.0 : scale > 100.0 ? 100.0 : scale));
        elapsed = time_calls(t, calls);
    }
    settle(t->settle_ms);
    size_t repeats = (size_t)(ROW_BUDGET_NS / elapsed);
    repeats = repeats < MIN_REPEATS ? MIN_REPEATS
              : repeats > BENCH_MAX_REPEATS ? BENCH_MAX_REPEATS
                                            : repeats;
    t->calls = calls;
    t->repeats = repeats | 1; /* odd, so that the median is one sample */
}

void bench_measure(bench_timed_row *rows, size_t count) {
    size_t most = 0;
    for (size_t i = 0; i < count; i++) {
        calibrate(&rows[i]);
        most = rows[i].repeats > most ? rows[i].repeats : most;
    }
    for (size_t r = 0; r < most; r++) {
        for (size_t i = 0; i < count; i++) {
            bench_timed_row *t = &rows[i];
            if (r < t->repeats) {
                /* One untimed call first, so that every timed call follows
                 * one of its own kind (hot): the settle before it let the
                 * workers park and other rows' data fill the caches. */
                t->row->run(&t->job, 1);
                t->per_call_ns[r] = time_calls(t, t->calls) / (double)t->calls;
                settle(t->settle_ms);
            }
        }
    }
    for (size_t i = 0; i < count; i++) {
        bench_timed_row *t = &rows[i];
        qsort(t->per_call_ns, t->repeats, sizeof t->per_call_ns[0], by_value);
        t->median_ns = t->per_call_ns[t->repeats / 2];
    }
}
