/* SPDX-License-Identifier: MIT */
/* One measured row at one size and dtype, and the list of them. */
#ifndef BENCH_RESULT_H
#define BENCH_RESULT_H

#include <stddef.h>

#include "row.h"

typedef struct bench_result {
    bench_dtype dtype;
    size_t n;
    const char *what;
    const char *label;
    const char *threads;
    double median_ns;   /* per call */
    double gbps;        /* bytes per call / median_ns */
    double ratio_to_copy; /* gbps / the copy ceiling's gbps at this dtype and n; 0 if unknown */
    int failed;         /* a call returned an error, or the output was wrong */
} bench_result;

typedef struct bench_results {
    bench_result *items;
    size_t count, capacity;
} bench_results;

/* 0 on success, -1 out of memory. */
int bench_results_add(bench_results *list, bench_result result);

/* The row `what` at (dtype, n), or NULL if it was not measured. */
const bench_result *bench_results_find(const bench_results *list, bench_dtype dtype, size_t n,
                                       const char *what);

/* The copy ceiling: the best of `memcpy`, `stream_copy` and `vector_copy`
 * (one thread), `memcpy_mt` and `stream_copy_mt` (the library's default
 * thread count). Issue 10 names three of them; the other two are in too,
 * since a ceiling below a copy that was measured would flatter every ratio
 * (the streaming copy wins when a busy machine delays the parallel copies'
 * threads; the vector loop beats memcpy in L1). */
#define BENCH_CEILING_WHAT "copy_ceiling"

/* 1 when `what` is one of the copies the ceiling is the best of. */
int bench_is_ceiling_copy(const char *what);

/* Adds the copy ceiling at (dtype, n) as a result of its own: the GB/s,
 * time and threads of the fastest of the five copies. Nothing is added
 * unless all five were measured and correct (a ceiling from fewer would
 * flatter every ratio). 0 on success, -1 out of memory. */
int bench_results_add_ceiling(bench_results *list, bench_dtype dtype, size_t n);

/* Fills ratio_to_copy for every result: its GB/s over the copy ceiling's
 * at the same dtype and n, 0 where there is no ceiling. */
void bench_results_set_ratios(bench_results *list);

#endif /* BENCH_RESULT_H */
