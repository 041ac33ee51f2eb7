/* SPDX-License-Identifier: MIT */
/* The context-free entry points: plain ReLU forward and PyTorch's backward,
 * every size and misalignment, every permitted aliasing, every error. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "helpers.h"

enum { MAX_N = 257 };

/* What the stateless functions compute: plain ReLU, PyTorch's rule. */
static crelu__op default_op(void) {
    return crelu__op_make(CRELU_GRAD_PYTORCH, 0.0, INFINITY);
}

static void forward_sweep(const dtype_api *t) {
    const crelu__op op = default_op();
    for (size_t n = 0; n <= MAX_N; n++) {
        for (size_t m = 0; m < misalignments(t); m++) {
            for (int in_place = 0; in_place <= 1; in_place++) {
                guarded x = guarded_make(t, n, m);
                guarded y = guarded_make(t, n, (m * 5) % misalignments(t));
                ELEMENTS(want, MAX_N);
                fill_inputs(t, x.data, n, n * 3 + m);
                t->ref_forward(&op, x.data, want, n);
                void *out = in_place ? x.data : y.data;
                cr_assert_eq(t->relu(x.data, out, n), CRELU_OK);
                assert_same_bits(t, out, want, n, in_place ? "relu in place" : "relu");
                guarded_check(&x, "x");
                guarded_check(&y, "y");
                guarded_free(&x);
                guarded_free(&y);
            }
        }
    }
}

Test(stateless, relu_f32_every_size_misalignment_and_in_place) { forward_sweep(&test_f32); }
Test(stateless, relu_f64_every_size_misalignment_and_in_place) { forward_sweep(&test_f64); }
Test(stateless, relu_bf16_every_size_misalignment_and_in_place) { forward_sweep(&test_bf16); }
Test(stateless, relu_f16_every_size_misalignment_and_in_place) { forward_sweep(&test_f16); }

/* dx may be a separate buffer, exactly dy, or exactly x. */
static void backward_sweep(const dtype_api *t) {
    const crelu__op op = default_op();
    static const char *const where[] = {"dx separate", "dx == dy", "dx == x"};
    for (size_t n = 0; n <= MAX_N; n++) {
        for (size_t m = 0; m < misalignments(t); m++) {
            for (int w = 0; w < 3; w++) {
                guarded x = guarded_make(t, n, m);
                guarded dy = guarded_make(t, n, (m * 3 + 1) % misalignments(t));
                guarded dx = guarded_make(t, n, (m * 7 + 2) % misalignments(t));
                ELEMENTS(want, MAX_N);
                fill_inputs(t, x.data, n, n * 5 + m);
                fill_inputs(t, dy.data, n, n * 5 + m + 1);
                t->ref_backward_x(&op, x.data, dy.data, want, n);
                void *out = w == 0 ? dx.data : w == 1 ? dy.data : x.data;
                cr_assert_eq(t->relu_backward(x.data, dy.data, out, n), CRELU_OK);
                assert_same_bits(t, out, want, n, where[w]);
                guarded_check(&x, "x");
                guarded_check(&dy, "dy");
                guarded_check(&dx, "dx");
                guarded_free(&x);
                guarded_free(&dy);
                guarded_free(&dx);
            }
        }
    }
}

Test(stateless, relu_backward_f32_every_size_misalignment_and_alias) { backward_sweep(&test_f32); }
Test(stateless, relu_backward_f64_every_size_misalignment_and_alias) { backward_sweep(&test_f64); }
Test(stateless, relu_backward_bf16_every_size_misalignment_and_alias) { backward_sweep(&test_bf16); }
Test(stateless, relu_backward_f16_every_size_misalignment_and_alias) { backward_sweep(&test_f16); }

/* Input and upstream gradient are both read-only, so they may be one buffer. */
Test(stateless, x_and_dy_may_be_the_same_buffer) {
    const crelu__op op = default_op();
    for (size_t d = 0; d < TEST_DTYPE_COUNT; d++) {
        const dtype_api *t = test_every_dtype[d];
        ELEMENTS(x, MAX_N);
        ELEMENTS(dx, MAX_N);
        ELEMENTS(want, MAX_N);
        fill_inputs(t, x, MAX_N, 9);
        t->ref_backward_x(&op, x, x, want, MAX_N);
        cr_assert_eq(t->relu_backward(x, x, dx, MAX_N), CRELU_OK);
        assert_same_bits(t, dx, want, MAX_N, "x == dy");
    }
}

Test(stateless, errors) {
    enum { N = 64 };
    for (size_t d = 0; d < TEST_DTYPE_COUNT; d++) {
        const dtype_api *t = test_every_dtype[d];
        const size_t e = t->size;
        ELEMENTS(a, 3 * N);
        unsigned char *x = a, *dy = a + N * e, *dx = a + 2 * N * e;
        fill_inputs(t, a, 3 * N, 1);
        ELEMENTS(before, 3 * N);
        memcpy(before, a, 3 * N * e);

        cr_assert_eq(t->relu(NULL, dx, N), CRELU_ERR_INVALID_ARGUMENT);
        cr_assert_eq(t->relu(x, NULL, N), CRELU_ERR_INVALID_ARGUMENT);
        cr_assert_eq(t->relu(x, dx, SIZE_MAX / e + 1), CRELU_ERR_OVERFLOW);
        cr_assert_eq(t->relu(x, x + e, N), CRELU_ERR_INVALID_ARGUMENT);
        cr_assert_eq(t->relu(x + e, x, N), CRELU_ERR_INVALID_ARGUMENT);
        cr_assert_eq(t->relu(NULL, NULL, 0), CRELU_OK);

        cr_assert_eq(t->relu_backward(NULL, dy, dx, N), CRELU_ERR_INVALID_ARGUMENT);
        cr_assert_eq(t->relu_backward(x, NULL, dx, N), CRELU_ERR_INVALID_ARGUMENT);
        cr_assert_eq(t->relu_backward(x, dy, NULL, N), CRELU_ERR_INVALID_ARGUMENT);
        cr_assert_eq(t->relu_backward(x, dy, dx, SIZE_MAX / e + 1), CRELU_ERR_OVERFLOW);
        cr_assert_eq(t->relu_backward(x, dy, dy + e, N), CRELU_ERR_INVALID_ARGUMENT,
                     "dx partially overlaps dy");
        cr_assert_eq(t->relu_backward(x, dy, x + e, N), CRELU_ERR_INVALID_ARGUMENT,
                     "dx partially overlaps x");
        cr_assert_eq(t->relu_backward(x, dy, dy - e, N), CRELU_ERR_INVALID_ARGUMENT,
                     "dx straddles x and dy");
        cr_assert_eq(t->relu_backward(NULL, NULL, NULL, 0), CRELU_OK);

        cr_assert_eq(memcmp(before, a, 3 * N * e), 0, "a failed call wrote memory");
    }
}

Test(stateless, runs_on_the_table_crelu_isa_names) { assert_runs_on_crelu_isa(); }
