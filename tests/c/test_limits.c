/* SPDX-License-Identifier: MIT */
/* Size limits: an element count no buffer can have is CRELU_ERR_OVERFLOW
 * from every function that takes one, before any memory is read, written
 * or allocated, and the context is left as it was. The largest count that
 * passes gets an exact allocation request, never a wrapped one.
 *
 * The pointers are small real buffers (or, for the address-space cases,
 * addresses near its end that must never be dereferenced): a library that
 * went ahead would crash or scribble on the marked bytes. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "counting_allocator.h"
#include "helpers.h"

enum { N = 256, MARK = 0xEE };

/* Counts that must be refused for elements of `size` bytes: n * size
 * wraps (the first such n, and the largest), or fits in size_t but is more
 * than PTRDIFF_MAX, the most one object can hold (the largest n whose bytes
 * fit, and the first one over PTRDIFF_MAX). And counts whose byte count
 * wraps to a small one, N or N / 2 elements' worth, exactly what the test's
 * buffers hold: a check made on the wrapped bytes would let them through.
 * With a 32-bit size_t (i386) these are counts from 2^29 up, with a 64-bit
 * one from 2^61: every expression here is size_t arithmetic. */
enum { OVERFLOWING_COUNTS = 6 };
static size_t overflowing_counts(size_t size, size_t out[OVERFLOWING_COUNTS]) {
    out[0] = SIZE_MAX / size + 1;
    out[1] = SIZE_MAX;
    out[2] = SIZE_MAX / size;
    out[3] = (size_t)PTRDIFF_MAX / size + 1;
    out[4] = SIZE_MAX / size + 1 + N;     /* n * size wraps to N * size */
    out[5] = SIZE_MAX / size + 1 + N / 2; /* ... and to N / 2 * size */
    return OVERFLOWING_COUNTS;
}

static void assert_marked(const void *buf, size_t bytes, const char *what, size_t n) {
    const unsigned char *p = buf;
    for (size_t i = 0; i < bytes; i++) {
        cr_assert_eq(p[i], MARK, "%s, n=%zu: byte %zu was written", what, n, i);
    }
}

/* A context with a finished forward of N elements, from a counting
 * allocator, and the backward it must keep giving. */
typedef struct fixture {
    counting_allocator a;
    crelu_ctx *ctx;
    size_t held;
    _Alignas(double) unsigned char x[N * sizeof(double)];
    _Alignas(double) unsigned char dy[N * sizeof(double)];
    _Alignas(double) unsigned char want[N * sizeof(double)];
} fixture;

static void fixture_make(fixture *f, const dtype_api *t, int save) {
    memset(f, 0, sizeof *f);
    cr_assert_eq(crelu_create_with_allocator(&f->ctx, counting_alloc, counting_free, &f->a),
                 CRELU_OK);
    apply_config(f->ctx, &test_configs[3], save);
    fill_inputs(t, f->x, N, 1);
    fill_inputs(t, f->dy, N, 2);
    const crelu__op op = op_of(&test_configs[3]);
    t->ref_backward_x(&op, f->x, f->dy, f->want, N);
    _Alignas(double) unsigned char y[N * sizeof(double)];
    cr_assert_eq(t->forward(f->ctx, f->x, y, N), CRELU_OK);
    f->held = crelu_sizeof_ctx(f->ctx);
}

/* Nothing was allocated, and the saved state still gives its backward. */
static void fixture_check(fixture *f, const dtype_api *t, const char *what, size_t n) {
    cr_assert_eq(f->a.attempts, 1 + 1, "%s, n=%zu: allocated", what, n);
    cr_assert_eq(crelu_sizeof_ctx(f->ctx), f->held, "%s, n=%zu", what, n);
    _Alignas(double) unsigned char dx[N * sizeof(double)];
    cr_assert_eq(t->backward(f->ctx, f->dy, dx, N), CRELU_OK, "%s, n=%zu", what, n);
    assert_same_bits(t, dx, f->want, N, what);
}

static void fixture_free(fixture *f) {
    crelu_destroy(f->ctx);
    cr_assert_eq(f->a.live_bytes, 0);
}

/* Every entry point that takes n, with separate and with shared (in-place)
 * buffers: CRELU_ERR_OVERFLOW, nothing touched. */
static void every_function_refuses(const dtype_api *t, size_t n, const char *why) {
    _Alignas(double) unsigned char in[N * sizeof(double)], out[N * sizeof(double)];
    _Alignas(double) unsigned char other[N * sizeof(double)];
    for (int save = CRELU_SAVE_X; save <= CRELU_SAVE_MASK; save++) {
        fixture *f = malloc(sizeof *f);
        cr_assert_not_null(f);
        fixture_make(f, t, save);
        memset(in, MARK, sizeof in);
        memset(out, MARK, sizeof out);
        cr_assert_eq(t->forward(f->ctx, in, out, n), CRELU_ERR_OVERFLOW, "forward, %s", why);
        cr_assert_eq(t->forward(f->ctx, in, in, n), CRELU_ERR_OVERFLOW, "forward in place, %s",
                     why);
        cr_assert_eq(t->backward(f->ctx, in, out, n), CRELU_ERR_OVERFLOW, "backward, %s", why);
        cr_assert_eq(t->backward(f->ctx, in, in, n), CRELU_ERR_OVERFLOW,
                     "backward in place, %s", why);
        assert_marked(in, sizeof in, why, n);
        assert_marked(out, sizeof out, why, n);
        fixture_check(f, t, why, n);
        fixture_free(f);
        free(f);
    }
    memset(other, MARK, sizeof other);
    cr_assert_eq(t->relu(in, out, n), CRELU_ERR_OVERFLOW, "relu, %s", why);
    cr_assert_eq(t->relu(in, in, n), CRELU_ERR_OVERFLOW, "relu in place, %s", why);
    cr_assert_eq(t->relu_backward(in, other, out, n), CRELU_ERR_OVERFLOW, "relu_backward, %s",
                 why);
    cr_assert_eq(t->relu_backward(in, other, other, n), CRELU_ERR_OVERFLOW,
                 "relu_backward, dx == dy, %s", why);
    cr_assert_eq(t->relu_backward(in, other, in, n), CRELU_ERR_OVERFLOW,
                 "relu_backward, dx == x, %s", why);
    assert_marked(in, sizeof in, why, n);
    assert_marked(out, sizeof out, why, n);
    assert_marked(other, sizeof other, why, n);
}

static void counts_too_big(const dtype_api *t) {
    size_t counts[OVERFLOWING_COUNTS];
    const size_t k = overflowing_counts(t->size, counts);
    cr_assert_eq(counts[4] * t->size, N * t->size, "the count chosen to wrap does not");
    for (size_t i = 0; i < k; i++) {
        every_function_refuses(t, counts[i], "n too big");
    }
}

Test(limits, f32_counts_no_buffer_can_hold_overflow) {
    counts_too_big(&test_f32);
}
Test(limits, f64_counts_no_buffer_can_hold_overflow) {
    counts_too_big(&test_f64);
}
Test(limits, bf16_counts_no_buffer_can_hold_overflow) {
    counts_too_big(&test_bf16);
}
Test(limits, f16_counts_no_buffer_can_hold_overflow) {
    counts_too_big(&test_f16);
}

/* A buffer that would run past the end of the address space: a small n at
 * an address near its top. The addresses are never dereferenced. */
static void past_the_address_space(const dtype_api *t) {
    const size_t n = 64;
    const uintptr_t top = (UINTPTR_MAX - 32 * t->size + 1) & ~(uintptr_t)(t->size - 1);
    void *high = (void *)top; /* 32 elements before the end */
    _Alignas(double) unsigned char low[64 * sizeof(double)], low2[64 * sizeof(double)];
    memset(low, MARK, sizeof low);
    memset(low2, MARK, sizeof low2);
    fixture *f = malloc(sizeof *f);
    cr_assert_not_null(f);
    fixture_make(f, t, CRELU_SAVE_MASK);
    cr_assert_eq(t->forward(f->ctx, high, low, n), CRELU_ERR_OVERFLOW, "forward, high x");
    cr_assert_eq(t->forward(f->ctx, low, high, n), CRELU_ERR_OVERFLOW, "forward, high y");
    cr_assert_eq(t->forward(f->ctx, high, high, n), CRELU_ERR_OVERFLOW, "forward, in place");
    cr_assert_eq(t->backward(f->ctx, high, low, n), CRELU_ERR_OVERFLOW, "backward, high dy");
    cr_assert_eq(t->backward(f->ctx, low, high, n), CRELU_ERR_OVERFLOW, "backward, high dx");
    fixture_check(f, t, "past the address space", n);
    fixture_free(f);
    free(f);
    cr_assert_eq(t->relu(high, low, n), CRELU_ERR_OVERFLOW, "relu, high x");
    cr_assert_eq(t->relu(low, high, n), CRELU_ERR_OVERFLOW, "relu, high y");
    cr_assert_eq(t->relu(high, high, n), CRELU_ERR_OVERFLOW, "relu in place");
    cr_assert_eq(t->relu_backward(high, low, low2, n), CRELU_ERR_OVERFLOW, "high x");
    cr_assert_eq(t->relu_backward(low, high, low2, n), CRELU_ERR_OVERFLOW, "high dy");
    cr_assert_eq(t->relu_backward(low, low2, high, n), CRELU_ERR_OVERFLOW, "high dx");
    assert_marked(low, sizeof low, "past the address space", n);
    assert_marked(low2, sizeof low2, "past the address space", n);
}

Test(limits, f32_buffers_past_the_address_space_overflow) {
    past_the_address_space(&test_f32);
}
Test(limits, f64_buffers_past_the_address_space_overflow) {
    past_the_address_space(&test_f64);
}
Test(limits, bf16_buffers_past_the_address_space_overflow) {
    past_the_address_space(&test_bf16);
}
Test(limits, f16_buffers_past_the_address_space_overflow) {
    past_the_address_space(&test_f16);
}

/* An allocator that records what it is asked for and refuses anything
 * bigger than a test could want, without passing it on to malloc (under
 * AddressSanitizer a huge malloc is itself an error). */
typedef struct recording_allocator {
    counting_allocator counting;
    size_t last_request;
} recording_allocator;

static void *recording_alloc(void *opaque, size_t size) {
    recording_allocator *r = opaque;
    r->last_request = size;
    if (size > ((size_t)1 << 20)) {
        r->counting.attempts++;
        r->counting.refused++;
        return NULL;
    }
    return counting_alloc(&r->counting, size);
}

static void recording_free(void *opaque, void *ptr) {
    counting_free(&((recording_allocator *)opaque)->counting, ptr);
}

/* The largest count that passes the checks, in place (one real address):
 * the saved state it asks for is exactly n * size bytes, or ceil(n / 8) for
 * the mask, and refusing it is CRELU_ERR_OUT_OF_MEMORY with nothing run.
 * (The stateless functions have no allocation to stop them: past the
 * checks they would run, so they are not called with it.) */
static void largest_count_asks_for_exact_bytes(const dtype_api *t) {
    const size_t n = (size_t)PTRDIFF_MAX / t->size;
    _Alignas(double) unsigned char buf[N * sizeof(double)];
    memset(buf, MARK, sizeof buf);
    for (int save = CRELU_SAVE_X; save <= CRELU_SAVE_MASK; save++) {
        recording_allocator r = {{0}, 0};
        crelu_ctx *ctx;
        cr_assert_eq(crelu_create_with_allocator(&ctx, recording_alloc, recording_free, &r),
                     CRELU_OK);
        cr_assert_eq(crelu_set_save(ctx, save), CRELU_OK);
        cr_assert_eq(t->forward(ctx, buf, buf, n), CRELU_ERR_OUT_OF_MEMORY);
        const size_t want = save == CRELU_SAVE_X ? n * t->size : n / 8 + (n % 8 != 0);
        cr_assert_eq(r.last_request, want, "asked for %zu bytes, want %zu", r.last_request, want);
        cr_assert_eq(t->backward(ctx, buf, buf, n), CRELU_ERR_NO_FORWARD);
        assert_marked(buf, sizeof buf, "largest count", n);
        crelu_destroy(ctx);
        cr_assert_eq(r.counting.live_bytes, 0);
    }
}

Test(limits, f32_largest_count_asks_for_exact_bytes) {
    largest_count_asks_for_exact_bytes(&test_f32);
}
Test(limits, f64_largest_count_asks_for_exact_bytes) {
    largest_count_asks_for_exact_bytes(&test_f64);
}
Test(limits, bf16_largest_count_asks_for_exact_bytes) {
    largest_count_asks_for_exact_bytes(&test_bf16);
}
Test(limits, f16_largest_count_asks_for_exact_bytes) {
    largest_count_asks_for_exact_bytes(&test_f16);
}
