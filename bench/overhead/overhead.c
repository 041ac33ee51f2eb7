/* Per-call cost of a forward pass on 1,024 float32 elements through the C
 * API: the baseline the bindings' overhead scripts are compared with
 * (bench/binding_overhead.py).
 *
 * Prints tab-separated lines: language, what, median ns per call over 21
 * repeats of a timed loop. It reports; it asserts nothing. */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "crelu.h"

enum { COUNT = 1024, REPEATS = 21, CALLS = 20000 };

typedef int (*forward_call)(crelu_ctx *ctx, const float *x, float *y);

static int context_forward(crelu_ctx *ctx, const float *x, float *y) {
    return crelu_forward_f32(ctx, x, y, COUNT);
}

static int stateless_forward(crelu_ctx *ctx, const float *x, float *y) {
    (void)ctx;
    return crelu_relu_f32(x, y, COUNT);
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

static double median_ns_per_call(forward_call call, crelu_ctx *ctx, const float *x, float *y) {
    double per_call[REPEATS];
    for (int i = 0; i < CALLS; i++) { /* warm-up */
        call(ctx, x, y);
    }
    for (int r = 0; r < REPEATS; r++) {
        double start = now_ns();
        for (int i = 0; i < CALLS; i++) {
            if (call(ctx, x, y) != CRELU_OK) {
                fprintf(stderr, "crelu-overhead: forward failed\n");
                exit(1);
            }
        }
        per_call[r] = (now_ns() - start) / CALLS;
    }
    qsort(per_call, REPEATS, sizeof per_call[0], by_value);
    return per_call[REPEATS / 2];
}

int main(void) {
    static float x[COUNT], y[COUNT];
    for (int i = 0; i < COUNT; i++) {
        x[i] = (float)(i % 7) - 3.0f;
    }
    crelu_ctx *ctx;
    if (crelu_create(&ctx) != CRELU_OK) {
        fprintf(stderr, "crelu-overhead: crelu_create failed\n");
        return 1;
    }
    printf("c\tcrelu_forward_f32(ctx, x, y, n)\t%.1f\n", median_ns_per_call(context_forward, ctx, x, y));
    printf("c\tcrelu_relu_f32(x, y, n) stateless\t%.1f\n", median_ns_per_call(stateless_forward, ctx, x, y));
    crelu_destroy(ctx);
    return 0;
}
