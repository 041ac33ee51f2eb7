/* SPDX-License-Identifier: MIT */
/* Forward through a context: every row, rule and save mode, both dtypes,
 * sizes 0..257, every misalignment of x and of y, in place and out of place,
 * compared bit for bit with the scalar reference. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

enum { MAX_N = 257 };

static void check_forward_case(const dtype_api *t, crelu_ctx *ctx, const test_config *config,
                               size_t n, size_t x_misalign, size_t y_misalign) {
    const crelu__op op = op_of(config);
    guarded x = guarded_make(t, n, x_misalign);
    guarded y = guarded_make(t, n, y_misalign);
    ELEMENTS(want, MAX_N);
    ELEMENTS(x_before, MAX_N);
    fill_inputs(t, x.data, n, n * 131 + x_misalign * 7 + y_misalign);
    memcpy(x_before, x.data, x.bytes);
    t->ref_forward(&op, x.data, want, n);

    cr_assert_eq(t->forward(ctx, x.data, y.data, n), CRELU_OK);
    assert_same_bits(t, y.data, want, n, config->name);
    cr_assert_eq(memcmp(x.data, x_before, x.bytes), 0, "%s: forward wrote to x", config->name);
    guarded_check(&x, "x");
    guarded_check(&y, "y");
    guarded_free(&x);
    guarded_free(&y);
}

static void sweep(const dtype_api *t, int save) {
    for (size_t c = 0; c < test_config_count; c++) {
        crelu_ctx *ctx;
        cr_assert_eq(crelu_create(&ctx), CRELU_OK);
        apply_config(ctx, &test_configs[c], save);
        for (size_t n = 0; n <= MAX_N; n++) {
            for (size_t m = 0; m < misalignments(t); m++) {
                check_forward_case(t, ctx, &test_configs[c], n, m, 0);
                check_forward_case(t, ctx, &test_configs[c], n, 0, m);
            }
        }
        crelu_destroy(ctx);
    }
}

Test(forward, f32_save_x_every_size_and_misalignment) { sweep(&test_f32, CRELU_SAVE_X); }
Test(forward, f32_save_mask_every_size_and_misalignment) { sweep(&test_f32, CRELU_SAVE_MASK); }
Test(forward, f64_save_x_every_size_and_misalignment) { sweep(&test_f64, CRELU_SAVE_X); }
Test(forward, bf16_save_x_every_size_and_misalignment) { sweep(&test_bf16, CRELU_SAVE_X); }
Test(forward, f16_save_x_every_size_and_misalignment) { sweep(&test_f16, CRELU_SAVE_X); }
Test(forward, f64_save_mask_every_size_and_misalignment) { sweep(&test_f64, CRELU_SAVE_MASK); }
Test(forward, bf16_save_mask_every_size_and_misalignment) { sweep(&test_bf16, CRELU_SAVE_MASK); }
Test(forward, f16_save_mask_every_size_and_misalignment) { sweep(&test_f16, CRELU_SAVE_MASK); }

/* y == x: each element is read before it is overwritten, in every mode. */
static void in_place(const dtype_api *t) {
    for (int save = CRELU_SAVE_X; save <= CRELU_SAVE_MASK; save++) {
        for (size_t c = 0; c < test_config_count; c++) {
            const crelu__op op = op_of(&test_configs[c]);
            crelu_ctx *ctx;
            cr_assert_eq(crelu_create(&ctx), CRELU_OK);
            apply_config(ctx, &test_configs[c], save);
            for (size_t n = 0; n <= MAX_N; n++) {
                for (size_t m = 0; m < misalignments(t); m++) {
                    guarded xy = guarded_make(t, n, m);
                    ELEMENTS(want, MAX_N);
                    fill_inputs(t, xy.data, n, n + 1000 * m);
                    t->ref_forward(&op, xy.data, want, n);
                    cr_assert_eq(t->forward(ctx, xy.data, xy.data, n), CRELU_OK);
                    assert_same_bits(t, xy.data, want, n, test_configs[c].name);
                    guarded_check(&xy, "in place");
                    guarded_free(&xy);
                }
            }
            crelu_destroy(ctx);
        }
    }
}

Test(forward, f32_in_place_every_mode) { in_place(&test_f32); }
Test(forward, f64_in_place_every_mode) { in_place(&test_f64); }
Test(forward, bf16_in_place_every_mode) { in_place(&test_bf16); }
Test(forward, f16_in_place_every_mode) { in_place(&test_f16); }

/* One context alternates dtypes and sizes; each forward stands alone. */
Test(forward, dtype_and_size_may_change_between_forwards) {
    crelu_ctx *ctx;
    cr_assert_eq(crelu_create(&ctx), CRELU_OK);
    const crelu__op op = op_of(&test_configs[0]);
    const size_t sizes[] = {100, 3, 257, 1, 64};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        const dtype_api *t = test_every_dtype[i % TEST_DTYPE_COUNT];
        size_t n = sizes[i];
        ELEMENTS(x, MAX_N);
        ELEMENTS(y, MAX_N);
        ELEMENTS(want, MAX_N);
        fill_inputs(t, x, n, i);
        t->ref_forward(&op, x, want, n);
        cr_assert_eq(t->forward(ctx, x, y, n), CRELU_OK);
        assert_same_bits(t, y, want, n, t->name);
    }
    crelu_destroy(ctx);
}
