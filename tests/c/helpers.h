/* SPDX-License-Identifier: MIT */
/* Shared machinery of the C tests: one descriptor per dtype so every test
 * runs for float32, float64, bfloat16 and float16, deterministic inputs
 * rich in special values, poisoned guard zones, and bit-exact comparison
 * with the scalar reference. */
#ifndef CRELU_TEST_HELPERS_H
#define CRELU_TEST_HELPERS_H

#include <stddef.h>
#include <stdint.h>

#include "crelu.h"
#include "crelu_internal.h"

/* The public entry points and the reference kernels of one dtype, on void
 * pointers, so that a test is written once for both. */
typedef struct dtype_api {
    const char *name;
    size_t size;
    crelu__dtype code; /* the library's, to index kernel tables */
    int (*forward)(crelu_ctx *ctx, const void *x, void *y, size_t n);
    int (*backward)(crelu_ctx *ctx, const void *dy, void *dx, size_t n);
    int (*relu)(const void *x, void *y, size_t n);
    int (*relu_backward)(const void *x, const void *dy, void *dx, size_t n);
    void (*ref_forward)(const crelu__op *op, const void *x, void *y, size_t n);
    void (*ref_forward_mask)(const crelu__op *op, const void *x, void *y, unsigned char *mask,
                             size_t n);
    void (*ref_backward_x)(const crelu__op *op, const void *x, const void *dy, void *dx,
                           size_t n);
    void (*ref_backward_mask)(const crelu__op *op, const unsigned char *mask, const void *dy,
                              void *dx, size_t n);
} dtype_api;

extern const dtype_api test_f32;
extern const dtype_api test_f64;
extern const dtype_api *const test_dtypes[2];
/* bfloat16 and float16: uint16_t bit patterns. */
extern const dtype_api test_bf16;
extern const dtype_api test_f16;
extern const dtype_api *const test_half_dtypes[2];
/* All four, for the tests that walk every dtype (and every pair of them). */
#define TEST_DTYPE_COUNT 4
extern const dtype_api *const test_every_dtype[TEST_DTYPE_COUNT];

/* A stack array of up to `count` elements of either dtype, aligned for both
 * (and for any vector width). */
#define ELEMENTS(name, count) _Alignas(64) unsigned char name[(count) * sizeof(double)]

/* One set of context options. */
typedef struct test_config {
    const char *name;
    int rule;
    double slope;
    double cap;
} test_config;

/* Every row of the table under both rules, with slopes and caps chosen to hit
 * rounding (0.1 is inexact in both dtypes) and sign (negative slope). */
extern const test_config test_configs[];
extern const size_t test_config_count;

/* Applies rule, slope, cap and save mode to ctx (asserting success). */
void apply_config(crelu_ctx *ctx, const test_config *config, int save);
crelu__op op_of(const test_config *config);

/* Fills n elements with a deterministic mix of special values (signed zeros,
 * infinities, quiet and signalling NaNs with payloads, subnormals, extremes,
 * the test caps and their neighbours) and random bit patterns. */
void fill_inputs(const dtype_api *t, void *buf, size_t n, uint64_t seed);

/* A buffer with poisoned guard zones before and after its n elements, and a
 * start offset of `misalign` elements from a 64-byte boundary. */
typedef struct guarded {
    unsigned char *block;
    size_t block_bytes;
    void *data; /* n elements, poisoned */
    size_t bytes;
} guarded;

guarded guarded_make(const dtype_api *t, size_t n, size_t misalign);
void guarded_free(guarded *g);
/* Asserts the guard zones still hold the poison. */
void guarded_check(const guarded *g, const char *context);
/* Sets the n data elements to the poison pattern again. */
void guarded_poison(guarded *g);

/* Asserts n elements of `got` equal `want` bit for bit, naming the first
 * difference. */
void assert_same_bits(const dtype_api *t, const void *got, const void *want, size_t n,
                      const char *context);

/* Number of element offsets that cover every alignment within a 64-byte
 * line (float32, float64), or within 32 bytes, an AVX2 vector (the 16-bit
 * dtypes, whose 32 offsets would double the public sweeps' time; the kernel
 * suite places them across the whole line). */
size_t misalignments(const dtype_api *t);

/* When CRELU_ISA names a table this CPU can run, asserts that the library
 * runs it: CTest runs some suites once per table that way. */
void assert_runs_on_crelu_isa(void);

#endif
