/* SPDX-License-Identifier: MIT */
/* "Alongside OpenMP": libcrelu in a process that also runs an OpenMP
 * library. A loop of pairs (oneDNN forward, then crelu_relu_f32 with
 * automatic threads) is timed against a loop of pairs (oneDNN forward, then
 * oneDNN forward), with nothing between the calls: libgomp's workers are
 * still spinning when the second call starts, and the pool's workers may be
 * when the next pair's oneDNN call starts. That is what a user sees, so the
 * pair is the measure, not either call alone. f32 only (oneDNN 2.6). */
#ifndef BENCH_ALONGSIDE_H
#define BENCH_ALONGSIDE_H

#include <stdio.h>

#include "result.h"
#include "row.h"

/* One kind of pair: medians over every timed pair of the run. */
typedef struct bench_pairs {
    const char *second;   /* what the second call is: "crelu" or "oneDNN" */
    double first_ns;      /* the oneDNN forward that opens the pair */
    double second_ns;     /* the call after it */
    double pair_ns;       /* both (the median of the sums, not the sum of the medians) */
    size_t pairs;         /* how many were timed */
    int failed;           /* a call failed or wrote a wrong result */
} bench_pairs;

typedef struct bench_alongside {
    size_t n;
    const char *absent;   /* why it was not measured, or NULL */
    bench_pairs with_crelu, with_onednn;
} bench_alongside;

/* Measures both kinds of pair at base.n (f32; base's buffers). Fills `out`;
 * out->absent says why when it could not run. */
void bench_measure_alongside(bench_job base, bench_alongside *out);

/* The pairs, and under them the sweep's median of onednn_forward alone at
 * the same n (from `results`), to tell a neighbour's effect from a stall
 * of the whole machine. */
void bench_print_alongside(FILE *out, const bench_alongside *list, size_t count,
                           const bench_results *results);

#endif /* BENCH_ALONGSIDE_H */
