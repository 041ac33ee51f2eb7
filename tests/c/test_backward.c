/* SPDX-License-Identifier: MIT */
/* Backward through a context: every row, rule and save mode, both dtypes,
 * sizes 0..257, every misalignment of dy and of dx, in place, repeated, and
 * with options changed between forward and backward; compared bit for bit
 * with the scalar reference computed from x. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

enum { MAX_N = 257 };

static void check_backward_case(const dtype_api *t, crelu_ctx *ctx, const char *name,
                                const void *want, size_t n, size_t dy_misalign,
                                size_t dx_misalign, const void *dy_values) {
    guarded dy = guarded_make(t, n, dy_misalign);
    guarded dx = guarded_make(t, n, dx_misalign);
    memcpy(dy.data, dy_values, dy.bytes);
    cr_assert_eq(t->backward(ctx, dy.data, dx.data, n), CRELU_OK);
    assert_same_bits(t, dx.data, want, n, name);
    cr_assert_eq(memcmp(dy.data, dy_values, dy.bytes), 0, "%s: backward wrote to dy", name);
    guarded_check(&dy, "dy");
    guarded_check(&dx, "dx");

    /* In place, on the same misaligned buffer: dx == dy. */
    cr_assert_eq(t->backward(ctx, dy.data, dy.data, n), CRELU_OK);
    assert_same_bits(t, dy.data, want, n, name);
    guarded_check(&dy, "dx == dy");
    guarded_free(&dy);
    guarded_free(&dx);
}

static void sweep(const dtype_api *t, int save) {
    for (size_t c = 0; c < test_config_count; c++) {
        const test_config *config = &test_configs[c];
        const crelu__op op = op_of(config);
        crelu_ctx *ctx;
        cr_assert_eq(crelu_create(&ctx), CRELU_OK);
        apply_config(ctx, config, save);
        for (size_t n = 0; n <= MAX_N; n++) {
            ELEMENTS(x, MAX_N);
            ELEMENTS(y, MAX_N);
            ELEMENTS(dy, MAX_N);
            ELEMENTS(want, MAX_N);
            fill_inputs(t, x, n, 7 * n + c);
            fill_inputs(t, dy, n, 7 * n + c + 3);
            t->ref_backward_x(&op, x, dy, want, n);
            cr_assert_eq(t->forward(ctx, x, y, n), CRELU_OK);
            /* Every backward below reuses that one forward: backward may be
             * called again and again. */
            for (size_t m = 0; m < misalignments(t); m++) {
                check_backward_case(t, ctx, config->name, want, n, m, 0, dy);
                check_backward_case(t, ctx, config->name, want, n, 0, m, dy);
            }
        }
        crelu_destroy(ctx);
    }
}

Test(backward, f32_save_x_every_size_and_misalignment) { sweep(&test_f32, CRELU_SAVE_X); }
Test(backward, f32_save_mask_every_size_and_misalignment) { sweep(&test_f32, CRELU_SAVE_MASK); }
Test(backward, f64_save_x_every_size_and_misalignment) { sweep(&test_f64, CRELU_SAVE_X); }
Test(backward, bf16_save_x_every_size_and_misalignment) { sweep(&test_bf16, CRELU_SAVE_X); }
Test(backward, f16_save_x_every_size_and_misalignment) { sweep(&test_f16, CRELU_SAVE_X); }
Test(backward, f64_save_mask_every_size_and_misalignment) { sweep(&test_f64, CRELU_SAVE_MASK); }
Test(backward, bf16_save_mask_every_size_and_misalignment) { sweep(&test_bf16, CRELU_SAVE_MASK); }
Test(backward, f16_save_mask_every_size_and_misalignment) { sweep(&test_f16, CRELU_SAVE_MASK); }

/* The context keeps its own copy: changing or freeing x after forward, or
 * running forward in place, does not change what backward computes. */
static void owns_saved_state(const dtype_api *t) {
    for (int save = CRELU_SAVE_X; save <= CRELU_SAVE_MASK; save++) {
        for (size_t c = 0; c < test_config_count; c++) {
            const crelu__op op = op_of(&test_configs[c]);
            const size_t n = 200;
            crelu_ctx *ctx;
            cr_assert_eq(crelu_create(&ctx), CRELU_OK);
            apply_config(ctx, &test_configs[c], save);
            ELEMENTS(x, MAX_N);
            ELEMENTS(dy, MAX_N);
            ELEMENTS(want, MAX_N);
            ELEMENTS(dx, MAX_N);
            fill_inputs(t, x, n, c);
            fill_inputs(t, dy, n, c + 100);
            t->ref_backward_x(&op, x, dy, want, n);
            cr_assert_eq(t->forward(ctx, x, x, n), CRELU_OK); /* overwrites x with y */
            memset(x, 0x5A, sizeof x);
            cr_assert_eq(t->backward(ctx, dy, dx, n), CRELU_OK);
            assert_same_bits(t, dx, want, n, test_configs[c].name);
            crelu_destroy(ctx);
        }
    }
}

Test(backward, f32_uses_the_saved_copy_not_the_callers_x) { owns_saved_state(&test_f32); }
Test(backward, f64_uses_the_saved_copy_not_the_callers_x) { owns_saved_state(&test_f64); }
Test(backward, bf16_uses_the_saved_copy_not_the_callers_x) { owns_saved_state(&test_bf16); }
Test(backward, f16_uses_the_saved_copy_not_the_callers_x) { owns_saved_state(&test_f16); }

/* Options set after a forward apply from the next forward on; the pending
 * backward keeps the options of the forward it follows. */
static void options_apply_from_next_forward(const dtype_api *t) {
    const size_t n = 128;
    for (size_t a = 0; a < test_config_count; a++) {
        for (size_t b = 0; b < test_config_count; b++) {
            const int save_a = (int)(a % 2), save_b = (int)(b % 2 == 0);
            const crelu__op op_a = op_of(&test_configs[a]), op_b = op_of(&test_configs[b]);
            crelu_ctx *ctx;
            cr_assert_eq(crelu_create(&ctx), CRELU_OK);
            ELEMENTS(x, MAX_N);
            ELEMENTS(y, MAX_N);
            ELEMENTS(dy, MAX_N);
            ELEMENTS(dx, MAX_N);
            ELEMENTS(want, MAX_N);
            fill_inputs(t, x, n, a * 31 + b);
            fill_inputs(t, dy, n, a * 31 + b + 1);

            apply_config(ctx, &test_configs[a], save_a);
            cr_assert_eq(t->forward(ctx, x, y, n), CRELU_OK);
            apply_config(ctx, &test_configs[b], save_b);
            t->ref_backward_x(&op_a, x, dy, want, n);
            cr_assert_eq(t->backward(ctx, dy, dx, n), CRELU_OK);
            assert_same_bits(t, dx, want, n, "backward after options changed");

            t->ref_forward(&op_b, x, want, n);
            cr_assert_eq(t->forward(ctx, x, y, n), CRELU_OK);
            assert_same_bits(t, y, want, n, "forward with the new options");
            t->ref_backward_x(&op_b, x, dy, want, n);
            cr_assert_eq(t->backward(ctx, dy, dx, n), CRELU_OK);
            assert_same_bits(t, dx, want, n, "backward with the new options");
            crelu_destroy(ctx);
        }
    }
}

Test(backward, f32_options_apply_from_the_next_forward) { options_apply_from_next_forward(&test_f32); }
Test(backward, f64_options_apply_from_the_next_forward) { options_apply_from_next_forward(&test_f64); }
Test(backward, bf16_options_apply_from_the_next_forward) { options_apply_from_next_forward(&test_bf16); }
Test(backward, f16_options_apply_from_the_next_forward) { options_apply_from_next_forward(&test_f16); }

/* The oracle checks itself: the reference's mask path (forward_mask then
 * backward_mask) equals its direct path (forward, backward from x), so the
 * mask bit is exactly "the branch backward takes". */
static void reference_mask_path_equals_x_path(const dtype_api *t) {
    for (size_t c = 0; c < test_config_count; c++) {
        const crelu__op op = op_of(&test_configs[c]);
        for (size_t n = 0; n <= MAX_N; n++) {
            ELEMENTS(x, MAX_N);
            ELEMENTS(dy, MAX_N);
            ELEMENTS(y_direct, MAX_N);
            ELEMENTS(y_masked, MAX_N);
            ELEMENTS(dx_direct, MAX_N);
            ELEMENTS(dx_masked, MAX_N);
            unsigned char mask[MAX_N / 8 + 1];
            fill_inputs(t, x, n, n + c * 1000);
            fill_inputs(t, dy, n, n + c * 1000 + 1);
            t->ref_forward(&op, x, y_direct, n);
            t->ref_forward_mask(&op, x, y_masked, mask, n);
            t->ref_backward_x(&op, x, dy, dx_direct, n);
            t->ref_backward_mask(&op, mask, dy, dx_masked, n);
            assert_same_bits(t, y_masked, y_direct, n, "reference forward_mask y");
            assert_same_bits(t, dx_masked, dx_direct, n, "reference backward from mask");
        }
    }
}

Test(backward, f32_reference_mask_path_equals_x_path) { reference_mask_path_equals_x_path(&test_f32); }
Test(backward, f64_reference_mask_path_equals_x_path) { reference_mask_path_equals_x_path(&test_f64); }
Test(backward, bf16_reference_mask_path_equals_x_path) { reference_mask_path_equals_x_path(&test_bf16); }
Test(backward, f16_reference_mask_path_equals_x_path) { reference_mask_path_equals_x_path(&test_f16); }

Test(backward, runs_on_the_table_crelu_isa_names) { assert_runs_on_crelu_isa(); }
