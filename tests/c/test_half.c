/* SPDX-License-Identifier: MIT */
/* The 16-bit reference kernels judged from outside: crelu.h's rule is the
 * float32 row on the exactly widened x (and dy), narrowed once,
 * round-to-nearest-even, except that the PyTorch-rule ReLU and clipped
 * backward select dy's bits. Here that rule is computed with the float32
 * reference kernels and the tests' own conversions (half_oracle.c, not the
 * library's half.h), for every one of the 65,536 patterns of x, paired with
 * every pattern of dy, in every row and rule, and compared with the bfloat16
 * and float16 reference kernels, bit for bit. The other tests compare every
 * table with those kernels; this is what makes them the right ones.
 * White-box (the reference kernels), hence static. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "half_oracle.h"
#include "helpers.h"

enum { N = 65536 };

/* One 16-bit dtype: its kernels, and the oracle's conversions for it. */
typedef struct half_row {
    const dtype_api *t;
    uint32_t (*widen)(uint16_t h);
    uint16_t (*narrow)(uint32_t f);
} half_row;

static const half_row rows[] = {
    {&test_bf16, oracle_bf16_widen, oracle_bf16_narrow},
    {&test_f16, oracle_f16_widen, oracle_f16_narrow},
};

typedef struct buffers {
    uint16_t x[N], dy[N], y[N], dx[N], want_y[N], want_dx[N];
    float x32[N], dy32[N], y32[N], dx32[N];
    unsigned char mask[N / 8], mask32[N / 8];
} buffers;

static int mask_bit(const unsigned char *mask, size_t i) {
    return (mask[i / 8] >> (i % 8)) & 1;
}

static void assert_same(const uint16_t *got, const uint16_t *want, const uint16_t *x,
                        const uint16_t *dy, const char *what) {
    for (size_t i = 0; i < N; i++) {
        cr_assert_eq(got[i], want[i],
                     "%s: x=0x%04x dy=0x%04x gives 0x%04x, the once-rounded float32 path 0x%04x",
                     what, x[i], dy[i], got[i], want[i]);
    }
}

static void every_pattern(const half_row *r) {
    const crelu__dtype_kernels *f32 = &crelu__kernels_reference.dtypes[CRELU__F32];
    const crelu__dtype_kernels *half = &crelu__kernels_reference.dtypes[r->t->code];
    buffers *b = malloc(sizeof *b);
    cr_assert_not_null(b);
    char what[128];
    for (size_t c = 0; c < test_config_count; c++) {
        const crelu__op op = op_of(&test_configs[c]);
        const int selects = op.rule == CRELU_GRAD_PYTORCH && op.variant != CRELU__LEAKY;
        /* x is every pattern; dy every pattern too, in an order (an odd
         * multiplier) that pairs it with another x in each row. */
        for (uint32_t i = 0; i < N; i++) {
            b->x[i] = (uint16_t)i;
            b->dy[i] = (uint16_t)(i * (40503u + 2u * c) + 977u * c);
            uint32_t bits = r->widen(b->x[i]);
            memcpy(&b->x32[i], &bits, sizeof bits);
            bits = r->widen(b->dy[i]);
            memcpy(&b->dy32[i], &bits, sizeof bits);
        }
        f32->forward_mask(&op, b->x32, b->y32, b->mask32, N, 0);
        f32->backward_x(&op, b->x32, b->dy32, b->dx32, N, 0);
        for (size_t i = 0; i < N; i++) {
            uint32_t y, dx;
            memcpy(&y, &b->y32[i], sizeof y);
            memcpy(&dx, &b->dx32[i], sizeof dx);
            b->want_y[i] = r->narrow(y);
            b->want_dx[i] = selects ? (mask_bit(b->mask32, i) ? b->dy[i] : 0) : r->narrow(dx);
        }

        snprintf(what, sizeof what, "%s %s forward", r->t->name, test_configs[c].name);
        half->forward(&op, b->x, b->y, NULL, N, 0);
        assert_same(b->y, b->want_y, b->x, b->dy, what);
        snprintf(what, sizeof what, "%s %s forward_mask", r->t->name, test_configs[c].name);
        memset(b->y, 0xA5, sizeof b->y);
        half->forward_mask(&op, b->x, b->y, b->mask, N, 0);
        assert_same(b->y, b->want_y, b->x, b->dy, what);
        for (size_t i = 0; i < N; i++) {
            cr_assert_eq(mask_bit(b->mask, i), mask_bit(b->mask32, i),
                         "%s: mask bit of x=0x%04x differs from float32's", what, b->x[i]);
        }
        snprintf(what, sizeof what, "%s %s backward_x", r->t->name, test_configs[c].name);
        half->backward_x(&op, b->x, b->dy, b->dx, N, 0);
        assert_same(b->dx, b->want_dx, b->x, b->dy, what);
        snprintf(what, sizeof what, "%s %s backward_mask", r->t->name, test_configs[c].name);
        memset(b->dx, 0xA5, sizeof b->dx);
        half->backward_mask(&op, b->mask, b->dy, b->dx, N, 0);
        assert_same(b->dx, b->want_dx, b->x, b->dy, what);
    }
    free(b);
}

Test(half, bf16_reference_is_the_float32_path_rounded_once) { every_pattern(&rows[0]); }
Test(half, f16_reference_is_the_float32_path_rounded_once) { every_pattern(&rows[1]); }

/* The oracle's narrowing at the points the rule names, values worked out by
 * hand from the formats (and the NumPy example), so that the oracle
 * is not only "agrees with the library". */
static uint32_t f32_bits(float f) {
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return b;
}

Test(half, the_oracle_rounds_as_the_formats_say) {
    /* bfloat16: ties to even on the dropped 16 bits; NaN 0xffff. */
    cr_assert_eq(oracle_bf16_narrow(0x3f808000u), 0x3f80); /* tie, even below */
    cr_assert_eq(oracle_bf16_narrow(0x3f818000u), 0x3f82); /* tie, even above */
    cr_assert_eq(oracle_bf16_narrow(0x3f808001u), 0x3f81);
    cr_assert_eq(oracle_bf16_narrow(0x7f7fffffu), 0x7f80); /* overflow to infinity */
    cr_assert_eq(oracle_bf16_narrow(0x00008000u), 0x0000); /* subnormal tie, even */
    cr_assert_eq(oracle_bf16_narrow(0x7fa00001u), 0xffff);
    cr_assert_eq(oracle_bf16_narrow(0x7fc00000u), 0xffff);
    /* float16: 65504 is the largest finite; 65520 the tie to infinity. */
    cr_assert_eq(oracle_f16_narrow(f32_bits(65504.0f)), 0x7bff);
    cr_assert_eq(oracle_f16_narrow(f32_bits(65519.996f)), 0x7bff);
    cr_assert_eq(oracle_f16_narrow(f32_bits(65520.0f)), 0x7c00);
    cr_assert_eq(oracle_f16_narrow(f32_bits(-1e30f)), 0xfc00);
    cr_assert_eq(oracle_f16_narrow(f32_bits(1.0f + 0x1p-11f)), 0x3c00); /* tie, even */
    cr_assert_eq(oracle_f16_narrow(f32_bits(1.0f + 0x3p-11f)), 0x3c02); /* tie, even */
    cr_assert_eq(oracle_f16_narrow(f32_bits(0x1p-25f)), 0x0000);        /* half the least */
    cr_assert_eq(oracle_f16_narrow(f32_bits(0x1.000002p-25f)), 0x0001);
    cr_assert_eq(oracle_f16_narrow(f32_bits(0x3p-25f)), 0x0002); /* subnormal tie, even */
    cr_assert_eq(oracle_f16_narrow(f32_bits(-0x1p-14f)), 0x8400); /* smallest normal */
    cr_assert_eq(oracle_f16_narrow(f32_bits(0x1.ffap-15f)), 0x03ff);
    cr_assert_eq(oracle_f16_narrow(f32_bits(0x1.ffcp-15f)), 0x0400); /* tie, up a binade */
    cr_assert_eq(oracle_f16_narrow(0x7fa00001u), 0x7d00); /* NumPy: not quieted */
    cr_assert_eq(oracle_f16_narrow(0xffc00000u), 0xfe00);
    cr_assert_eq(oracle_f16_narrow(0x7f800001u), 0x7c01); /* a NaN stays a NaN */
    cr_assert_eq(oracle_f16_widen(0x0001), f32_bits(0x1p-24f));
    cr_assert_eq(oracle_f16_widen(0x7bff), f32_bits(65504.0f));
    cr_assert_eq(oracle_f16_widen(0xfd01), 0xffa02000u);
}
