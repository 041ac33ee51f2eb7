/* SPDX-License-Identifier: MIT */
/* Many application threads at once, each with its own context, while the
 * same threads also call the stateless functions: every result must be the
 * reference's. Written for ThreadSanitizer (.ci/tsan), which turns any
 * unsynchronised access in the library (the pool, the first-use picks of
 * kernels, tuning and thread count) into a failure; it runs in the normal
 * suite too.
 *
 * A plain program, not a Criterion suite: Criterion's runner cannot start
 * under ThreadSanitizer ("Could not initialize inheritable arena"). Hence
 * its own name pattern, too: .ci/valgrind-c-tests runs tests/c/test_*,
 * which it expects to be Criterion suites. Exits 0 when every result
 * matches, 1 otherwise.
 *
 * Usage: concurrency pool        big arrays, split thresholds shrunk
 *                                (white-box), so drivers contend for the pool
 *        concurrency first-use   small arrays, nothing called before the
 *                                drivers start: the first-use picks race */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crelu.h"
#include "crelu_internal.h"
#include "thread_count.h"

enum { DRIVERS = 8, ROUNDS = 4, POOL_N = 100003, FIRST_USE_N = 3001 };

/* Options a driver's context uses; the reference gets the same op. */
typedef struct options {
    int rule;
    double slope, cap;
} options;

static const options driver_options[] = {
    {CRELU_GRAD_PYTORCH, 0.0, INFINITY}, {CRELU_GRAD_CS231N, 0.0, INFINITY},
    {CRELU_GRAD_PYTORCH, 0.1, INFINITY}, {CRELU_GRAD_CS231N, -2.5, INFINITY},
    {CRELU_GRAD_PYTORCH, 0.0, 6.0},      {CRELU_GRAD_CS231N, 0.0, 0.1},
};
enum { OPTION_SETS = sizeof driver_options / sizeof driver_options[0] };

/* One dtype's inputs, outputs and reference results for one driver. */
typedef struct data {
    size_t size; /* bytes per element */
    void *x, *dy, *y, *dx;
    void *want_y, *want_dx;         /* the driver's context options */
    void *want_relu, *want_relu_dx; /* the stateless functions' plain ReLU */
} data;

typedef struct driver {
    const options *opt;
    int threads; /* the context's thread count */
    size_t n;
    data d[2]; /* float32, float64 */
    size_t errors, mismatches;
} driver;

static uint64_t next_random(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

/* Random values, with signed zeros, NaN and the clip caps mixed in. */
static void fill(data *d, void *buf, size_t n, uint64_t seed) {
    static const double specials[] = {0.0, -0.0, NAN, -1.0, 6.0, 0.1, INFINITY, -INFINITY};
    for (size_t i = 0; i < n; i++) {
        const uint64_t r = next_random(&seed);
        const double v = r % 4 == 0 ? specials[(r >> 8) % 8]
                                    : (double)(int64_t)(r >> 1) / (double)INT64_MAX * 10.0;
        if (d->size == sizeof(float)) {
            ((float *)buf)[i] = (float)v;
        } else {
            ((double *)buf)[i] = v;
        }
    }
}

static void *checked_malloc(size_t bytes) {
    void *p = malloc(bytes);
    if (p == NULL) {
        fprintf(stderr, "concurrency: out of memory\n");
        exit(1);
    }
    return p;
}

static void data_make(data *d, size_t size, const options *opt, size_t n, uint64_t seed) {
    d->size = size;
    void **all[] = {&d->x, &d->dy, &d->y, &d->dx, &d->want_y, &d->want_dx, &d->want_relu,
                    &d->want_relu_dx};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        *all[i] = checked_malloc(n * size);
    }
    fill(d, d->x, n, seed);
    fill(d, d->dy, n, seed + 1);
    const crelu__dtype_kernels *ref =
        &crelu__kernels_reference.dtypes[size == sizeof(float) ? CRELU__F32 : CRELU__F64];
    const crelu__op op = crelu__op_make(opt->rule, opt->slope, opt->cap);
    const crelu__op relu = crelu__op_make(CRELU_GRAD_PYTORCH, 0.0, INFINITY);
    ref->forward(&op, d->x, d->want_y, NULL, n, 0);
    ref->backward_x(&op, d->x, d->dy, d->want_dx, n, 0);
    ref->forward(&relu, d->x, d->want_relu, NULL, n, 0);
    ref->backward_x(&relu, d->x, d->dy, d->want_relu_dx, n, 0);
}

static void data_free(data *d) {
    void *all[] = {d->x, d->dy, d->y, d->dx, d->want_y, d->want_dx, d->want_relu,
                   d->want_relu_dx};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        free(all[i]);
    }
}

static void tally(driver *dr, int status, const void *got, const void *want, size_t bytes) {
    dr->errors += status != CRELU_OK;
    dr->mismatches += memcmp(got, want, bytes) != 0;
}

/* Every call of one dtype: context forward, stateless forward, context
 * backward, stateless backward, each output cleared first. */
static void calls_f32(driver *dr, crelu_ctx *ctx, data *d) {
    const size_t n = dr->n, bytes = n * sizeof(float);
    memset(d->y, 0, bytes);
    tally(dr, crelu_forward_f32(ctx, d->x, d->y, n), d->y, d->want_y, bytes);
    memset(d->dx, 0, bytes);
    tally(dr, crelu_relu_f32(d->x, d->dx, n), d->dx, d->want_relu, bytes);
    memset(d->dx, 0, bytes);
    tally(dr, crelu_backward_f32(ctx, d->dy, d->dx, n), d->dx, d->want_dx, bytes);
    memset(d->y, 0, bytes);
    tally(dr, crelu_relu_backward_f32(d->x, d->dy, d->y, n), d->y, d->want_relu_dx, bytes);
}

static void calls_f64(driver *dr, crelu_ctx *ctx, data *d) {
    const size_t n = dr->n, bytes = n * sizeof(double);
    memset(d->y, 0, bytes);
    tally(dr, crelu_forward_f64(ctx, d->x, d->y, n), d->y, d->want_y, bytes);
    memset(d->dx, 0, bytes);
    tally(dr, crelu_relu_f64(d->x, d->dx, n), d->dx, d->want_relu, bytes);
    memset(d->dx, 0, bytes);
    tally(dr, crelu_backward_f64(ctx, d->dy, d->dx, n), d->dx, d->want_dx, bytes);
    memset(d->y, 0, bytes);
    tally(dr, crelu_relu_backward_f64(d->x, d->dy, d->y, n), d->y, d->want_relu_dx, bytes);
}

/* A driver thread: its own context, created here; setters from the
 * defaults each time; both save modes and both dtypes. */
static void *drive(void *arg) {
    driver *dr = arg;
    crelu_ctx *ctx;
    if (crelu_create(&ctx) != CRELU_OK) {
        dr->errors++;
        return NULL;
    }
    for (int round = 0; round < ROUNDS; round++) {
        for (int save = CRELU_SAVE_X; save <= CRELU_SAVE_MASK; save++) {
            const int status =
                crelu_set_negative_slope(ctx, 0.0) | crelu_set_max_value(ctx, INFINITY) |
                crelu_set_negative_slope(ctx, dr->opt->slope) |
                crelu_set_max_value(ctx, dr->opt->cap) | crelu_set_grad_rule(ctx, dr->opt->rule) |
                crelu_set_save(ctx, save) | crelu_set_num_threads(ctx, dr->threads);
            dr->errors += status != CRELU_OK;
            calls_f32(dr, ctx, &dr->d[0]);
            calls_f64(dr, ctx, &dr->d[1]);
        }
    }
    crelu_destroy(ctx);
    return NULL;
}

static int run_drivers(size_t n) {
    static driver drivers[DRIVERS];
    pthread_t threads[DRIVERS];
    for (size_t i = 0; i < DRIVERS; i++) {
        driver *dr = &drivers[i];
        dr->opt = &driver_options[i % OPTION_SETS];
        dr->threads = (int)(i % 4); /* 0 = automatic (CRELU_NUM_THREADS), 1, 2, 3 */
        dr->n = n - i;              /* sizes differ, so pieces do too */
        data_make(&dr->d[0], sizeof(float), dr->opt, dr->n, 100 * i);
        data_make(&dr->d[1], sizeof(double), dr->opt, dr->n, 100 * i + 50);
    }
    for (size_t i = 0; i < DRIVERS; i++) {
        if (pthread_create(&threads[i], NULL, drive, &drivers[i]) != 0) {
            fprintf(stderr, "concurrency: cannot start driver %zu\n", i);
            return 1;
        }
    }
    int failed = 0;
    for (size_t i = 0; i < DRIVERS; i++) {
        pthread_join(threads[i], NULL);
        const driver *dr = &drivers[i];
        if (dr->errors != 0 || dr->mismatches != 0) {
            fprintf(stderr, "concurrency: driver %zu: %zu calls failed, %zu results differ\n", i,
                    dr->errors, dr->mismatches);
            failed = 1;
        }
        data_free(&drivers[i].d[0]);
        data_free(&drivers[i].d[1]);
    }
    return failed;
}

int main(int argc, char **argv) {
    /* The automatic count, for drivers with 0 and the stateless calls: set
     * before the first call reads it, so the pool is wanted even on one CPU. */
    setenv("CRELU_NUM_THREADS", "3", 1);
    int failed;
    if (argc == 2 && strcmp(argv[1], "pool") == 0) {
        /* Pieces of 64 KiB: every array here splits into several. */
        static const crelu__tuning tuning = {256 * 1024, 64 * 1024};
        crelu__tuning_override(&tuning);
        failed = run_drivers(POOL_N);
        /* The drivers are gone; the pool's workers stay: it was used. */
        if (thread_count() < 2) {
            fprintf(stderr, "concurrency: the pool never started a worker\n");
            failed = 1;
        }
    } else if (argc == 2 && strcmp(argv[1], "first-use") == 0) {
        failed = run_drivers(FIRST_USE_N);
    } else {
        fprintf(stderr, "usage: %s pool|first-use\n", argv[0]);
        return 2;
    }
    printf("concurrency %s: %d drivers x %d rounds, isa %s: %s\n", argv[1], DRIVERS, ROUNDS,
           crelu_isa_name(), failed ? "FAILED" : "all results match the reference");
    return failed;
}
