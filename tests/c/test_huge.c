/* SPDX-License-Identifier: MIT */
/* One call over more than 2^31 elements, to prove that no index, offset or
 * mask bit position anywhere is held in 32 bits: n = 2^31 + 1 float32 in
 * mask mode, forward in place (y == x) and backward in place (dx == dy),
 * every element checked. About 17 GiB (8 GiB x, 8 GiB dy, a 256 MiB mask),
 * so it is skipped unless CRELU_TEST_HUGE=1. Default threads, default ISA.
 *
 * The inputs are computed from the index, so checking needs no copy: the
 * sign of x[i] is the parity of popcount(i). Below n, truncating an index
 * to 31 bits, or a float's byte offset to 32 bits, clears exactly one set
 * bit (31 or 30), which flips the parity: an element reached through such
 * an index has the opposite sign. dy[i] holds i / 256 exactly, so a
 * misplaced dy shows in the value too. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crelu.h"

static float x_at(size_t i) {
    /* Zeros (both signs) every 5th element: ReLU keeps -0, backward blocks it. */
    const float magnitude = i % 5 == 0 ? 0.0f : (float)((i & 0xFFFF) + 1);
    return __builtin_popcountll(i) & 1 ? -magnitude : magnitude;
}

static float dy_at(size_t i) {
    return (float)(i >> 8) + 0.5f; /* exact: below 2^23 */
}

/* The rules of plain ReLU with PyTorch's backward (crelu.h's table). */
static float relu_at(size_t i) {
    const float x = x_at(i);
    return x < 0 ? 0.0f : x;
}

static float grad_at(size_t i) {
    return x_at(i) <= 0 ? 0.0f : dy_at(i);
}

static int same_bits(float a, float b) {
    return memcmp(&a, &b, sizeof a) == 0;
}

static double seconds_since(const struct timespec *start) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

Test(huge, mask_mode_in_place_over_2_to_the_31_elements, .timeout = 3600) {
    const char *enabled = getenv("CRELU_TEST_HUGE");
    if (enabled == NULL || strcmp(enabled, "1") != 0) {
        /* Printed too (Criterion shows a skip's reason only with --verbose):
         * CTest's SKIP_REGULAR_EXPRESSION reports the test as skipped by it. */
        fprintf(stderr, "huge test skipped: set CRELU_TEST_HUGE=1 to run it (needs ~17 GiB)\n");
        cr_skip_test("set CRELU_TEST_HUGE=1 to run it");
    }
#if SIZE_MAX <= UINT32_MAX
    /* 8 GiB of float32 cannot exist with a 32-bit size_t; test_limits
     * covers the counts whose bytes do not fit. */
    fprintf(stderr, "huge test skipped: 2^31 floats do not fit a 32-bit address space\n");
    cr_skip_test("2^31 floats do not fit a 32-bit address space");
#else
    const size_t n = ((size_t)1 << 31) + 1;
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    float *x = malloc(n * sizeof *x);
    float *dy = malloc(n * sizeof *dy);
    cr_assert(x != NULL && dy != NULL, "cannot allocate 2 x %zu bytes", n * sizeof *x);
    for (size_t i = 0; i < n; i++) {
        x[i] = x_at(i);
        dy[i] = dy_at(i);
    }
    fprintf(stderr, "huge: filled in %.1f s; isa %s\n", seconds_since(&start), crelu_isa_name());

    crelu_ctx *ctx;
    cr_assert_eq(crelu_create(&ctx), CRELU_OK);
    const size_t empty = crelu_sizeof_ctx(ctx);
    cr_assert_eq(crelu_set_save(ctx, CRELU_SAVE_MASK), CRELU_OK);
    struct timespec call;
    clock_gettime(CLOCK_MONOTONIC, &call);
    cr_assert_eq(crelu_forward_f32(ctx, x, x, n), CRELU_OK);
    fprintf(stderr, "huge: forward %.2f s\n", seconds_since(&call));
    cr_assert_eq(crelu_sizeof_ctx(ctx) - empty, n / 8 + 1, "the mask is ceil(n / 8) bytes");

    size_t wrong = 0, first = 0;
    for (size_t i = 0; i < n; i++) {
        if (!same_bits(x[i], relu_at(i)) && wrong++ == 0) {
            first = i;
        }
    }
    cr_assert_eq(wrong, 0, "forward: %zu wrong elements, the first at %zu", wrong, first);

    clock_gettime(CLOCK_MONOTONIC, &call);
    cr_assert_eq(crelu_backward_f32(ctx, dy, dy, n), CRELU_OK);
    fprintf(stderr, "huge: backward %.2f s\n", seconds_since(&call));
    for (size_t i = 0; i < n; i++) {
        if (!same_bits(dy[i], grad_at(i)) && wrong++ == 0) {
            first = i;
        }
    }
    cr_assert_eq(wrong, 0, "backward: %zu wrong elements, the first at %zu", wrong, first);

    crelu_destroy(ctx);
    free(x);
    free(dy);
    fprintf(stderr, "huge: %zu elements checked twice, all right, %.1f s in all\n", n,
            seconds_since(&start));
#endif
}
