/* SPDX-License-Identifier: MIT */
/* Per-call cost of libcrelu's float32 calls through the C API, on 16 and
 * 1,024 elements: the baseline the bindings' overhead scripts are compared
 * with (bench/binding_overhead.py).
 *
 * Prints one tab-separated line per measurement (bench/README.md, "Binding
 * overhead"): language, key, description, median ns per call over 21 repeats
 * of a timed loop of about 10 ms. It reports; it asserts nothing. */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "crelu.h"

enum { MAX_COUNT = 1024, REPEATS = 21 };
static const double LOOP_NS = 10e6;

typedef int (*relu_call)(crelu_ctx *ctx, const float *x, float *y, size_t n);

static int context_forward(crelu_ctx *ctx, const float *x, float *y, size_t n) {
    return crelu_forward_f32(ctx, x, y, n);
}

static int stateless_forward(crelu_ctx *ctx, const float *x, float *y, size_t n) {
    (void)ctx;
    return crelu_relu_f32(x, y, n);
}

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double time_loop(relu_call call, crelu_ctx *ctx, const float *x, float *y, size_t n,
                        long calls) {
    double start = now_ns();
    for (long i = 0; i < calls; i++) {
        if (call(ctx, x, y, n) != CRELU_OK) {
            fprintf(stderr, "crelu-overhead: a call failed\n");
            exit(1);
        }
    }
    return now_ns() - start;
}

/* The same scheme as the Python and Lua scripts: calibrate a loop to about
 * LOOP_NS (which also warms up), then the median of REPEATS such loops. */
static double median_ns_per_call(relu_call call, crelu_ctx *ctx, const float *x, float *y,
                                 size_t n) {
    long calls = 1000;
    double elapsed;
    while ((elapsed = time_loop(call, ctx, x, y, n, calls)) < LOOP_NS / 10) {
        calls *= 10;
    }
    calls = (long)((double)calls * LOOP_NS / elapsed) + 1;
    double per_call[REPEATS];
    for (int r = 0; r < REPEATS; r++) {
        per_call[r] = time_loop(call, ctx, x, y, n, calls) / (double)calls;
    }
    qsort(per_call, REPEATS, sizeof per_call[0], by_value);
    return per_call[REPEATS / 2];
}

int main(void) {
    /* On 64-byte boundaries, as the Lua binding's arrays are: the C call at
     * its best is the baseline (arrays at 32 mod 64 cost it ~10 ns at 1,024,
     * which flattered every binding's ratio). */
    static _Alignas(64) float x[MAX_COUNT], y[MAX_COUNT];
    for (int i = 0; i < MAX_COUNT; i++) {
        x[i] = (float)(i % 7) - 3.0f;
    }
    crelu_ctx *ctx;
    if (crelu_create(&ctx) != CRELU_OK) {
        fprintf(stderr, "crelu-overhead: crelu_create failed\n");
        return 1;
    }
    static const size_t counts[] = {16, MAX_COUNT};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        size_t n = counts[i];
        printf("c\tc.forward.%zu\tcrelu_forward_f32(ctx, x, y, %zu)\t%.1f\n", n, n,
               median_ns_per_call(context_forward, ctx, x, y, n));
        printf("c\tc.relu.%zu\tcrelu_relu_f32(x, y, %zu) stateless\t%.1f\n", n, n,
               median_ns_per_call(stateless_forward, ctx, x, y, n));
        fflush(stdout);
    }
    crelu_destroy(ctx);
    return 0;
}
