/* SPDX-License-Identifier: MIT */
/* The benchmark's buffers: allocation, random inputs, and checking what a
 * row wrote. */
#ifndef BENCH_DATA_H
#define BENCH_DATA_H

#include <stddef.h>

#include "row.h"

typedef struct bench_buffers {
    void *x, *dy, *y, *dx; /* 64-byte aligned, room for max_n doubles */
    size_t max_n;
} bench_buffers;

/* Allocates the four buffers and touches every page. 0 on success. */
int bench_buffers_alloc(bench_buffers *b, size_t max_n);
void bench_buffers_free(bench_buffers *b);

/* x and dy: uniform in [-1, 1) from a fixed seed, so about half negative;
 * bfloat16 and float16 get those values as float32 narrowed once. */
void bench_fill_inputs(const bench_buffers *b, bench_dtype dtype);

/* Fills the row's output (n elements) with NaN, so that a row that skips
 * elements fails its check. */
void bench_poison_output(const bench_job *job, bench_output output);

/* Checks the row's output against relu, relu' or a copy, by value (oneDNN
 * writes -0.0 for negative x; the library's bit-exactness is the test
 * suite's job). Returns the index of the first wrong element, or n. */
size_t bench_check_output(const bench_job *job, bench_output output);

#endif /* BENCH_DATA_H */
