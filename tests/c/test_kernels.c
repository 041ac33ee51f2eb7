/* SPDX-License-Identifier: MIT */
/* Every kernel table compiled into the library (scalar, portable, SSE2,
 * AVX2, AVX-512 on x86; NEON on AArch64), called directly, against the
 * scalar reference, bit for bit: every row and rule, every dtype, sizes
 * 0..200 and a few past the vector blocks, every misalignment of the input
 * and of the output, with and without streaming stores, in place; for the
 * 16-bit dtypes every one of the 65,536 patterns of x too; and again with
 * flush-to-zero on. Tables this CPU cannot run are skipped with a
 * message. White-box: linked against the static library only. */
#define _POSIX_C_SOURCE 200809L /* setenv, unsetenv */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "half_oracle.h"
#include "helpers.h"

#if defined(__x86_64__)
#include <xmmintrin.h> /* _mm_getcsr, _mm_setcsr */
#endif

enum { MAX_SMALL_N = 200, MAX_N = 4099 };
/* Every 16-bit pattern once, and a ragged tail for every vector width. */
enum { EVERY_PATTERN_N = 65536 + 37 };
enum {
    BUF_BYTES = MAX_N * sizeof(double) > EVERY_PATTERN_N * sizeof(uint16_t)
                    ? MAX_N * sizeof(double)
                    : EVERY_PATTERN_N * sizeof(uint16_t)
};
static const size_t large_sizes[] = {511, 512, 1000, 4099};

typedef struct kernel_case {
    const dtype_api *t;
    const crelu__kernels *k;
    const crelu__op *op;
    const char *name;
    size_t n;
    int stream;
} kernel_case;

/* The table's kernels of the case's dtype. */
static const crelu__dtype_kernels *row(const kernel_case *c) {
    return &c->k->dtypes[c->t->code];
}

static void run_forward(const kernel_case *c, const void *x, void *y, void *saved) {
    row(c)->forward(c->op, x, y, saved, c->n, c->stream);
}

static void run_forward_mask(const kernel_case *c, const void *x, void *y, unsigned char *mask) {
    row(c)->forward_mask(c->op, x, y, mask, c->n, c->stream);
}

static void run_backward_x(const kernel_case *c, const void *x, const void *dy, void *dx) {
    row(c)->backward_x(c->op, x, dy, dx, c->n, c->stream);
}

static void run_backward_mask(const kernel_case *c, const unsigned char *mask, const void *dy,
                              void *dx) {
    row(c)->backward_mask(c->op, mask, dy, dx, c->n, c->stream);
}

/* Inputs and the reference's results for one (op, n). */
typedef struct expected {
    _Alignas(64) unsigned char x[BUF_BYTES];
    _Alignas(64) unsigned char dy[BUF_BYTES];
    _Alignas(64) unsigned char y[BUF_BYTES];
    _Alignas(64) unsigned char dx[BUF_BYTES];
    unsigned char mask[BUF_BYTES / 8 + 1];
} expected;

/* Replaces every value that is subnormal, or small enough that a test slope
 * (|a| >= 0.1) times it would be, by +-1: what flush-to-zero leaves alone.
 * For the 16-bit dtypes, subnormal in their own format: float16's smallest
 * normal, 2^-14, is a normal float32, so what a 16-bit kernel may not
 * change under flush-to-zero is everything from about 2^-10 up. */
static void drop_tiny(const dtype_api *t, void *buf, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (t->size == sizeof(uint16_t)) {
            uint16_t *h = (uint16_t *)buf + i;
            const int bf16 = t->code == CRELU__BF16;
            const uint32_t bits = bf16 ? oracle_bf16_widen(*h) : oracle_f16_widen(*h);
            float v;
            memcpy(&v, &bits, sizeof v);
            if (v != 0 && fabsf(v) < (bf16 ? 0x1p-100f : 0x1p-8f)) {
                const uint16_t one = bf16 ? 0x3f80 : 0x3c00;
                *h = (uint16_t)(one | (*h & 0x8000u));
            }
        } else if (t->size == sizeof(float)) {
            float *v = (float *)buf + i;
            if (*v != 0 && fabsf(*v) < 0x1p-100f) {
                *v = copysignf(1.0f, *v);
            }
        } else {
            double *v = (double *)buf + i;
            if (*v != 0 && fabs(*v) < 0x1p-1000) {
                *v = copysign(1.0, *v);
            }
        }
    }
}

/* The reference's results for the inputs already in e. */
static void compute_reference(const kernel_case *c, expected *e) {
    static unsigned char y_again[BUF_BYTES];
    c->t->ref_forward_mask(c->op, e->x, e->y, e->mask, c->n);
    c->t->ref_forward(c->op, e->x, y_again, c->n);
    assert_same_bits(c->t, y_again, e->y, c->n, "reference forward with and without mask");
    c->t->ref_backward_x(c->op, e->x, e->dy, e->dx, c->n);
}

/* keep_tiny 0 drops what flush-to-zero may change (drop_tiny). */
static void compute_expected(const kernel_case *c, expected *e, uint64_t seed, int keep_tiny) {
    fill_inputs(c->t, e->x, c->n, seed);
    fill_inputs(c->t, e->dy, c->n, seed + 1);
    if (!keep_tiny) {
        drop_tiny(c->t, e->x, c->n);
        drop_tiny(c->t, e->dy, c->n);
    }
    compute_reference(c, e);
}

static void check_case(const kernel_case *c, const expected *e, size_t in_misalign,
                       size_t out_misalign) {
    const dtype_api *t = c->t;
    const size_t mask_bytes = crelu__mask_bytes(c->n);
    guarded in = guarded_make(t, c->n, in_misalign);
    guarded out = guarded_make(t, c->n, out_misalign);
    unsigned char *mask = malloc(mask_bytes + 1);
    cr_assert_not_null(mask);
    char what[160];

    snprintf(what, sizeof what, "%s %s %s n=%zu stream=%d forward", c->k->name, t->name,
             c->name, c->n, c->stream);
    memcpy(in.data, e->x, in.bytes);
    run_forward(c, in.data, out.data, NULL);
    assert_same_bits(t, out.data, e->y, c->n, what);
    guarded_check(&out, what);

    /* Save-x mode's fused copy, with the copy aligned like y or not, and in
     * place. */
    snprintf(what, sizeof what, "%s %s %s n=%zu stream=%d forward saving x", c->k->name,
             t->name, c->name, c->n, c->stream);
    guarded saved = guarded_make(t, c->n, in_misalign);
    guarded_poison(&out);
    run_forward(c, in.data, out.data, saved.data);
    assert_same_bits(t, out.data, e->y, c->n, what);
    assert_same_bits(t, saved.data, e->x, c->n, what);
    guarded_check(&out, what);
    guarded_check(&saved, what);
    guarded_poison(&saved);
    memcpy(out.data, e->x, out.bytes);
    run_forward(c, out.data, out.data, saved.data);
    assert_same_bits(t, out.data, e->y, c->n, what);
    assert_same_bits(t, saved.data, e->x, c->n, what);
    guarded_free(&saved);

    snprintf(what, sizeof what, "%s %s %s n=%zu stream=%d forward_mask", c->k->name, t->name,
             c->name, c->n, c->stream);
    guarded_poison(&out);
    memset(mask, 0xA5, mask_bytes + 1);
    run_forward_mask(c, in.data, out.data, mask);
    assert_same_bits(t, out.data, e->y, c->n, what);
    cr_assert_eq(memcmp(mask, e->mask, mask_bytes), 0, "%s: mask differs", what);
    cr_assert_eq(mask[mask_bytes], 0xA5, "%s: wrote past the mask", what);
    guarded_check(&out, what);

    snprintf(what, sizeof what, "%s %s %s n=%zu stream=%d forward_mask in place", c->k->name,
             t->name, c->name, c->n, c->stream);
    memcpy(out.data, e->x, out.bytes);
    run_forward_mask(c, out.data, out.data, mask);
    assert_same_bits(t, out.data, e->y, c->n, what);
    cr_assert_eq(memcmp(mask, e->mask, mask_bytes), 0, "%s: mask differs", what);

    snprintf(what, sizeof what, "%s %s %s n=%zu stream=%d backward_x", c->k->name, t->name,
             c->name, c->n, c->stream);
    memcpy(out.data, e->dy, out.bytes);
    run_backward_x(c, e->x, out.data, out.data); /* in place: dx == dy */
    assert_same_bits(t, out.data, e->dx, c->n, what);
    guarded_poison(&out);
    run_backward_x(c, in.data, e->dy, out.data);
    assert_same_bits(t, out.data, e->dx, c->n, what);
    guarded_check(&out, what);

    snprintf(what, sizeof what, "%s %s %s n=%zu stream=%d backward_mask", c->k->name, t->name,
             c->name, c->n, c->stream);
    guarded_poison(&out);
    run_backward_mask(c, e->mask, e->dy, out.data);
    assert_same_bits(t, out.data, e->dx, c->n, what);
    guarded_check(&out, what);
    memcpy(out.data, e->dy, out.bytes);
    run_backward_mask(c, e->mask, out.data, out.data);
    assert_same_bits(t, out.data, e->dx, c->n, what);

    free(mask);
    guarded_free(&in);
    guarded_free(&out);
}

/* The element offsets tried: every one within a 64-byte line for float32
 * and float64; for the 16-bit dtypes, whose 32 offsets would double the
 * time, one element (the head of every table), an SSE-aligned one that no
 * AVX vector is, one odd in the middle and the line's last. */
static size_t misalignment(const dtype_api *t, size_t i) {
    static const size_t half_offsets[] = {0, 1, 8, 17, 31};
    return t->size == sizeof(uint16_t) ? half_offsets[i] : i;
}

static size_t misalignment_count(const dtype_api *t) {
    return t->size == sizeof(uint16_t) ? 5 : misalignments(t);
}

static void check_size(const dtype_api *t, const crelu__kernels *k, size_t n) {
    static expected e; /* too big for the stack */
    for (size_t c = 0; c < test_config_count; c++) {
        const crelu__op op = op_of(&test_configs[c]);
        kernel_case kc = {t, k, &op, test_configs[c].name, n, 0};
        compute_expected(&kc, &e, 11 * n + c, 1);
        for (int stream = 0; stream <= 1; stream++) {
            kc.stream = stream;
            for (size_t m = 0; m < misalignment_count(t); m++) {
                check_case(&kc, &e, misalignment(t, m), 0);
                check_case(&kc, &e, 0, misalignment(t, m));
            }
        }
    }
}

static void every_table(const dtype_api *t) {
    size_t tested = 0;
    for (size_t i = 0; crelu__kernel_tables[i] != NULL; i++) {
        const crelu__kernels *k = crelu__kernel_tables[i];
        if (!k->supported()) {
            /* stderr, not cr_log_warn: under valgrind --trace-children,
             * Criterion 2.4 turns a logged warning into exit status 1. */
            fprintf(stderr, "%s kernels skipped: this CPU cannot run them\n", k->name);
            continue;
        }
        for (size_t n = 0; n <= MAX_SMALL_N; n++) {
            check_size(t, k, n);
        }
        for (size_t s = 0; s < sizeof large_sizes / sizeof large_sizes[0]; s++) {
            check_size(t, k, large_sizes[s]);
        }
        tested++;
    }
    cr_assert_geq(tested, 2, "at least the scalar and portable tables run everywhere");
}

Test(kernels, f32_every_table_matches_the_reference) { every_table(&test_f32); }
Test(kernels, f64_every_table_matches_the_reference) { every_table(&test_f64); }
Test(kernels, bf16_every_table_matches_the_reference) { every_table(&test_bf16); }
Test(kernels, f16_every_table_matches_the_reference) { every_table(&test_f16); }

/* The 16-bit dtypes have few enough patterns to try them all: x is every
 * pattern once, in an order that mixes signs and classes within each
 * vector (an odd multiplier permutes 0..65535), and dy every pattern once
 * in another order, then random patterns for the ragged tail. Each table,
 * each row and rule, every kernel, streaming on and off, and each of input
 * and output misaligned by one element. */
static void fill_every_pattern(uint16_t *x, uint16_t *dy, size_t n) {
    for (size_t i = 0; i < n; i++) {
        x[i] = (uint16_t)(i * 40503u + 7u);
        dy[i] = (uint16_t)(i * 9973u + 12345u);
    }
    fill_inputs(&test_bf16, x + 65536, n - 65536, 3); /* any 16-bit patterns will do */
    fill_inputs(&test_f16, dy + 65536, n - 65536, 4);
}

static void every_pattern_every_table(const dtype_api *t, const test_config *configs,
                                      size_t count) {
    static expected e;
    fill_every_pattern((uint16_t *)(void *)e.x, (uint16_t *)(void *)e.dy, EVERY_PATTERN_N);
    for (size_t c = 0; c < count; c++) {
        const crelu__op op = op_of(&configs[c]);
        kernel_case kc = {t, &crelu__kernels_reference, &op, configs[c].name, EVERY_PATTERN_N, 0};
        compute_reference(&kc, &e);
        for (size_t i = 0; crelu__kernel_tables[i] != NULL; i++) {
            kc.k = crelu__kernel_tables[i];
            if (!kc.k->supported()) {
                continue;
            }
            kc.stream = 0;
            check_case(&kc, &e, 1, 0);
            kc.stream = 1;
            check_case(&kc, &e, 0, 1);
        }
    }
}

Test(kernels, bf16_every_pattern_every_table_matches_the_reference) {
    every_pattern_every_table(&test_bf16, test_configs, test_config_count);
}
Test(kernels, f16_every_pattern_every_table_matches_the_reference) {
    every_pattern_every_table(&test_f16, test_configs, test_config_count);
}

/* The 16-bit clipped rows turn the cap into two pattern thresholds (the
 * last value <= cap, the last < cap); these caps are where that is easy to
 * get wrong: one float32 rounds to +0 (nothing is below it), one between
 * two patterns of both formats, each format's largest finite and one that
 * float32 rounds to infinity. */
static const test_config edge_caps[] = {
    {"clip 1e-300 (+0 as float32)/pytorch", CRELU_GRAD_PYTORCH, 0.0, 1e-300},
    {"clip 1e-300 (+0 as float32)/cs231n", CRELU_GRAD_CS231N, 0.0, 1e-300},
    {"clip 1+2^-12/pytorch", CRELU_GRAD_PYTORCH, 0.0, 1.000244140625},
    {"clip 1+2^-12/cs231n", CRELU_GRAD_CS231N, 0.0, 1.000244140625},
    {"clip 65504/pytorch", CRELU_GRAD_PYTORCH, 0.0, 65504.0},
    {"clip 0x1.fep127/cs231n", CRELU_GRAD_CS231N, 0.0, 0x1.fep127},
    {"clip 1e300 (inf as float32)/pytorch", CRELU_GRAD_PYTORCH, 0.0, 1e300},
    {"clip 1e300 (inf as float32)/cs231n", CRELU_GRAD_CS231N, 0.0, 1e300},
};

Test(kernels, bf16_edge_caps_every_pattern_every_table) {
    every_pattern_every_table(&test_bf16, edge_caps, sizeof edge_caps / sizeof edge_caps[0]);
}
Test(kernels, f16_edge_caps_every_pattern_every_table) {
    every_pattern_every_table(&test_f16, edge_caps, sizeof edge_caps / sizeof edge_caps[0]);
}

/* crelu.h's promise under flush-to-zero: only subnormal values (inputs, or
 * products that would be) may change; every other value keeps the bits the
 * reference gives with it off, in every table. */
#if defined(__aarch64__) || defined(__x86_64__)
/* Flush-to-zero on or off for this thread: AArch64's FPCR.FZ (bit 24), or
 * x86-64's MXCSR FTZ and DAZ (bits 15 and 6), which together do the same. */
static void set_flush_to_zero(int on) {
#if defined(__aarch64__)
    const uint64_t fz = (uint64_t)1 << 24;
    uint64_t fpcr;
    __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
    fpcr = on ? fpcr | fz : fpcr & ~fz;
    __asm__ volatile("msr fpcr, %0" : : "r"(fpcr) : "memory");
#else
    const unsigned ftz_daz = 0x8040u;
    const unsigned csr = _mm_getcsr();
    _mm_setcsr(on ? csr | ftz_daz : csr & ~ftz_daz);
#endif
}

/* Whether the smallest subnormal times 1 comes out as zero here. */
static int flushes(const dtype_api *t) {
    if (t->size <= sizeof(float)) { /* the 16-bit dtypes compute in float32 */
        volatile float tiny = 0x1p-149f, one = 1.0f;
        return tiny * one == 0.0f;
    }
    volatile double tiny = 0x1p-1074, one = 1.0;
    return tiny * one == 0.0;
}

static void every_table_under_flush_to_zero(const dtype_api *t) {
    static const size_t sizes[] = {1, 3, 4, 5, 8, 15, 16, 17, 63, 64, 65, 129, 1000};
    static expected e;
    cr_assert(!flushes(t), "flush-to-zero is on before the test turns it on");
    set_flush_to_zero(1);
    if (!flushes(t)) {
        /* Valgrind ignores FTZ and DAZ: then nothing flushes, and the promise
         * holds trivially. Printed, as Criterion shows a skip only with
         * --verbose. */
        fprintf(stderr, "flush-to-zero test skipped: it cannot be turned on here\n");
        cr_skip_test("flush-to-zero cannot be turned on here");
    }
    set_flush_to_zero(0);
    for (size_t i = 0; crelu__kernel_tables[i] != NULL; i++) {
        const crelu__kernels *k = crelu__kernel_tables[i];
        if (!k->supported()) {
            continue;
        }
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            for (size_t c = 0; c < test_config_count; c++) {
                const crelu__op op = op_of(&test_configs[c]);
                kernel_case kc = {t, k, &op, test_configs[c].name, sizes[s], 0};
                compute_expected(&kc, &e, 13 * sizes[s] + c, 0); /* flush-to-zero off */
                set_flush_to_zero(1);
                for (kc.stream = 0; kc.stream <= 1; kc.stream++) {
                    for (size_t m = 0; m < misalignment_count(t); m++) {
                        check_case(&kc, &e, misalignment(t, m), 0);
                        check_case(&kc, &e, 0, misalignment(t, m));
                    }
                }
                set_flush_to_zero(0);
            }
        }
    }
}

Test(kernels, f32_flush_to_zero_changes_no_bits_but_subnormals) {
    every_table_under_flush_to_zero(&test_f32);
}
Test(kernels, f64_flush_to_zero_changes_no_bits_but_subnormals) {
    every_table_under_flush_to_zero(&test_f64);
}
Test(kernels, bf16_flush_to_zero_changes_no_bits_but_subnormals) {
    every_table_under_flush_to_zero(&test_bf16);
}
Test(kernels, f16_flush_to_zero_changes_no_bits_but_subnormals) {
    every_table_under_flush_to_zero(&test_f16);
}
#endif

/* The picker takes the best table this CPU supports, and CRELU_ISA lowers it.
 * Each case runs in its own process (Criterion forks), so the choice is
 * made afresh. */
static const crelu__kernels *best_supported(size_t from) {
    for (size_t i = from; crelu__kernel_tables[i] != NULL; i++) {
        if (crelu__kernel_tables[i]->supported()) {
            return crelu__kernel_tables[i];
        }
    }
    return NULL;
}

Test(kernels, default_is_the_best_supported_table) {
    unsetenv("CRELU_ISA");
    cr_assert_eq(crelu__active_kernels(), best_supported(0));
    cr_assert_str_eq(crelu_isa_name(), best_supported(0)->name);
}

Test(kernels, crelu_isa_scalar_selects_the_reference) {
    setenv("CRELU_ISA", "scalar", 1);
    cr_assert_eq(crelu__active_kernels(), &crelu__kernels_reference);
    cr_assert_str_eq(crelu_isa_name(), "scalar");
}

Test(kernels, crelu_isa_portable_selects_the_portable_table) {
    setenv("CRELU_ISA", "portable", 1);
    cr_assert_str_eq(crelu_isa_name(), "portable");
}

Test(kernels, unknown_crelu_isa_is_ignored) {
    setenv("CRELU_ISA", "mmx", 1);
    cr_assert_eq(crelu__active_kernels(), best_supported(0));
}

#ifdef CRELU__X86
Test(kernels, crelu_isa_sse2_selects_sse2) {
    if (!crelu__kernels_sse2.supported()) { /* 32-bit x86 without SSE2 */
        cr_skip_test("this CPU has no SSE2");
    }
    setenv("CRELU_ISA", "sse2", 1);
    cr_assert_str_eq(crelu_isa_name(), "sse2");
}

Test(kernels, crelu_isa_never_raises_the_choice) {
    /* Asking for AVX-512 gives it only where supported; otherwise the best below. */
    setenv("CRELU_ISA", "avx512", 1);
    cr_assert_eq(crelu__active_kernels(), best_supported(0));
}
#endif

#ifdef CRELU__NEON
Test(kernels, neon_is_the_first_table_on_aarch64) {
    cr_assert_eq(crelu__kernel_tables[0], &crelu__kernels_neon);
    cr_assert(crelu__kernels_neon.supported(), "NEON is baseline on AArch64");
    unsetenv("CRELU_ISA");
    cr_assert_str_eq(crelu_isa_name(), "neon");
}

Test(kernels, crelu_isa_neon_selects_neon) {
    setenv("CRELU_ISA", "neon", 1);
    cr_assert_eq(crelu__active_kernels(), &crelu__kernels_neon);
}
#endif

/* The picker's rule on tables this CPU may not have: crelu__pick_from is
 * what the library applies to its own list and CRELU_ISA. */
static int supported_yes(void) { return 1; }
static int supported_no(void) { return 0; }
static const crelu__kernels fake_top = {.name = "top", .supported = supported_no};
static const crelu__kernels fake_mid = {.name = "mid", .supported = supported_yes};
static const crelu__kernels fake_low = {.name = "low", .supported = supported_yes};
static const crelu__kernels *const fake_tables[] = {&fake_top, &fake_mid, &fake_low, NULL};

Test(kernels, the_picker_skips_tables_the_cpu_cannot_run) {
    cr_assert_eq(crelu__pick_from(fake_tables, NULL), &fake_mid);
}

Test(kernels, the_picker_never_raises_the_choice_above_crelu_isa) {
    cr_assert_eq(crelu__pick_from(fake_tables, "low"), &fake_low);
    cr_assert_eq(crelu__pick_from(fake_tables, "mid"), &fake_mid);
    /* Named but unsupported: the best supported one below it. */
    cr_assert_eq(crelu__pick_from(fake_tables, "top"), &fake_mid);
}

Test(kernels, the_picker_ignores_an_unknown_name) {
    cr_assert_eq(crelu__pick_from(fake_tables, "mmx"), &fake_mid);
}

Test(kernels, the_picker_gives_null_when_nothing_is_supported) {
    static const crelu__kernels *const none[] = {&fake_top, NULL};
    cr_assert_null(crelu__pick_from(none, NULL));
    cr_assert_null(crelu__pick_from(none, "top"));
}
