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
    double ratio_to_copy; /* gbps / the better of memcpy and stream_copy here; 0 if unknown */
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

/* Fills ratio_to_copy for every result. */
void bench_results_set_ratios(bench_results *list);

#endif /* BENCH_RESULT_H */
