/* SPDX-License-Identifier: MIT */
/* The loop a user would write instead of calling the library, compiled into
 * the benchmark with its flags and inlined into the timed loop: the
 * "inlined loop" the small-n acceptance items compare against. */
#include "row.h"

static inline void naive_forward_f32(const float *x, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) {
        y[i] = x[i] > 0 ? x[i] : 0;
    }
}

static inline void naive_forward_f64(const double *x, double *y, size_t n) {
    for (size_t i = 0; i < n; i++) {
        y[i] = x[i] > 0 ? x[i] : 0;
    }
}

static inline void naive_backward_f32(const float *x, const float *dy, float *dx, size_t n) {
    for (size_t i = 0; i < n; i++) {
        dx[i] = x[i] > 0 ? dy[i] : 0;
    }
}

static inline void naive_backward_f64(const double *x, const double *dy, double *dx, size_t n) {
    for (size_t i = 0; i < n; i++) {
        dx[i] = x[i] > 0 ? dy[i] : 0;
    }
}

/* After each call: the output counts as read and memory as changed, so the
 * compiler can neither drop a call nor fuse several into one, as it could
 * not with a call into a library. */
#define BENCH_CLOBBER(p) __asm__ volatile("" : : "r"(p) : "memory")

static void run_naive_forward(bench_job *job, size_t calls) {
    if (job->dtype == BENCH_F32) {
        for (size_t c = 0; c < calls; c++) {
            naive_forward_f32(job->x, job->y, job->n);
            BENCH_CLOBBER(job->y);
        }
    } else {
        for (size_t c = 0; c < calls; c++) {
            naive_forward_f64(job->x, job->y, job->n);
            BENCH_CLOBBER(job->y);
        }
    }
}

static void run_naive_backward(bench_job *job, size_t calls) {
    if (job->dtype == BENCH_F32) {
        for (size_t c = 0; c < calls; c++) {
            naive_backward_f32(job->x, job->dy, job->dx, job->n);
            BENCH_CLOBBER(job->dx);
        }
    } else {
        for (size_t c = 0; c < calls; c++) {
            naive_backward_f64(job->x, job->dy, job->dx, job->n);
            BENCH_CLOBBER(job->dx);
        }
    }
}

/* The loops are float and double ones: C has no portable 16-bit float type
 * for a user to write the loop in. */
static const char *setup(bench_job *job) {
    return job->dtype == BENCH_F32 || job->dtype == BENCH_F64 ? NULL
                                                              : "no 16-bit float type in C";
}

static const bench_row rows[] = {
    {.what = "naive_forward", .label = "nv_fwd", .threads = "1",
     .arrays_moved = 2, .moves_mask = 0, .output = BENCH_WRITES_Y_RELU, .setup = setup,
     .run = run_naive_forward},
    {.what = "naive_backward", .label = "nv_bwd", .threads = "1",
     .arrays_moved = 3, .moves_mask = 0, .output = BENCH_WRITES_DX_RELU, .setup = setup,
     .run = run_naive_backward},
};

const bench_row_group bench_naive_rows = {
    .name = "naive loops",
    .rows = rows,
    .count = sizeof rows / sizeof rows[0],
};
