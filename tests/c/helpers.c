/* SPDX-License-Identifier: MIT */
#include "helpers.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "half_oracle.h"

#define POISON_BYTE 0xA5 /* 0xA5A5A5A5 is a negative float, no special value */
#define GUARD_BYTES 64

/* ---- the dtype descriptors ---- */

#define DEFINE_DTYPE(T, SFX, CODE)                                                             \
    static int forward_##SFX(crelu_ctx *ctx, const void *x, void *y, size_t n) {              \
        return crelu_forward_##SFX(ctx, x, y, n);                                             \
    }                                                                                         \
    static int backward_##SFX(crelu_ctx *ctx, const void *dy, void *dx, size_t n) {           \
        return crelu_backward_##SFX(ctx, dy, dx, n);                                          \
    }                                                                                         \
    static int relu_##SFX(const void *x, void *y, size_t n) {                                 \
        return crelu_relu_##SFX(x, y, n);                                                     \
    }                                                                                         \
    static int relu_backward_##SFX(const void *x, const void *dy, void *dx, size_t n) {       \
        return crelu_relu_backward_##SFX(x, dy, dx, n);                                       \
    }                                                                                         \
    static void ref_forward_##SFX(const crelu__op *op, const void *x, void *y, size_t n) {    \
        crelu__kernels_reference.dtypes[CODE].forward(op, x, y, NULL, n, 0);                         \
    }                                                                                         \
    static void ref_forward_mask_##SFX(const crelu__op *op, const void *x, void *y,           \
                                       unsigned char *mask, size_t n) {                       \
        crelu__kernels_reference.dtypes[CODE].forward_mask(op, x, y, mask, n, 0);                       \
    }                                                                                         \
    static void ref_backward_x_##SFX(const crelu__op *op, const void *x, const void *dy,      \
                                     void *dx, size_t n) {                                    \
        crelu__kernels_reference.dtypes[CODE].backward_x(op, x, dy, dx, n, 0);                          \
    }                                                                                         \
    static void ref_backward_mask_##SFX(const crelu__op *op, const unsigned char *mask,       \
                                        const void *dy, void *dx, size_t n) {                 \
        crelu__kernels_reference.dtypes[CODE].backward_mask(op, mask, dy, dx, n, 0);                    \
    }                                                                                         \
    const dtype_api test_##SFX = {#SFX,                                                      \
                                  sizeof(T),                                                  \
                                  CODE,                                                       \
                                  forward_##SFX,                                              \
                                  backward_##SFX,                                             \
                                  relu_##SFX,                                                 \
                                  relu_backward_##SFX,                                        \
                                  ref_forward_##SFX,                                          \
                                  ref_forward_mask_##SFX,                                     \
                                  ref_backward_x_##SFX,                                       \
                                  ref_backward_mask_##SFX};

DEFINE_DTYPE(float, f32, CRELU__F32)
DEFINE_DTYPE(double, f64, CRELU__F64)
DEFINE_DTYPE(uint16_t, bf16, CRELU__BF16)
DEFINE_DTYPE(uint16_t, f16, CRELU__F16)

const dtype_api *const test_dtypes[2] = {&test_f32, &test_f64};
const dtype_api *const test_half_dtypes[2] = {&test_bf16, &test_f16};
const dtype_api *const test_every_dtype[TEST_DTYPE_COUNT] = {&test_f32, &test_f64, &test_bf16,
                                                              &test_f16};

/* ---- configurations ---- */

const test_config test_configs[] = {
    {"relu/pytorch", CRELU_GRAD_PYTORCH, 0.0, INFINITY},
    {"relu/cs231n", CRELU_GRAD_CS231N, 0.0, INFINITY},
    {"leaky 0.1/pytorch", CRELU_GRAD_PYTORCH, 0.1, INFINITY},
    {"leaky 0.1/cs231n", CRELU_GRAD_CS231N, 0.1, INFINITY},
    {"leaky -2.5/pytorch", CRELU_GRAD_PYTORCH, -2.5, INFINITY},
    {"leaky -2.5/cs231n", CRELU_GRAD_CS231N, -2.5, INFINITY},
    {"relu6/pytorch", CRELU_GRAD_PYTORCH, 0.0, 6.0},
    {"relu6/cs231n", CRELU_GRAD_CS231N, 0.0, 6.0},
    {"clip 0.1/pytorch", CRELU_GRAD_PYTORCH, 0.0, 0.1},
    {"clip 0.1/cs231n", CRELU_GRAD_CS231N, 0.0, 0.1},
};
const size_t test_config_count = sizeof test_configs / sizeof test_configs[0];

void apply_config(crelu_ctx *ctx, const test_config *config, int save) {
    /* Reset slope and cap first: setting one while the other is active is
     * (rightly) rejected. */
    cr_assert_eq(crelu_set_negative_slope(ctx, 0.0), CRELU_OK);
    cr_assert_eq(crelu_set_max_value(ctx, INFINITY), CRELU_OK);
    cr_assert_eq(crelu_set_negative_slope(ctx, config->slope), CRELU_OK, "%s", config->name);
    cr_assert_eq(crelu_set_max_value(ctx, config->cap), CRELU_OK, "%s", config->name);
    cr_assert_eq(crelu_set_grad_rule(ctx, config->rule), CRELU_OK);
    cr_assert_eq(crelu_set_save(ctx, save), CRELU_OK);
}

crelu__op op_of(const test_config *config) {
    return crelu__op_make(config->rule, config->slope, config->cap);
}

/* ---- inputs ---- */

static uint64_t splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static const uint32_t special_f32[] = {
    0x00000000, 0x80000000,             /* +0, -0 */
    0x7f800000, 0xff800000,             /* +inf, -inf */
    0x7fc00000, 0xffc00000, 0x7fc12345, /* quiet NaNs, one with a payload */
    0x7fa00001, 0xffa00001, 0x7f800001, /* signalling NaNs with payloads */
    0x00000001, 0x80000001, 0x007fffff, 0x807fffff, /* subnormals */
    0x00800000, 0x80800000,             /* smallest normals */
    0x7f7fffff, 0xff7fffff,             /* largest finite */
    0x3f800000, 0xbf800000,             /* +1, -1 */
};

static const uint64_t special_f64[] = {
    0x0000000000000000u, 0x8000000000000000u, 0x7ff0000000000000u, 0xfff0000000000000u,
    0x7ff8000000000000u, 0xfff8000000000000u, 0x7ff800000000beefu, 0x7ff4000000000001u,
    0xfff4000000000001u, 0x7ff0000000000001u, 0x0000000000000001u, 0x8000000000000001u,
    0x000fffffffffffffu, 0x800fffffffffffffu, 0x0010000000000000u, 0x8010000000000000u,
    0x7fefffffffffffffu, 0xffefffffffffffffu, 0x3ff0000000000000u, 0xbff0000000000000u,
};

/* The same kinds, in the two 16-bit formats. */
static const uint16_t special_bf16[] = {
    0x0000, 0x8000, 0x7f80, 0xff80,         /* zeros, infinities */
    0x7fc0, 0xffc0, 0x7fc1, 0xffff,         /* quiet NaNs, with payloads */
    0x7fa0, 0xffa1, 0x7f81,                 /* signalling NaNs */
    0x0001, 0x8001, 0x007f, 0x807f,         /* subnormals */
    0x0080, 0x8080, 0x7f7f, 0xff7f,         /* smallest normals, largest finite */
    0x3f80, 0xbf80,                         /* +1, -1 */
};

static const uint16_t special_f16[] = {
    0x0000, 0x8000, 0x7c00, 0xfc00,         /* zeros, infinities */
    0x7e00, 0xfe00, 0x7e55, 0xffff,         /* quiet NaNs, with payloads */
    0x7d00, 0xfd01, 0x7c01,                 /* signalling NaNs */
    0x0001, 0x8001, 0x03ff, 0x83ff,         /* subnormals */
    0x0400, 0x8400, 0x7bff, 0xfbff,         /* smallest normals, largest finite */
    0x3c00, 0xbc00,                         /* +1, -1 */
};

/* The caps of test_configs and their neighbours, where the clipped rules turn. */
static const double cap_values[] = {6.0, 0.1};

static void put_value(const dtype_api *t, void *buf, size_t i, uint64_t *rng) {
    uint64_t r = splitmix64(rng);
    unsigned choice = (unsigned)(r % 8);
    if (t->size == sizeof(uint16_t)) {
        const int bf16 = t->code == CRELU__BF16;
        const uint16_t *special = bf16 ? special_bf16 : special_f16;
        const size_t specials = bf16 ? sizeof special_bf16 / sizeof special_bf16[0]
                                     : sizeof special_f16 / sizeof special_f16[0];
        uint16_t bits = (uint16_t)(r >> 48);
        if (choice < 3) {
            bits = special[(r >> 8) % specials];
        } else if (choice == 3) { /* the pattern nearest a cap, or a neighbour */
            const float cap = (float)cap_values[(r >> 8) % 2];
            uint32_t cap_bits;
            memcpy(&cap_bits, &cap, sizeof cap_bits);
            bits = bf16 ? oracle_bf16_narrow(cap_bits) : oracle_f16_narrow(cap_bits);
            bits = (uint16_t)(bits + (int)((r >> 16) % 3) - 1);
        }
        ((uint16_t *)buf)[i] = bits;
    } else if (t->size == sizeof(float)) {
        float v;
        uint32_t bits = (uint32_t)(r >> 32);
        if (choice < 3) { /* special value */
            bits = special_f32[(r >> 8) % (sizeof special_f32 / sizeof special_f32[0])];
            memcpy(&v, &bits, sizeof v);
        } else if (choice == 3) { /* at or next to a cap */
            float cap = (float)cap_values[(r >> 8) % 2];
            int step = (int)((r >> 16) % 3) - 1;
            v = step == 0 ? cap : nextafterf(cap, step < 0 ? 0.0f : INFINITY);
        } else {
            memcpy(&v, &bits, sizeof v);
        }
        ((float *)buf)[i] = v;
    } else {
        double v;
        uint64_t bits = splitmix64(rng);
        if (choice < 3) {
            bits = special_f64[(r >> 8) % (sizeof special_f64 / sizeof special_f64[0])];
            memcpy(&v, &bits, sizeof v);
        } else if (choice == 3) {
            double cap = cap_values[(r >> 8) % 2];
            int step = (int)((r >> 16) % 3) - 1;
            v = step == 0 ? cap : nextafter(cap, step < 0 ? 0.0 : INFINITY);
        } else {
            memcpy(&v, &bits, sizeof v);
        }
        ((double *)buf)[i] = v;
    }
}

void fill_inputs(const dtype_api *t, void *buf, size_t n, uint64_t seed) {
    uint64_t rng = seed * 0x100000001B3u + n;
    for (size_t i = 0; i < n; i++) {
        put_value(t, buf, i, &rng);
    }
}

/* ---- guarded buffers ---- */

guarded guarded_make(const dtype_api *t, size_t n, size_t misalign) {
    guarded g;
    g.bytes = n * t->size;
    g.block_bytes = GUARD_BYTES + misalign * t->size + g.bytes + GUARD_BYTES;
    g.block = aligned_alloc(64, (g.block_bytes + 63) / 64 * 64);
    cr_assert_not_null(g.block);
    memset(g.block, POISON_BYTE, g.block_bytes);
    g.data = g.block + GUARD_BYTES + misalign * t->size;
    return g;
}

void guarded_free(guarded *g) {
    free(g->block);
    g->block = NULL;
}

void guarded_poison(guarded *g) {
    memset(g->data, POISON_BYTE, g->bytes);
}

void guarded_check(const guarded *g, const char *context) {
    const unsigned char *data = g->data;
    for (const unsigned char *p = g->block; p < data; p++) {
        cr_assert_eq(*p, POISON_BYTE, "%s: wrote %td bytes before the buffer", context,
                     data - p);
    }
    for (const unsigned char *p = data + g->bytes; p < g->block + g->block_bytes; p++) {
        cr_assert_eq(*p, POISON_BYTE, "%s: wrote byte %td past the end of the buffer", context,
                     p - (data + g->bytes));
    }
}

void assert_same_bits(const dtype_api *t, const void *got, const void *want, size_t n,
                      const char *context) {
    if (memcmp(got, want, n * t->size) == 0) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const unsigned char *g = (const unsigned char *)got + i * t->size;
        const unsigned char *w = (const unsigned char *)want + i * t->size;
        if (memcmp(g, w, t->size) != 0) {
            uint64_t gb = 0, wb = 0;
            memcpy(&gb, g, t->size);
            memcpy(&wb, w, t->size);
            cr_assert_fail("%s [%s, n=%zu]: element %zu is 0x%016llx, reference gives 0x%016llx",
                           context, t->name, n, i, (unsigned long long)gb,
                           (unsigned long long)wb);
        }
    }
}

size_t misalignments(const dtype_api *t) {
    return t->size == sizeof(uint16_t) ? 16 : 64 / t->size;
}

void assert_runs_on_crelu_isa(void) {
    const char *wanted = getenv("CRELU_ISA");
    if (wanted == NULL) {
        return;
    }
    int runnable = strcmp(wanted, "scalar") == 0 || strcmp(wanted, "portable") == 0;
#if defined(__x86_64__)
    runnable = runnable || strcmp(wanted, "sse2") == 0 ||
               (strcmp(wanted, "avx2") == 0 && __builtin_cpu_supports("avx2")) ||
               (strcmp(wanted, "avx512") == 0 && __builtin_cpu_supports("avx512f"));
#elif defined(__aarch64__)
    runnable = runnable || strcmp(wanted, "neon") == 0;
#endif
    if (runnable) {
        cr_assert_str_eq(crelu_isa_name(), wanted);
    }
}
