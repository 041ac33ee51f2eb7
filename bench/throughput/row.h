/* SPDX-License-Identifier: MIT */
/* What one row of the benchmark is: a name, a thread count, how many bytes a
 * call moves, and a function that makes `calls` calls. Each group of rows
 * (libcrelu, copies, parallel copies, naive loops, oneDNN) lives in its own
 * file and exports a table of these. */
#ifndef BENCH_ROW_H
#define BENCH_ROW_H

#include <stddef.h>

/* bfloat16 and float16 travel as their bit patterns (uint16_t), as in the
 * library's API. */
typedef enum bench_dtype { BENCH_F32, BENCH_F64, BENCH_BF16, BENCH_F16 } bench_dtype;
enum { BENCH_DTYPE_COUNT = 4 };

/* What a row writes, so that the benchmark can check it after timing. */
typedef enum bench_output {
    BENCH_WRITES_Y_RELU,   /* y = relu(x) */
    BENCH_WRITES_Y_COPY,   /* y = x */
    BENCH_WRITES_DX_RELU,  /* dx = x > 0 ? dy : 0 */
} bench_output;

/* The run of one row at one size. The buffers hold at least n elements of
 * the dtype, are 64-byte aligned and already touched; x and dy are random
 * with about half negative. */
typedef struct bench_job {
    bench_dtype dtype;
    size_t n;
    const void *x, *dy;
    void *y, *dx;
    void *state;   /* the row's own, made by setup: a context, primitives */
    int status;    /* non-zero once a call has failed */
} bench_job;

typedef struct bench_row {
    const char *what;      /* the CSV's name for it */
    const char *label;     /* a column heading of at most 7 characters */
    /* Threads as written in the table: "auto" when the library chooses;
     * NULL to take the group's. */
    const char *threads;
    size_t arrays_moved;   /* bytes per call = arrays_moved * n * size ... */
    int moves_mask;        /* ... + ceil(n / 8) when 1 */
    bench_output output;
    /* Optional. Returns 0 when the row can run at this dtype and size, or a
     * reason it cannot ("f64 unimplemented"), and the row is left out. */
    const char *(*setup)(bench_job *job);
    void (*run)(bench_job *job, size_t calls);
    void (*teardown)(bench_job *job); /* optional */
} bench_row;

typedef struct bench_row_group {
    const char *name;
    const bench_row *rows;
    size_t count;
    /* Optional: the thread count of rows whose own is NULL, as text. */
    const char *(*threads)(void);
    /* Optional: one line on what the group measures (versions, threads). */
    void (*describe)(char *out, size_t size);
    /* Idle time after each timed repeat of the group's rows, so that worker
     * threads that spin after a call (OpenMP's) are asleep before the next
     * row runs, and do not take the second core from it. */
    unsigned settle_ms;
} bench_row_group;

static inline size_t bench_dtype_size(bench_dtype dtype) {
    return dtype == BENCH_F32 ? sizeof(float) : dtype == BENCH_F64 ? sizeof(double) : 2;
}

/* k for n = 2^k (the sizes are powers of two), as tables print them. */
static inline int bench_log2(size_t n) {
    int k = 0;
    while (n > 1) {
        n >>= 1;
        k++;
    }
    return k;
}

static inline const char *bench_dtype_name(bench_dtype dtype) {
    static const char *const names[BENCH_DTYPE_COUNT] = {"f32", "f64", "bf16", "f16"};
    return names[dtype];
}

/* The groups, each defined in its own file. */
extern const bench_row_group bench_crelu_rows;
extern const bench_row_group bench_copy_rows;
extern const bench_row_group bench_naive_rows;
#ifdef CRELU_BENCH_OPENMP
extern const bench_row_group bench_parallel_copy_rows;
#endif
#ifdef CRELU_BENCH_ONEDNN
extern const bench_row_group bench_onednn_rows;
#endif

#endif /* BENCH_ROW_H */
