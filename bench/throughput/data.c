/* SPDX-License-Identifier: MIT */
#include "data.h"

#include "half.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const uint64_t SEED = 0x5eed2024u;

static uint64_t splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static double uniform_pm1(uint64_t *state) {
    return (double)(splitmix64(state) >> 11) * 0x1p-52 - 1.0;
}

int bench_buffers_alloc(bench_buffers *b, size_t max_n) {
    size_t bytes = (max_n * sizeof(double) + 63) / 64 * 64;
    b->max_n = max_n;
    b->x = aligned_alloc(64, bytes);
    b->dy = aligned_alloc(64, bytes);
    b->y = aligned_alloc(64, bytes);
    b->dx = aligned_alloc(64, bytes);
    if (b->x == NULL || b->dy == NULL || b->y == NULL || b->dx == NULL) {
        bench_buffers_free(b);
        return -1;
    }
    /* Page faults now, not in the first timed calls. */
    memset(b->x, 0, bytes);
    memset(b->dy, 0, bytes);
    memset(b->y, 0, bytes);
    memset(b->dx, 0, bytes);
    return 0;
}

void bench_buffers_free(bench_buffers *b) {
    free(b->x);
    free(b->dy);
    free(b->y);
    free(b->dx);
    *b = (bench_buffers){0};
}

void bench_fill_inputs(const bench_buffers *b, bench_dtype dtype) {
    uint64_t state = SEED;
    if (dtype == BENCH_BF16 || dtype == BENCH_F16) {
        /* The same float32 values, narrowed once. */
        uint16_t (*narrow)(float) = dtype == BENCH_BF16 ? bench_float_to_bf16 : bench_float_to_f16;
        uint16_t *x = b->x, *dy = b->dy;
        for (size_t i = 0; i < b->max_n; i++) {
            x[i] = narrow((float)uniform_pm1(&state));
            dy[i] = narrow((float)uniform_pm1(&state));
        }
    } else if (dtype == BENCH_F32) {
        float *x = b->x, *dy = b->dy;
        for (size_t i = 0; i < b->max_n; i++) {
            x[i] = (float)uniform_pm1(&state);
            dy[i] = (float)uniform_pm1(&state);
        }
    } else {
        double *x = b->x, *dy = b->dy;
        for (size_t i = 0; i < b->max_n; i++) {
            x[i] = uniform_pm1(&state);
            dy[i] = uniform_pm1(&state);
        }
    }
}

void bench_poison_output(const bench_job *job, bench_output output) {
    void *out = output == BENCH_WRITES_DX_RELU ? job->dx : job->y;
    /* All ones: a NaN in each of the four formats. */
    memset(out, 0xff, job->n * bench_dtype_size(job->dtype));
}

/* One loop per dtype and output kind; the expected value is written out
 * once, as a macro, so that they stay the same. `widen` reads an element as
 * a value (the 16-bit formats are stored as bit patterns). */
#define BENCH_FIRST_WRONG(type, value, widen, out, expected)            \
    do {                                                                \
        const type *x_ = job->x, *dy_ = job->dy, *out_ = (out);         \
        for (size_t i = 0; i < job->n; i++) {                           \
            value x = widen(x_[i]), dy = widen(dy_[i]);                 \
            (void)dy;                                                   \
            if (!(widen(out_[i]) == (expected))) return i;              \
        }                                                               \
        return job->n;                                                  \
    } while (0)

#define BENCH_AS_IS(v) (v)

/* The three outputs of one dtype. */
#define BENCH_CHECK(type, value, widen)                                                    \
    switch (output) {                                                                      \
    case BENCH_WRITES_Y_RELU: BENCH_FIRST_WRONG(type, value, widen, job->y, x > 0 ? x : 0); \
    case BENCH_WRITES_Y_COPY: BENCH_FIRST_WRONG(type, value, widen, job->y, x);             \
    case BENCH_WRITES_DX_RELU:                                                             \
        BENCH_FIRST_WRONG(type, value, widen, job->dx, x > 0 ? dy : 0);                    \
    }

size_t bench_check_output(const bench_job *job, bench_output output) {
    switch (job->dtype) {
    case BENCH_F32: BENCH_CHECK(float, float, BENCH_AS_IS); break;
    case BENCH_F64: BENCH_CHECK(double, double, BENCH_AS_IS); break;
    case BENCH_BF16: BENCH_CHECK(uint16_t, float, bench_bf16_to_float); break;
    case BENCH_F16: BENCH_CHECK(uint16_t, float, bench_f16_to_float); break;
    }
    return 0;
}
