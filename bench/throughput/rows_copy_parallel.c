/* SPDX-License-Identifier: MIT */
/* The copies on N threads, N = the library's default thread count: memcpy
 * and the streaming copy, the bytes split in N 64-byte-aligned parts, one
 * OpenMP parallel region per call. Regions run back to back within a repeat,
 * so libgomp's workers are spinning, not asleep, when the next call starts:
 * the copy is dispatched hot, as the library's pool is meant to be. */
#include <omp.h>
#include <stdio.h>
#include <string.h>

#include "copy.h"
#include "default_threads.h"
#include "row.h"

/* Thread t's share of `bytes`: whole 64-byte blocks, the last part takes
 * the rest. */
static void part_of(size_t bytes, int t, int threads, size_t *start, size_t *length) {
    size_t blocks = bytes / 64, per = blocks / (size_t)threads, extra = blocks % (size_t)threads;
    size_t first = (size_t)t * per + ((size_t)t < extra ? (size_t)t : extra);
    size_t count = per + ((size_t)t < extra ? 1 : 0);
    *start = first * 64;
    *length = t == threads - 1 ? bytes - first * 64 : count * 64;
}

/* Each call one parallel region, each thread copying its part with `copy`. */
static void run_parallel(bench_job *job, size_t calls,
                         void (*copy)(void *dst, const void *src, size_t bytes)) {
    size_t bytes = job->n * bench_dtype_size(job->dtype);
    char *y = job->y;
    const char *x = job->x;
    int threads = bench_default_threads();
    for (size_t c = 0; c < calls; c++) {
#pragma omp parallel num_threads(threads)
        {
            size_t start, length;
            part_of(bytes, omp_get_thread_num(), omp_get_num_threads(), &start, &length);
            copy(y + start, x + start, length);
        }
        __asm__ volatile("" : : "r"(job->y) : "memory");
    }
}

static void plain_copy(void *dst, const void *src, size_t bytes) {
    memcpy(dst, src, bytes);
}

static void run_memcpy_parallel(bench_job *job, size_t calls) {
    run_parallel(job, calls, plain_copy);
}

static void run_stream_copy_parallel(bench_job *job, size_t calls) {
    run_parallel(job, calls, bench_stream_copy);
}

static const char *threads(void) {
    static char text[16];
    snprintf(text, sizeof text, "%d", bench_default_threads());
    return text;
}

static void describe(char *out, size_t size) {
    snprintf(out, size,
             "parallel copies: %d OpenMP threads (the library's default count: CRELU_NUM_THREADS, "
             "else the CPUs in the affinity mask), a parallel region per call",
             bench_default_threads());
}

static const bench_row rows[] = {
    {.what = "memcpy_mt", .label = "memcpyN", .threads = NULL,
     .arrays_moved = 2, .moves_mask = 0, .output = BENCH_WRITES_Y_COPY,
     .run = run_memcpy_parallel},
    {.what = "stream_copy_mt", .label = "streamN", .threads = NULL,
     .arrays_moved = 2, .moves_mask = 0, .output = BENCH_WRITES_Y_COPY,
     .run = run_stream_copy_parallel},
};

const bench_row_group bench_parallel_copy_rows = {
    .name = "parallel copies",
    .rows = rows,
    .count = sizeof rows / sizeof rows[0],
    .threads = threads,
    .describe = describe,
    /* libgomp's workers spin after each region (as after oneDNN's calls). */
    .settle_ms = 10,
};
