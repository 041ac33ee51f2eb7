/* SPDX-License-Identifier: MIT */
/* The context's life cycle and memory: creation, destruction, what it holds
 * in each save mode, and that the steady state allocates nothing. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "counting_allocator.h"
#include "helpers.h"


Test(context, create_sets_out_and_destroy_accepts_null) {
    crelu_ctx *ctx = NULL;
    cr_assert_eq(crelu_create(&ctx), CRELU_OK);
    cr_assert_not_null(ctx);
    crelu_destroy(ctx);
    crelu_destroy(NULL);
    cr_assert_eq(crelu_sizeof_ctx(NULL), 0);
}

Test(context, every_allocation_goes_through_a_custom_allocator_and_is_freed) {
    counting_allocator a = {0};
    crelu_ctx *ctx;
    cr_assert_eq(crelu_create_with_allocator(&ctx, counting_alloc, counting_free, &a), CRELU_OK);
    cr_assert_eq(a.allocs, 1, "the context itself");
    ELEMENTS(x, 5000);
    ELEMENTS(y, 5000);
    fill_inputs(&test_f32, x, 1000, 1);
    cr_assert_eq(crelu_forward_f32(ctx, (float *)x, (float *)y, 1000), CRELU_OK);
    cr_assert_eq(a.allocs, 2, "the saved-state buffer");
    cr_assert_eq(crelu_sizeof_ctx(ctx), a.live_bytes, "crelu_sizeof_ctx tells the truth");
    crelu_destroy(ctx);
    cr_assert_eq(a.frees, a.allocs);
    cr_assert_eq(a.live_bytes, 0);
}

/* Mask mode holds ceil(n / 8) bytes plus the constant size of the context;
 * save-x mode holds n elements. Measured by the allocator, not only by
 * crelu_sizeof_ctx. Sizes grow so that each forward sets the high-water mark. */
static void check_held_bytes(const dtype_api *t, int save) {
    counting_allocator a = {0};
    crelu_ctx *ctx;
    cr_assert_eq(crelu_create_with_allocator(&ctx, counting_alloc, counting_free, &a), CRELU_OK);
    cr_assert_eq(crelu_set_save(ctx, save), CRELU_OK);
    const size_t empty = a.live_bytes;
    cr_assert_eq(crelu_sizeof_ctx(ctx), empty);
    const size_t sizes[] = {1, 7, 8, 9, 63, 64, 65, 1000, 4097};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t n = sizes[i];
        ELEMENTS(x, 5000);
        ELEMENTS(y, 5000);
        fill_inputs(t, x, n, n);
        cr_assert_eq(t->forward(ctx, x, y, n), CRELU_OK);
        size_t expected = save == CRELU_SAVE_MASK ? (n + 7) / 8 : n * t->size;
        cr_assert_eq(a.live_bytes, empty + expected, "%s n=%zu: holds %zu bytes, want %zu",
                     t->name, n, a.live_bytes - empty, expected);
        cr_assert_eq(crelu_sizeof_ctx(ctx), a.live_bytes);
    }
    crelu_destroy(ctx);
    cr_assert_eq(a.live_bytes, 0);
}

Test(context, mask_mode_holds_one_bit_per_element_f32) { check_held_bytes(&test_f32, CRELU_SAVE_MASK); }
Test(context, mask_mode_holds_one_bit_per_element_f64) { check_held_bytes(&test_f64, CRELU_SAVE_MASK); }
Test(context, mask_mode_holds_one_bit_per_element_bf16) { check_held_bytes(&test_bf16, CRELU_SAVE_MASK); }
Test(context, mask_mode_holds_one_bit_per_element_f16) { check_held_bytes(&test_f16, CRELU_SAVE_MASK); }
Test(context, save_x_mode_holds_one_copy_of_x_f32) { check_held_bytes(&test_f32, CRELU_SAVE_X); }
Test(context, save_x_mode_holds_one_copy_of_x_f64) { check_held_bytes(&test_f64, CRELU_SAVE_X); }
Test(context, save_x_mode_holds_one_copy_of_x_bf16) { check_held_bytes(&test_bf16, CRELU_SAVE_X); }
Test(context, save_x_mode_holds_one_copy_of_x_f16) { check_held_bytes(&test_f16, CRELU_SAVE_X); }

/* After a first forward sized the buffer, forwards of that size or smaller
 * and any number of backwards allocate nothing, in every mode and dtype. */
Test(context, steady_state_allocates_nothing) {
    for (int save = CRELU_SAVE_X; save <= CRELU_SAVE_MASK; save++) {
        counting_allocator a = {0};
        crelu_ctx *ctx;
        cr_assert_eq(crelu_create_with_allocator(&ctx, counting_alloc, counting_free, &a),
                     CRELU_OK);
        cr_assert_eq(crelu_set_save(ctx, save), CRELU_OK);
        const size_t n = 4096;
        ELEMENTS(x, 5000);
        ELEMENTS(y, 5000);
        ELEMENTS(dy, 5000);
        ELEMENTS(dx, 5000);
        fill_inputs(&test_f64, x, n, 1);
        fill_inputs(&test_f64, dy, n, 2);
        cr_assert_eq(crelu_forward_f64(ctx, (double *)x, (double *)y, n), CRELU_OK);
        const size_t allocs_after_warmup = a.allocs;

        for (int round = 0; round < 50; round++) {
            for (size_t c = 0; c < test_config_count; c++) {
                apply_config(ctx, &test_configs[c], save);
                size_t m = n - (size_t)round * 37;
                cr_assert_eq(crelu_forward_f64(ctx, (double *)x, (double *)y, m), CRELU_OK);
                cr_assert_eq(crelu_backward_f64(ctx, (double *)dy, (double *)dx, m), CRELU_OK);
                cr_assert_eq(crelu_backward_f64(ctx, (double *)dy, (double *)dy, m), CRELU_OK);
                /* float32 of the same count needs half the bytes: still fits */
                cr_assert_eq(crelu_forward_f32(ctx, (float *)x, (float *)y, m), CRELU_OK);
                cr_assert_eq(crelu_backward_f32(ctx, (float *)dy, (float *)dx, m), CRELU_OK);
            }
        }
        cr_assert_eq(a.allocs, allocs_after_warmup, "save=%d: %zu allocations in steady state",
                     save, a.allocs - allocs_after_warmup);
        cr_assert_eq(a.frees, 0);
        crelu_destroy(ctx);
        cr_assert_eq(a.frees, a.allocs);
    }
}

/* A larger forward grows the buffer with exactly one allocation and one free. */
Test(context, growing_replaces_the_buffer_once) {
    counting_allocator a = {0};
    crelu_ctx *ctx;
    cr_assert_eq(crelu_create_with_allocator(&ctx, counting_alloc, counting_free, &a), CRELU_OK);
    ELEMENTS(x, 5000);
    ELEMENTS(y, 5000);
    fill_inputs(&test_f32, x, 2000, 3);
    cr_assert_eq(crelu_forward_f32(ctx, (float *)x, (float *)y, 1000), CRELU_OK);
    cr_assert_eq(a.allocs, 2);
    cr_assert_eq(crelu_forward_f32(ctx, (float *)x, (float *)y, 2000), CRELU_OK);
    cr_assert_eq(a.allocs, 3);
    cr_assert_eq(a.frees, 1);
    cr_assert_eq(a.live_bytes, crelu_sizeof_ctx(ctx));
    crelu_destroy(ctx);
    cr_assert_eq(a.live_bytes, 0);
}

/* Contexts are independent: two interleaved contexts do not see each
 * other's options or saved state. */
Test(context, contexts_are_independent) {
    const test_config *ca = &test_configs[2], *cb = &test_configs[7];
    const crelu__op op_a = op_of(ca), op_b = op_of(cb);
    crelu_ctx *a, *b;
    cr_assert_eq(crelu_create(&a), CRELU_OK);
    cr_assert_eq(crelu_create(&b), CRELU_OK);
    apply_config(a, ca, CRELU_SAVE_MASK);
    apply_config(b, cb, CRELU_SAVE_X);
    const size_t n = 300;
    ELEMENTS(xa, 5000);
    ELEMENTS(xb, 5000);
    ELEMENTS(dy, 5000);
    ELEMENTS(y, 5000);
    ELEMENTS(dx, 5000);
    ELEMENTS(want, 5000);
    fill_inputs(&test_f32, xa, n, 10);
    fill_inputs(&test_f32, xb, n, 11);
    fill_inputs(&test_f32, dy, n, 12);
    cr_assert_eq(crelu_forward_f32(a, (float *)xa, (float *)y, n), CRELU_OK);
    cr_assert_eq(crelu_forward_f32(b, (float *)xb, (float *)y, n), CRELU_OK);
    test_f32.ref_backward_x(&op_a, xa, dy, want, n);
    cr_assert_eq(crelu_backward_f32(a, (float *)dy, (float *)dx, n), CRELU_OK);
    assert_same_bits(&test_f32, dx, want, n, "context a");
    test_f32.ref_backward_x(&op_b, xb, dy, want, n);
    cr_assert_eq(crelu_backward_f32(b, (float *)dy, (float *)dx, n), CRELU_OK);
    assert_same_bits(&test_f32, dx, want, n, "context b");
    crelu_destroy(a);
    crelu_destroy(b);
}
