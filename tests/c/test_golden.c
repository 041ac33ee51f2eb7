/* SPDX-License-Identifier: MIT */
/* The golden vectors (tests/golden/vectors.bin, made on x86-64 by the
 * reference kernels and judged there against live PyTorch and NumPy; see
 * tests/golden/golden.py) replayed here, on whatever machine runs this:
 * every kernel table this CPU can run, called directly (forward with and
 * without the saved copy, forward_mask with the mask's bytes, backward from
 * x and from the golden mask, streamed or not, from element 0 and from
 * element 1), and the public API in both save modes. The expected bits come
 * from the file, never from code compiled here: on a cross target this is
 * the oracle that does not share the compiler's or the FPU's mistakes.
 * White-box (the tables): linked against the static library. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crelu.h"
#include "crelu_internal.h"

#ifndef CRELU_GOLDEN_FILE
#error "CRELU_GOLDEN_FILE must name tests/golden/vectors.bin"
#endif

enum { HEADER_BYTES = 4 * 4 + 2 * 8 + 32, MAGIC_BYTES = 8 };

/* A NaN that arithmetic creates rather than passes on (in libcrelu only the
 * cs231n rule's dy * 0 at dy = +-inf creates one) is the machine's default
 * NaN, as NumPy's and PyTorch's are on that machine (crelu.h says so). The
 * vectors hold x86's, negative; arm64 and s390x make it positive (their
 * architecture manuals' default NaN), and so, as far as we know, does every
 * other machine Debian has. Constants, not this machine's arithmetic. */
static const uint32_t x86_default_nan_f32 = 0xffc00000u;
static const uint64_t x86_default_nan_f64 = 0xfff8000000000000u;
#if defined(__x86_64__) || defined(__i386__)
static const uint32_t default_nan_f32 = 0xffc00000u;
static const uint64_t default_nan_f64 = 0xfff8000000000000u;
#else
static const uint32_t default_nan_f32 = 0x7fc00000u;
static const uint64_t default_nan_f64 = 0x7ff8000000000000u;
#endif
/* The same NaN narrowed: float16 keeps its sign (crelu.h); bfloat16 writes
 * 0xffff for every NaN, so its records need no change. */
static const uint16_t x86_default_nan_f16 = 0xfe00u;
#if defined(__x86_64__) || defined(__i386__)
static const uint16_t default_nan_f16 = 0xfe00u;
#else
static const uint16_t default_nan_f16 = 0x7e00u;
#endif

/* A record's element format: the file's format field. */
enum { FORMAT_IEEE = 0, FORMAT_BF16 = 1, FORMAT_F16 = 2 };
static size_t created_nans; /* expected values moved to this machine's default NaN */

typedef struct record {
    char name[33];
    size_t size; /* element bytes */
    unsigned format;
    crelu__dtype dtype;
    int rule;
    size_t n;
    double slope, cap;
    /* Native element arrays, 64-byte aligned, and the mask as stored. */
    unsigned char *x, *dy, *y, *dx, *mask;
} record;

static uint64_t read_le(const unsigned char *p, size_t bytes) {
    uint64_t v = 0;
    for (size_t i = 0; i < bytes; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

static double double_of(uint64_t bits) {
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

static unsigned char *aligned(size_t bytes) {
    void *p = aligned_alloc(64, (bytes + 63) / 64 * 64 + 64);
    cr_assert_not_null(p);
    return p;
}

/* Element bit patterns, little-endian in the file, into native floats. */
static const unsigned char *decode_elements(const unsigned char *at, const record *r,
                                            unsigned char *out) {
    for (size_t i = 0; i < r->n; i++, at += r->size) {
        const uint64_t bits = read_le(at, r->size);
        if (r->size == sizeof(uint16_t)) {
            const uint16_t b16 = (uint16_t)bits;
            memcpy(out + i * r->size, &b16, sizeof b16);
        } else if (r->size == sizeof(float)) {
            const uint32_t b32 = (uint32_t)bits;
            memcpy(out + i * r->size, &b32, sizeof b32);
        } else {
            memcpy(out + i * r->size, &bits, sizeof bits);
        }
    }
    return at;
}

/* dx = dy * 0 where dy is +-inf: x86's default NaN in the file, this
 * machine's here. */
static void to_this_machines_default_nan(record *r) {
    for (size_t i = 0; i < r->n; i++) {
        if (r->format == FORMAT_BF16) {
            continue;
        }
        if (r->format == FORMAT_F16) {
            uint16_t dy, dx;
            memcpy(&dy, r->dy + i * 2, 2);
            memcpy(&dx, r->dx + i * 2, 2);
            if ((dy & 0x7fffu) == 0x7c00u && dx == x86_default_nan_f16) {
                memcpy(r->dx + i * 2, &default_nan_f16, 2);
                created_nans++;
            }
        } else if (r->size == sizeof(float)) {
            uint32_t dy, dx;
            memcpy(&dy, r->dy + i * 4, 4);
            memcpy(&dx, r->dx + i * 4, 4);
            if ((dy & 0x7fffffffu) == 0x7f800000u && dx == x86_default_nan_f32) {
                memcpy(r->dx + i * 4, &default_nan_f32, 4);
                created_nans++;
            }
        } else {
            uint64_t dy, dx;
            memcpy(&dy, r->dy + i * 8, 8);
            memcpy(&dx, r->dx + i * 8, 8);
            if ((dy & 0x7fffffffffffffffu) == 0x7ff0000000000000u && dx == x86_default_nan_f64) {
                memcpy(r->dx + i * 8, &default_nan_f64, 8);
                created_nans++;
            }
        }
    }
}

static record *records;
static size_t record_count;

static void load(void) {
    FILE *file = fopen(CRELU_GOLDEN_FILE, "rb");
    cr_assert_not_null(file, "cannot open %s", CRELU_GOLDEN_FILE);
    cr_assert_eq(fseek(file, 0, SEEK_END), 0);
    const long length = ftell(file);
    cr_assert_gt(length, MAGIC_BYTES + 4);
    rewind(file);
    unsigned char *data = malloc((size_t)length);
    cr_assert_not_null(data);
    cr_assert_eq(fread(data, 1, (size_t)length, file), (size_t)length);
    fclose(file);
    const unsigned char *end = data + length;
    cr_assert_eq(memcmp(data, "CRGOLD01", MAGIC_BYTES), 0, "not a golden vector file");
    record_count = (size_t)read_le(data + MAGIC_BYTES, 4);
    records = calloc(record_count, sizeof *records);
    cr_assert_not_null(records);
    const unsigned char *at = data + MAGIC_BYTES + 4;
    for (size_t k = 0; k < record_count; k++) {
        record *r = &records[k];
        cr_assert_leq(HEADER_BYTES, end - at, "record %zu: truncated header", k);
        r->size = (size_t)read_le(at, 4);
        r->rule = (int)read_le(at + 4, 4);
        r->n = (size_t)read_le(at + 8, 4);
        r->format = (unsigned)read_le(at + 12, 4);
        r->slope = double_of(read_le(at + 16, 8));
        r->cap = double_of(read_le(at + 24, 8));
        memcpy(r->name, at + 32, 32);
        at += HEADER_BYTES;
        if (r->format == FORMAT_BF16 || r->format == FORMAT_F16) {
            cr_assert_eq(r->size, sizeof(uint16_t), "record %zu", k);
            r->dtype = r->format == FORMAT_BF16 ? CRELU__BF16 : CRELU__F16;
        } else {
            cr_assert(r->format == FORMAT_IEEE &&
                          (r->size == sizeof(float) || r->size == sizeof(double)),
                      "record %zu: format %u, size %zu", k, r->format, r->size);
            r->dtype = r->size == sizeof(float) ? CRELU__F32 : CRELU__F64;
        }
        const size_t mask_bytes = crelu__mask_bytes(r->n);
        cr_assert_leq(4 * r->n * r->size + mask_bytes, (size_t)(end - at), "%s: truncated",
                      r->name);
        unsigned char **arrays[] = {&r->x, &r->dy, &r->y, &r->dx};
        for (size_t a = 0; a < 4; a++) {
            *arrays[a] = aligned(r->n * r->size);
            at = decode_elements(at, r, *arrays[a]);
        }
        r->mask = aligned(mask_bytes);
        memcpy(r->mask, at, mask_bytes);
        at += mask_bytes;
        if (r->rule == CRELU_GRAD_CS231N) {
            to_this_machines_default_nan(r);
        }
    }
    cr_assert_eq(at, end, "bytes after the last record");
    free(data);
}

/* Elements of `got` whose bits differ from `want`, and how many bits. */
typedef struct tally {
    size_t compared, elements, bits;
} tally;

static int count_bits(uint64_t v) {
    int count = 0;
    for (; v != 0; v &= v - 1) {
        count++;
    }
    return count;
}

static void compare(tally *t, const record *r, const char *what, const unsigned char *got,
                    const unsigned char *want, size_t n) {
    size_t first = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        uint64_t a = 0, b = 0;
        if (r->size == sizeof(uint16_t)) {
            uint16_t a16, b16;
            memcpy(&a16, got + i * r->size, sizeof a16);
            memcpy(&b16, want + i * r->size, sizeof b16);
            a = a16;
            b = b16;
        } else if (r->size == sizeof(float)) {
            uint32_t a32, b32;
            memcpy(&a32, got + i * r->size, sizeof a32);
            memcpy(&b32, want + i * r->size, sizeof b32);
            a = a32;
            b = b32;
        } else {
            memcpy(&a, got + i * r->size, sizeof a);
            memcpy(&b, want + i * r->size, sizeof b);
        }
        if (a != b) {
            t->elements++;
            t->bits += (size_t)count_bits(a ^ b);
            if (first == SIZE_MAX) {
                first = i;
                fprintf(stderr, "golden: %s, %s: element %zu is 0x%llx, expected 0x%llx\n",
                        r->name, what, i, (unsigned long long)a, (unsigned long long)b);
            }
        }
    }
    t->compared += n;
}

/* The golden mask of elements [from, from + n), as its own mask from bit 0. */
static void sub_mask(const record *r, size_t from, size_t n, unsigned char *out) {
    memset(out, 0, crelu__mask_bytes(n));
    for (size_t i = 0; i < n; i++) {
        const size_t j = from + i;
        out[i / 8] = (unsigned char)(out[i / 8] | ((((unsigned)r->mask[j / 8] >> (j % 8)) & 1u) << (i % 8)));
    }
}

static void compare_mask(tally *t, const record *r, const char *what, const unsigned char *got,
                         const unsigned char *want, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const unsigned a = ((unsigned)got[i / 8] >> (i % 8)) & 1u;
        const unsigned b = ((unsigned)want[i / 8] >> (i % 8)) & 1u;
        if (a != b) {
            if (t->elements++ == 0) {
                fprintf(stderr, "golden: %s, %s: mask bit %zu is %u, expected %u\n", r->name,
                        what, i, a, b);
            }
            t->bits++;
        }
    }
    t->compared += n;
}

/* One table on one record, from element `from` on, streamed or not. */
static void replay_table(tally *t, const crelu__kernels *k, const record *r, size_t from,
                         int stream) {
    const size_t n = r->n - from, off = from * r->size;
    const crelu__op op = crelu__op_make(r->rule, r->slope, r->cap);
    unsigned char *out = aligned(n * r->size), *saved = aligned(n * r->size);
    unsigned char *mask = aligned(crelu__mask_bytes(n)), *want_mask = aligned(crelu__mask_bytes(n));
    sub_mask(r, from, n, want_mask);
    const crelu__dtype_kernels *row = &k->dtypes[r->dtype];
    const void *x = r->x + off, *dy = r->dy + off;

    row->forward(&op, x, out, NULL, n, stream);
    compare(t, r, "forward", out, r->y + off, n);

    row->forward(&op, x, out, saved, n, stream);
    compare(t, r, "forward saving x", out, r->y + off, n);
    compare(t, r, "the saved copy of x", saved, r->x + off, n);

    memset(mask, 0xA5, crelu__mask_bytes(n));
    row->forward_mask(&op, x, out, mask, n, stream);
    compare(t, r, "forward_mask", out, r->y + off, n);
    compare_mask(t, r, "forward_mask's mask", mask, want_mask, n);

    row->backward_x(&op, x, dy, out, n, stream);
    compare(t, r, "backward from x", out, r->dx + off, n);

    row->backward_mask(&op, want_mask, dy, out, n, stream);
    compare(t, r, "backward from the mask", out, r->dx + off, n);

    free(out);
    free(saved);
    free(mask);
    free(want_mask);
}

Test(golden, every_kernel_table_gives_the_golden_bits) {
    load();
    size_t tables = 0;
    for (size_t i = 0; crelu__kernel_tables[i] != NULL; i++) {
        const crelu__kernels *k = crelu__kernel_tables[i];
        if (!k->supported()) {
            printf("golden: %s table: not run, this CPU cannot run it\n", k->name);
            continue;
        }
        tally t = {0, 0, 0};
        for (size_t j = 0; j < record_count; j++) {
            for (int stream = 0; stream <= 1; stream++) {
                replay_table(&t, k, &records[j], 0, stream);
                replay_table(&t, k, &records[j], 1, stream);
            }
        }
        printf("golden: %s table: %zu records, %zu values compared, %zu differ (%zu bits); "
               "%zu created NaNs expected as 0x%x / 0x%llx / 0x%x (f32 / f64 / f16)\n",
               k->name, record_count, t.compared, t.elements, t.bits, created_nans,
               (unsigned)default_nan_f32, (unsigned long long)default_nan_f64,
               (unsigned)default_nan_f16);
        fflush(stdout);
        cr_assert_eq(t.elements, 0, "%s table: %zu values differ from the golden vectors",
                     k->name, t.elements);
        tables++;
    }
    cr_assert_geq(tables, 2, "at least the scalar and portable tables run everywhere");
}

/* The public entry points of a record's dtype. */
static int api_forward(crelu_ctx *ctx, const record *r, unsigned char *out) {
    switch (r->dtype) {
    case CRELU__F32: return crelu_forward_f32(ctx, (const float *)r->x, (float *)out, r->n);
    case CRELU__F64: return crelu_forward_f64(ctx, (const double *)r->x, (double *)out, r->n);
    case CRELU__BF16:
        return crelu_forward_bf16(ctx, (const uint16_t *)r->x, (uint16_t *)out, r->n);
    case CRELU__F16:
        return crelu_forward_f16(ctx, (const uint16_t *)r->x, (uint16_t *)out, r->n);
    default: return CRELU_ERR_INVALID_ARGUMENT; /* no dtype: load() allows none */
    }
}

static int api_backward(crelu_ctx *ctx, const record *r, unsigned char *out) {
    switch (r->dtype) {
    case CRELU__F32: return crelu_backward_f32(ctx, (const float *)r->dy, (float *)out, r->n);
    case CRELU__F64: return crelu_backward_f64(ctx, (const double *)r->dy, (double *)out, r->n);
    case CRELU__BF16:
        return crelu_backward_bf16(ctx, (const uint16_t *)r->dy, (uint16_t *)out, r->n);
    case CRELU__F16:
        return crelu_backward_f16(ctx, (const uint16_t *)r->dy, (uint16_t *)out, r->n);
    default: return CRELU_ERR_INVALID_ARGUMENT; /* no dtype: load() allows none */
    }
}

static int api_relu(const record *r, unsigned char *out) {
    switch (r->dtype) {
    case CRELU__F32: return crelu_relu_f32((const float *)r->x, (float *)out, r->n);
    case CRELU__F64: return crelu_relu_f64((const double *)r->x, (double *)out, r->n);
    case CRELU__BF16: return crelu_relu_bf16((const uint16_t *)r->x, (uint16_t *)out, r->n);
    case CRELU__F16: return crelu_relu_f16((const uint16_t *)r->x, (uint16_t *)out, r->n);
    default: return CRELU_ERR_INVALID_ARGUMENT; /* no dtype: load() allows none */
    }
}

static int api_relu_backward(const record *r, unsigned char *out) {
    switch (r->dtype) {
    case CRELU__F32:
        return crelu_relu_backward_f32((const float *)r->x, (const float *)r->dy, (float *)out,
                                       r->n);
    case CRELU__F64:
        return crelu_relu_backward_f64((const double *)r->x, (const double *)r->dy,
                                       (double *)out, r->n);
    case CRELU__BF16:
        return crelu_relu_backward_bf16((const uint16_t *)r->x, (const uint16_t *)r->dy,
                                        (uint16_t *)out, r->n);
    case CRELU__F16:
        return crelu_relu_backward_f16((const uint16_t *)r->x, (const uint16_t *)r->dy,
                                       (uint16_t *)out, r->n);
    default: return CRELU_ERR_INVALID_ARGUMENT; /* no dtype: load() allows none */
    }
}

/* The public entry points, on the table the library picked (CRELU_ISA). */
Test(golden, the_api_gives_the_golden_bits_in_both_save_modes) {
    load();
    tally t = {0, 0, 0};
    for (size_t j = 0; j < record_count; j++) {
        const record *r = &records[j];
        unsigned char *out = aligned(r->n * r->size);
        for (int save = CRELU_SAVE_X; save <= CRELU_SAVE_MASK; save++) {
            crelu_ctx *ctx;
            cr_assert_eq(crelu_create(&ctx), CRELU_OK);
            cr_assert_eq(crelu_set_save(ctx, save), CRELU_OK);
            cr_assert_eq(crelu_set_grad_rule(ctx, r->rule), CRELU_OK);
            cr_assert_eq(crelu_set_negative_slope(ctx, r->slope), CRELU_OK);
            cr_assert_eq(crelu_set_max_value(ctx, r->cap), CRELU_OK);
            cr_assert_eq(api_forward(ctx, r, out), CRELU_OK);
            compare(&t, r, save == CRELU_SAVE_X ? "crelu_forward, save x" : "crelu_forward, save mask",
                    out, r->y, r->n);
            cr_assert_eq(api_backward(ctx, r, out), CRELU_OK);
            compare(&t, r, save == CRELU_SAVE_X ? "crelu_backward, save x" : "crelu_backward, save mask",
                    out, r->dx, r->n);
            crelu_destroy(ctx);
        }
        /* The stateless calls are the default operation: ReLU, PyTorch rule. */
        if (r->rule == CRELU_GRAD_PYTORCH && r->slope == 0.0 && r->cap == INFINITY) {
            cr_assert_eq(api_relu(r, out), CRELU_OK);
            compare(&t, r, "crelu_relu", out, r->y, r->n);
            cr_assert_eq(api_relu_backward(r, out), CRELU_OK);
            compare(&t, r, "crelu_relu_backward", out, r->dx, r->n);
        }
        free(out);
    }
    printf("golden: the API on the %s table: %zu values compared, %zu differ (%zu bits)\n",
           crelu_isa_name(), t.compared, t.elements, t.bits);
    cr_assert_eq(t.elements, 0, "%zu values differ from the golden vectors", t.elements);
}
