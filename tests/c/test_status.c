/* SPDX-License-Identifier: MIT */
/* Every status every entry point can return, the order of the checks, and
 * that a context works normally after each error, with its previous state. */
#include <criterion/criterion.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "counting_allocator.h"
#include "helpers.h"

enum { N = 100 };

/* ---- messages and versions ---- */

Test(status, every_code_has_its_own_message) {
    const int codes[] = {
#define CODE(name, number, message) CRELU_##name,
        CRELU_STATUS_MAP(CODE)
#undef CODE
    };
    const size_t count = sizeof codes / sizeof codes[0];
    cr_assert_eq(count, 7, "update this test when a status is added");
    for (size_t i = 0; i < count; i++) {
        cr_assert_eq(codes[i], (int)i, "codes are numbered 0..%zu in order", count - 1);
        const char *message = crelu_strerror(codes[i]);
        cr_assert_not_null(message);
        cr_assert_gt(strlen(message), 5);
        for (size_t j = 0; j < i; j++) {
            cr_assert_str_neq(message, crelu_strerror(codes[j]));
        }
    }
}

Test(status, unknown_codes_get_a_fallback_never_null) {
    const int unknown[] = {-1, 7, 100, INT_MAX, INT_MIN};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        const char *message = crelu_strerror(unknown[i]);
        cr_assert_not_null(message);
        cr_assert_str_eq(message, "unknown crelu status");
    }
}

Test(status, version_matches_the_header) {
    char expected[32];
    snprintf(expected, sizeof expected, "%d.%d.%d", CRELU_VERSION_MAJOR, CRELU_VERSION_MINOR,
             CRELU_VERSION_PATCH);
    cr_assert_str_eq(crelu_version_string(), expected);
    /* The macro, for a C user's #if-free checks, must say the same. */
    cr_assert_str_eq(CRELU_VERSION_STRING, expected);
    cr_assert_str_eq(crelu_version_string(), CRELU_VERSION_STRING);
    cr_assert_eq(crelu_version_number(), CRELU_VERSION_NUMBER);
    cr_assert_eq(CRELU_VERSION_NUMBER, CRELU_VERSION_MAJOR * 10000 + CRELU_VERSION_MINOR * 100 +
                                           CRELU_VERSION_PATCH);
}

/* ---- a context with a known last forward, to prove errors change nothing ---- */

typedef struct fixture {
    const dtype_api *t;
    crelu_ctx *ctx;
    crelu__op op;
    ELEMENTS(x, N);
    ELEMENTS(y, N);
    ELEMENTS(dy, N);
    ELEMENTS(dx, N);
} fixture;

static void fixture_init(fixture *f, const dtype_api *t, size_t config, int save) {
    f->t = t;
    cr_assert_eq(crelu_create(&f->ctx), CRELU_OK);
    apply_config(f->ctx, &test_configs[config], save);
    f->op = op_of(&test_configs[config]);
    fill_inputs(t, f->x, N, config + 1);
    fill_inputs(t, f->dy, N, config + 2);
    cr_assert_eq(t->forward(f->ctx, f->x, f->y, N), CRELU_OK);
}

/* Backward still gives the result of the last successful forward, and a
 * fresh forward/backward pair with the context's options works. */
static void assert_context_intact(fixture *f, const char *after) {
    ELEMENTS(want, N);
    ELEMENTS(got, N);
    f->t->ref_backward_x(&f->op, f->x, f->dy, want, N);
    cr_assert_eq(f->t->backward(f->ctx, f->dy, got, N), CRELU_OK, "after %s", after);
    assert_same_bits(f->t, got, want, N, after);
    f->t->ref_forward(&f->op, f->x, want, N);
    cr_assert_eq(f->t->forward(f->ctx, f->x, got, N), CRELU_OK, "after %s", after);
    assert_same_bits(f->t, got, want, N, after);
}

static void fixture_fini(fixture *f) {
    crelu_destroy(f->ctx);
}

/* Output must be untouched by a failed call: fill it with a marker first. */
static void mark(void *buf) {
    memset(buf, 0xEE, N * sizeof(double));
}

static void assert_marked(const void *buf, size_t bytes, const char *after) {
    const unsigned char *p = buf;
    for (size_t i = 0; i < bytes; i++) {
        cr_assert_eq(p[i], 0xEE, "%s wrote to its output", after);
    }
}

/* ---- setters ---- */

Test(status, setters_reject_bad_values_and_change_nothing) {
    for (size_t d = 0; d < TEST_DTYPE_COUNT; d++) {
        for (int save = CRELU_SAVE_X; save <= CRELU_SAVE_MASK; save++) {
            fixture f;
            fixture_init(&f, test_every_dtype[d], 2 /* leaky 0.1, pytorch */, save);
            struct {
                const char *what;
                int status;
            } cases[] = {
                {"set_save(2)", crelu_set_save(f.ctx, 2)},
                {"set_save(-1)", crelu_set_save(f.ctx, -1)},
                {"set_grad_rule(2)", crelu_set_grad_rule(f.ctx, 2)},
                {"set_grad_rule(-1)", crelu_set_grad_rule(f.ctx, -1)},
                {"set_negative_slope(NaN)", crelu_set_negative_slope(f.ctx, NAN)},
                {"set_negative_slope(inf)", crelu_set_negative_slope(f.ctx, INFINITY)},
                {"set_negative_slope(-inf)", crelu_set_negative_slope(f.ctx, -INFINITY)},
                {"set_max_value(0)", crelu_set_max_value(f.ctx, 0.0)},
                {"set_max_value(-0.0)", crelu_set_max_value(f.ctx, -0.0)},
                {"set_max_value(-1)", crelu_set_max_value(f.ctx, -1.0)},
                {"set_max_value(NaN)", crelu_set_max_value(f.ctx, NAN)},
                {"set_max_value(-inf)", crelu_set_max_value(f.ctx, -INFINITY)},
                {"set_max_value(6) while leaky", crelu_set_max_value(f.ctx, 6.0)},
                {"set_num_threads(-1)", crelu_set_num_threads(f.ctx, -1)},
                {"set_num_threads(INT_MIN)", crelu_set_num_threads(f.ctx, INT_MIN)},
            };
            for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                cr_assert_eq(cases[i].status, CRELU_ERR_INVALID_ARGUMENT, "%s", cases[i].what);
            }
            assert_context_intact(&f, "rejected setters"); /* still leaky 0.1 */
            fixture_fini(&f);
        }
    }
}

Test(status, slope_while_clipped_is_rejected) {
    crelu_ctx *ctx;
    cr_assert_eq(crelu_create(&ctx), CRELU_OK);
    cr_assert_eq(crelu_set_max_value(ctx, 6.0), CRELU_OK);
    cr_assert_eq(crelu_set_negative_slope(ctx, 0.1), CRELU_ERR_INVALID_ARGUMENT);
    cr_assert_eq(crelu_set_negative_slope(ctx, 0.0), CRELU_OK, "slope 0 is no slope");
    cr_assert_eq(crelu_set_max_value(ctx, INFINITY), CRELU_OK, "removing the cap");
    cr_assert_eq(crelu_set_negative_slope(ctx, 0.1), CRELU_OK, "then a slope is fine");
    cr_assert_eq(crelu_set_max_value(ctx, INFINITY), CRELU_OK, "no cap is fine while leaky");
    crelu_destroy(ctx);
}

Test(status, setters_accept_good_values) {
    crelu_ctx *ctx;
    cr_assert_eq(crelu_create(&ctx), CRELU_OK);
    cr_assert_eq(crelu_set_save(ctx, CRELU_SAVE_MASK), CRELU_OK);
    cr_assert_eq(crelu_set_save(ctx, CRELU_SAVE_X), CRELU_OK);
    cr_assert_eq(crelu_set_grad_rule(ctx, CRELU_GRAD_CS231N), CRELU_OK);
    cr_assert_eq(crelu_set_grad_rule(ctx, CRELU_GRAD_PYTORCH), CRELU_OK);
    cr_assert_eq(crelu_set_negative_slope(ctx, -1e300), CRELU_OK);
    cr_assert_eq(crelu_set_negative_slope(ctx, -0.0), CRELU_OK);
    cr_assert_eq(crelu_set_max_value(ctx, 1e-300), CRELU_OK);
    cr_assert_eq(crelu_set_num_threads(ctx, 0), CRELU_OK);
    cr_assert_eq(crelu_set_num_threads(ctx, 64), CRELU_OK);
    crelu_destroy(ctx);
}

Test(status, null_context_is_an_invalid_argument_everywhere) {
    ELEMENTS(buf, N);
    cr_assert_eq(crelu_create(NULL), CRELU_ERR_INVALID_ARGUMENT);
    cr_assert_eq(crelu_set_save(NULL, CRELU_SAVE_X), CRELU_ERR_INVALID_ARGUMENT);
    cr_assert_eq(crelu_set_grad_rule(NULL, CRELU_GRAD_PYTORCH), CRELU_ERR_INVALID_ARGUMENT);
    cr_assert_eq(crelu_set_negative_slope(NULL, 0.0), CRELU_ERR_INVALID_ARGUMENT);
    cr_assert_eq(crelu_set_max_value(NULL, INFINITY), CRELU_ERR_INVALID_ARGUMENT);
    cr_assert_eq(crelu_set_num_threads(NULL, 0), CRELU_ERR_INVALID_ARGUMENT);
    for (size_t d = 0; d < TEST_DTYPE_COUNT; d++) {
        const dtype_api *t = test_every_dtype[d];
        cr_assert_eq(t->forward(NULL, buf, buf, N), CRELU_ERR_INVALID_ARGUMENT);
        cr_assert_eq(t->backward(NULL, buf, buf, N), CRELU_ERR_INVALID_ARGUMENT);
        cr_assert_eq(t->forward(NULL, buf, buf, 0), CRELU_ERR_INVALID_ARGUMENT,
                     "the context is checked before n == 0");
    }
}

Test(status, create_with_allocator_rejects_missing_functions) {
    counting_allocator a = {0};
    crelu_ctx *ctx = (crelu_ctx *)&a; /* must be reset to NULL */
    cr_assert_eq(crelu_create_with_allocator(&ctx, NULL, counting_free, &a),
                 CRELU_ERR_INVALID_ARGUMENT);
    cr_assert_null(ctx);
    ctx = (crelu_ctx *)&a;
    cr_assert_eq(crelu_create_with_allocator(&ctx, counting_alloc, NULL, &a),
                 CRELU_ERR_INVALID_ARGUMENT);
    cr_assert_null(ctx);
    cr_assert_eq(crelu_create_with_allocator(NULL, counting_alloc, counting_free, &a),
                 CRELU_ERR_INVALID_ARGUMENT);
    cr_assert_eq(a.attempts, 0);
}

/* ---- forward and backward ---- */

static void forward_errors(const dtype_api *t, int save) {
    fixture f;
    fixture_init(&f, t, 7 /* relu6, cs231n */, save);
    unsigned char *x = f.x, *y = f.y;
    const size_t e = t->size;
    struct {
        const char *what;
        const void *x;
        void *y;
        size_t n;
        int status;
    } cases[] = {
        {"x NULL", NULL, y, N, CRELU_ERR_INVALID_ARGUMENT},
        {"y NULL", x, NULL, N, CRELU_ERR_INVALID_ARGUMENT},
        {"both NULL", NULL, NULL, N, CRELU_ERR_INVALID_ARGUMENT},
        {"NULL before overflow", NULL, y, SIZE_MAX, CRELU_ERR_INVALID_ARGUMENT},
        {"n * size overflows", x, y, SIZE_MAX / e + 1, CRELU_ERR_OVERFLOW},
        {"n = SIZE_MAX", x, y, SIZE_MAX, CRELU_ERR_OVERFLOW},
        {"y = x + 1 element", x, x + e, N - 1, CRELU_ERR_INVALID_ARGUMENT},
        {"y = x - 1 element", x + e, x, N - 1, CRELU_ERR_INVALID_ARGUMENT},
        {"y overlaps the last element of x", x, x + (N / 2 - 1) * e, N / 2,
         CRELU_ERR_INVALID_ARGUMENT},
        {"y one byte into x", x, x + 1, N - 1, CRELU_ERR_INVALID_ARGUMENT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mark(f.y);
        if (cases[i].y == f.y || cases[i].y == NULL) {
            cr_assert_eq(t->forward(f.ctx, cases[i].x, cases[i].y, cases[i].n), cases[i].status,
                         "%s (%s)", cases[i].what, t->name);
            assert_marked(f.y, N * e, cases[i].what);
        } else {
            /* overlapping cases write into x's storage: use a scratch copy */
            ELEMENTS(before, N);
            memcpy(before, f.x, N * e);
            cr_assert_eq(t->forward(f.ctx, cases[i].x, cases[i].y, cases[i].n), cases[i].status,
                         "%s (%s)", cases[i].what, t->name);
            cr_assert_eq(memcmp(before, f.x, N * e), 0, "%s wrote to its buffers",
                         cases[i].what);
        }
        assert_context_intact(&f, cases[i].what);
    }
    /* n == 0 succeeds without looking at the pointers, and is the last
     * forward: only a backward of 0 elements, of its dtype, follows it. */
    cr_assert_eq(t->forward(f.ctx, x, x + 1, 0), CRELU_OK);
    cr_assert_eq(t->forward(f.ctx, NULL, NULL, 0), CRELU_OK);
    mark(f.dx);
    cr_assert_eq(t->backward(f.ctx, f.dy, f.dx, N), CRELU_ERR_SIZE_MISMATCH,
                 "a backward of %d after a forward of 0 (%s)", N, t->name);
    assert_marked(f.dx, N * e, "a backward of N after a forward of 0");
    cr_assert_eq(t->backward(f.ctx, NULL, NULL, 0), CRELU_OK);
    cr_assert_eq(t->backward(f.ctx, f.dy, f.dx, 0), CRELU_OK);
    for (size_t d = 0; d < TEST_DTYPE_COUNT; d++) {
        const dtype_api *other = test_every_dtype[d];
        if (other != t) {
            cr_assert_eq(other->backward(f.ctx, NULL, NULL, 0), CRELU_ERR_DTYPE_MISMATCH,
                         "%s backward after a %s forward", other->name, t->name);
        }
    }
    /* and the next forward of N serves backward again */
    cr_assert_eq(t->forward(f.ctx, f.x, f.y, N), CRELU_OK);
    assert_context_intact(&f, "a forward of 0, then one of N");
    /* Exact aliasing and adjacent, non-overlapping halves are fine. */
    cr_assert_eq(t->forward(f.ctx, x, x + (N / 2) * e, N / 2), CRELU_OK);
    cr_assert_eq(t->forward(f.ctx, x + (N / 2) * e, x, N / 2), CRELU_OK);
    fixture_fini(&f);
}

Test(status, forward_errors_f32_save_x) { forward_errors(&test_f32, CRELU_SAVE_X); }
Test(status, forward_errors_f32_save_mask) { forward_errors(&test_f32, CRELU_SAVE_MASK); }
Test(status, forward_errors_f64_save_x) { forward_errors(&test_f64, CRELU_SAVE_X); }
Test(status, forward_errors_f64_save_mask) { forward_errors(&test_f64, CRELU_SAVE_MASK); }
Test(status, forward_errors_bf16_save_x) { forward_errors(&test_bf16, CRELU_SAVE_X); }
Test(status, forward_errors_bf16_save_mask) { forward_errors(&test_bf16, CRELU_SAVE_MASK); }
Test(status, forward_errors_f16_save_x) { forward_errors(&test_f16, CRELU_SAVE_X); }
Test(status, forward_errors_f16_save_mask) { forward_errors(&test_f16, CRELU_SAVE_MASK); }

static void backward_errors(const dtype_api *t, int save) {
    fixture f;
    fixture_init(&f, t, 3 /* leaky 0.1, cs231n */, save);
    unsigned char *dy = f.dy, *dx = f.dx;
    const size_t e = t->size;
    struct {
        const char *what;
        const void *dy;
        void *dx;
        size_t n;
        int status;
    } cases[] = {
        {"dy NULL", NULL, dx, N, CRELU_ERR_INVALID_ARGUMENT},
        {"dx NULL", dy, NULL, N, CRELU_ERR_INVALID_ARGUMENT},
        {"n * size overflows", dy, dx, SIZE_MAX / e + 1, CRELU_ERR_OVERFLOW},
        {"overflow before size mismatch", dy, dx, SIZE_MAX, CRELU_ERR_OVERFLOW},
        {"dx = dy + 1 element", dy, dy + e, N - 1, CRELU_ERR_INVALID_ARGUMENT},
        {"dx = dy - 1 element", dy + e, dy, N - 1, CRELU_ERR_INVALID_ARGUMENT},
        {"overlap before size mismatch", dy, dy + e, N / 2, CRELU_ERR_INVALID_ARGUMENT},
        {"n larger than the forward", dy, dx, N + 1, CRELU_ERR_SIZE_MISMATCH},
        {"n smaller than the forward", dy, dx, N - 1, CRELU_ERR_SIZE_MISMATCH},
        {"n = 1", dy, dx, 1, CRELU_ERR_SIZE_MISMATCH},
        /* An empty gradient (a detached buffer reads as one) is no answer. */
        {"n = 0", dy, dx, 0, CRELU_ERR_SIZE_MISMATCH},
        {"n = 0, NULL pointers", NULL, NULL, 0, CRELU_ERR_SIZE_MISMATCH},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ELEMENTS(dy_before, N);
        memcpy(dy_before, f.dy, N * e);
        mark(f.dx);
        cr_assert_eq(t->backward(f.ctx, cases[i].dy, cases[i].dx, cases[i].n), cases[i].status,
                     "%s (%s)", cases[i].what, t->name);
        if (cases[i].dx == f.dx) {
            assert_marked(f.dx, N * e, cases[i].what);
        }
        cr_assert_eq(memcmp(dy_before, f.dy, N * e), 0, "%s wrote to dy", cases[i].what);
        assert_context_intact(&f, cases[i].what);
    }
    /* Every other dtype, at the right count: bfloat16 and float16 are as
     * different from each other as from float32 (same size, other format). */
    for (size_t d = 0; d < TEST_DTYPE_COUNT; d++) {
        const dtype_api *other = test_every_dtype[d];
        if (other == t) {
            continue;
        }
        mark(f.dx);
        cr_assert_eq(other->backward(f.ctx, f.dy, f.dx, N), CRELU_ERR_DTYPE_MISMATCH,
                     "%s backward after a %s forward", other->name, t->name);
        assert_marked(f.dx, N * e, "dtype mismatch");
        assert_context_intact(&f, "dtype mismatch");
        /* n == 0 is checked like any other count: the dtype first, then n. */
        cr_assert_eq(other->backward(f.ctx, NULL, NULL, 0), CRELU_ERR_DTYPE_MISMATCH,
                     "%s backward of 0 after a %s forward", other->name, t->name);
        assert_context_intact(&f, "n == 0 backward");
    }
    fixture_fini(&f);
}

Test(status, backward_errors_f32_save_x) { backward_errors(&test_f32, CRELU_SAVE_X); }
Test(status, backward_errors_f32_save_mask) { backward_errors(&test_f32, CRELU_SAVE_MASK); }
Test(status, backward_errors_f64_save_x) { backward_errors(&test_f64, CRELU_SAVE_X); }
Test(status, backward_errors_f64_save_mask) { backward_errors(&test_f64, CRELU_SAVE_MASK); }
Test(status, backward_errors_bf16_save_x) { backward_errors(&test_bf16, CRELU_SAVE_X); }
Test(status, backward_errors_bf16_save_mask) { backward_errors(&test_bf16, CRELU_SAVE_MASK); }
Test(status, backward_errors_f16_save_x) { backward_errors(&test_f16, CRELU_SAVE_X); }
Test(status, backward_errors_f16_save_mask) { backward_errors(&test_f16, CRELU_SAVE_MASK); }

Test(status, backward_before_any_forward) {
    for (size_t d = 0; d < TEST_DTYPE_COUNT; d++) {
        const dtype_api *t = test_every_dtype[d];
        crelu_ctx *ctx;
        cr_assert_eq(crelu_create(&ctx), CRELU_OK);
        ELEMENTS(dy, N);
        ELEMENTS(dx, N);
        fill_inputs(t, dy, N, 5);
        mark(dx);
        cr_assert_eq(t->backward(ctx, dy, dx, N), CRELU_ERR_NO_FORWARD);
        assert_marked(dx, N * t->size, "backward before forward");
        cr_assert_eq(t->backward(ctx, NULL, NULL, 0), CRELU_ERR_NO_FORWARD);
        /* a failed forward does not count as a forward */
        cr_assert_eq(t->forward(ctx, NULL, dx, N), CRELU_ERR_INVALID_ARGUMENT);
        cr_assert_eq(t->backward(ctx, dy, dx, N), CRELU_ERR_NO_FORWARD);
        /* argument errors are reported before the missing forward */
        cr_assert_eq(t->backward(ctx, NULL, dx, N), CRELU_ERR_INVALID_ARGUMENT);
        crelu_destroy(ctx);
    }
}

/* ---- out of memory ---- */

Test(status, out_of_memory_at_create) {
    counting_allocator a = {.fail_at = 1};
    crelu_ctx *ctx = (crelu_ctx *)&a;
    cr_assert_eq(crelu_create_with_allocator(&ctx, counting_alloc, counting_free, &a),
                 CRELU_ERR_OUT_OF_MEMORY);
    cr_assert_null(ctx);
    cr_assert_eq(a.live_bytes, 0);
}

/* A forward that cannot grow the buffer fails with nothing changed: the
 * previous forward's state still serves backward, y is untouched, and the
 * next forward works once memory is back. */
static void out_of_memory_at_forward(const dtype_api *t, int save) {
    counting_allocator a = {0};
    crelu_ctx *ctx;
    cr_assert_eq(crelu_create_with_allocator(&ctx, counting_alloc, counting_free, &a), CRELU_OK);
    apply_config(ctx, &test_configs[4], save);
    const crelu__op op = op_of(&test_configs[4]);
    ELEMENTS(x, 4 * N);
    ELEMENTS(y, 4 * N);
    ELEMENTS(dy, 4 * N);
    ELEMENTS(dx, 4 * N);
    ELEMENTS(want, 4 * N);
    fill_inputs(t, x, 4 * N, 1);
    fill_inputs(t, dy, 4 * N, 2);
    cr_assert_eq(t->forward(ctx, x, y, 8), CRELU_OK);

    a.fail_at = a.attempts + 1;
    memset(y, 0xEE, sizeof y);
    cr_assert_eq(t->forward(ctx, x, y, 4 * N), CRELU_ERR_OUT_OF_MEMORY);
    assert_marked(y, 4 * N * t->size, "failed forward");
    cr_assert_eq(a.refused, 1);
    cr_assert_eq(t->backward(ctx, dy, dx, 4 * N), CRELU_ERR_SIZE_MISMATCH,
                 "the failed forward did not become the last forward");
    t->ref_backward_x(&op, x, dy, want, 8);
    cr_assert_eq(t->backward(ctx, dy, dx, 8), CRELU_OK);
    assert_same_bits(t, dx, want, 8, "backward of the forward before the failure");

    cr_assert_eq(t->forward(ctx, x, y, 4 * N), CRELU_OK, "memory is back");
    t->ref_backward_x(&op, x, dy, want, 4 * N);
    cr_assert_eq(t->backward(ctx, dy, dx, 4 * N), CRELU_OK);
    assert_same_bits(t, dx, want, 4 * N, "after recovering");
    crelu_destroy(ctx);
    cr_assert_eq(a.live_bytes, 0, "nothing leaked");
}

Test(status, out_of_memory_at_forward_f32_save_x) { out_of_memory_at_forward(&test_f32, CRELU_SAVE_X); }
Test(status, out_of_memory_at_forward_f32_save_mask) { out_of_memory_at_forward(&test_f32, CRELU_SAVE_MASK); }
Test(status, out_of_memory_at_forward_f64_save_x) { out_of_memory_at_forward(&test_f64, CRELU_SAVE_X); }
Test(status, out_of_memory_at_forward_f64_save_mask) { out_of_memory_at_forward(&test_f64, CRELU_SAVE_MASK); }
Test(status, out_of_memory_at_forward_bf16_save_x) { out_of_memory_at_forward(&test_bf16, CRELU_SAVE_X); }
Test(status, out_of_memory_at_forward_bf16_save_mask) { out_of_memory_at_forward(&test_bf16, CRELU_SAVE_MASK); }
Test(status, out_of_memory_at_forward_f16_save_x) { out_of_memory_at_forward(&test_f16, CRELU_SAVE_X); }
Test(status, out_of_memory_at_forward_f16_save_mask) { out_of_memory_at_forward(&test_f16, CRELU_SAVE_MASK); }
