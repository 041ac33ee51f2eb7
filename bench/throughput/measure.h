/* SPDX-License-Identifier: MIT */
/* Timing the rows of one size: calls per repeat so that a repeat lasts at
 * least ~2 ms, repeats within a per-row time budget, median per call. The
 * repeats of all rows are interleaved, so that the load of a shared machine
 * falls on every row alike and their ratios stay fair. Every row is timed
 * hot: a repeat is one untimed call, then its timed calls back to back. */
#ifndef BENCH_MEASURE_H
#define BENCH_MEASURE_H

#include <stddef.h>

#include "row.h"

enum { BENCH_MAX_REPEATS = 31 };

typedef struct bench_timed_row {
    const bench_row *row;
    bench_job job;          /* set up by the caller */
    unsigned settle_ms;     /* idle time after each repeat (see bench_row_group) */
    size_t calls;           /* per repeat */
    size_t repeats;
    double per_call_ns[BENCH_MAX_REPEATS];
    double median_ns;
} bench_timed_row;

/* Warms each row up and finds its calls per repeat, then runs the repeats
 * of all rows round-robin and fills calls, repeats and median_ns. */
void bench_measure(bench_timed_row *rows, size_t count);

#endif /* BENCH_MEASURE_H */
