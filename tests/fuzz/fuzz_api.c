/* SPDX-License-Identifier: MIT */
/* libFuzzer harness for libcrelu's whole public API.
 *
 * The input is a program: a short header (which kernel table, which
 * streaming/threading thresholds), then a sequence of operations - create,
 * destroy, every setter, forward and backward in the four dtypes (float32,
 * float64, bfloat16, float16), the stateless
 * functions, allocator failures - each taking its arguments from the
 * following bytes. The harness keeps its own model of every context, built
 * from the rules in crelu.h alone, and aborts on the first call whose status,
 * output, untouched bytes or allocations differ from what the model and the
 * scalar reference kernels (the `crelu_reference` target) say.
 *
 * The seeds (make_corpus.py) and the grown corpus (tests/fuzz/grown, made by
 * `scripts/fuzz --grow`) are programs in this input format: when the decoding
 * changes, rewrite the seeds and grow the corpus again. */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crelu.h"
#include "crelu_internal.h"
#include "half.h" /* only to place inputs at the cap's 16-bit neighbours */

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/asan_interface.h>
#endif
#endif
#ifndef ASAN_POISON_MEMORY_REGION
#define ASAN_POISON_MEMORY_REGION(addr, size) ((void)(addr), (void)(size))
#define ASAN_UNPOISON_MEMORY_REGION(addr, size) ((void)(addr), (void)(size))
#endif

enum {
    MAX_N = 65536, /* elements per call: big enough for every path, small enough for fast execs */
    MAX_OPS = 64,
    SLOTS = 2,
    GUARD = 16,       /* poisoned elements before and after each buffer */
    MAX_THREADS = 16, /* the largest thread count a call is made with (see set_threads) */
    MAX_LIVE = 8,
    POISON = 0xA5,
};
#define ALLOC_LIMIT ((size_t)64 << 20) /* the fuzz allocator refuses anything bigger */
#define ALLOC_MAGIC 0xA110CA7Eu

/* ---- reading the input ---- */

typedef struct input {
    const uint8_t *data;
    size_t size;
} input;

/* Past the end, every read is zero: each prefix of an input is a program. */
static unsigned take8(input *in) {
    if (in->size == 0) {
        return 0;
    }
    in->size--;
    return *in->data++;
}

static uint64_t take(input *in, unsigned bytes) {
    uint64_t value = 0;
    for (unsigned i = 0; i < bytes; i++) {
        value |= (uint64_t)take8(in) << (8 * i);
    }
    return value;
}

/* ---- reporting ---- */

static const char *what = "setup"; /* the operation under test, for messages */
static const crelu__kernels *isa;  /* the kernel table this input runs on */
static crelu__tuning tuning;
static int tuning_measured;

__attribute__((noreturn, format(printf, 1, 2))) static void fail(const char *format, ...) {
    fprintf(stderr, "\ncrelu fuzz: CONTRACT VIOLATION in %s (isa %s, tuning %s stream %zu piece %zu)\n  ",
            what, isa != NULL ? isa->name : "?", tuning_measured ? "measured" : "override",
            tuning.stream_bytes, tuning.piece_bytes);
    va_list args;
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fputc('\n', stderr);
    abort();
}

/* CRELU_FUZZ_TRACE=1 prints every checked call: to see what an input does. */
static int trace;

static void expect_status(int got, int want) {
    if (trace) {
        fprintf(stderr, "  %s -> %d\n", what, got);
    }
    if (got != want) {
        fail("status %d (%s), contract says %d (%s)", got, crelu_strerror(got), want,
             crelu_strerror(want));
    }
}

/* ---- the allocator: counts, checks and fails on demand ---- */

typedef struct fuzz_allocator {
    unsigned magic;
    int failing; /* every alloc returns NULL while set */
    size_t calls;
    size_t live_bytes;
    unsigned live_count;
    struct {
        void *ptr;
        size_t size;
    } live[MAX_LIVE];
} fuzz_allocator;

static void *fuzz_alloc(void *opaque, size_t size) {
    fuzz_allocator *a = opaque;
    if (a == NULL || a->magic != ALLOC_MAGIC) {
        fail("alloc received an opaque pointer it was not given: %p", opaque);
    }
    a->calls++;
    if (a->failing || size > ALLOC_LIMIT) {
        return NULL;
    }
    if (a->live_count == MAX_LIVE) {
        fail("%d live allocations in one context: a leak", MAX_LIVE);
    }
    void *ptr = malloc(size > 0 ? size : 1);
    if (ptr == NULL) {
        return NULL;
    }
    a->live[a->live_count].ptr = ptr;
    a->live[a->live_count].size = size;
    a->live_count++;
    a->live_bytes += size;
    return ptr;
}

static void fuzz_free(void *opaque, void *ptr) {
    fuzz_allocator *a = opaque;
    if (a == NULL || a->magic != ALLOC_MAGIC) {
        fail("free received an opaque pointer it was not given: %p", opaque);
    }
    if (ptr == NULL) {
        return;
    }
    for (unsigned i = 0; i < a->live_count; i++) {
        if (a->live[i].ptr == ptr) {
            a->live_bytes -= a->live[i].size;
            a->live[i] = a->live[--a->live_count];
            free(ptr);
            return;
        }
    }
    fail("free of %p, which alloc did not return or which was already freed", ptr);
}

/* ---- the model of one context, from crelu.h's rules ---- */

typedef struct slot {
    crelu_ctx *ctx; /* NULL: no context in this slot */
    int custom;     /* made with the fuzz allocator */
    fuzz_allocator alloc;
    size_t base_bytes; /* crelu_sizeof_ctx() right after creation */
    /* the options, as the setters' documented rules leave them */
    int save, rule, threads;
    double slope, cap;
    /* what the last successful forward saved */
    crelu__dtype fwd_dtype; /* CRELU__NO_DTYPE before any forward */
    size_t fwd_size;        /* its element size */
    size_t fwd_n;
    crelu__op fwd_op;
    unsigned char *fwd_x; /* the harness's own copy of that forward's x */
    size_t saved_max;     /* the largest saved state any forward needed */
} slot;

static slot slots[SLOTS];

/* The op the header's table gives for these options, built from the
 * setters' documentation: slope != 0 is leaky, a finite cap is clipped. */
static crelu__op op_for(int rule, double slope, double cap) {
    crelu__op op;
    memset(&op, 0, sizeof op);
    op.variant = slope != 0.0 ? CRELU__LEAKY : isinf(cap) ? CRELU__RELU : CRELU__CLIPPED;
    op.rule = rule;
    op.slope = slope;
    op.cap = cap;
    op.one = 1.0;
    return op;
}

static void slot_reset_model(slot *s) {
    free(s->fwd_x);
    s->fwd_x = NULL;
    s->save = CRELU_SAVE_X;
    s->rule = CRELU_GRAD_PYTORCH;
    s->threads = 0;
    s->slope = 0.0;
    s->cap = INFINITY;
    s->fwd_dtype = CRELU__NO_DTYPE;
    s->fwd_size = 0;
    s->fwd_n = 0;
    s->saved_max = 0;
}

/* What crelu_sizeof_ctx() and the allocator must show for the model. */
static void check_slot(const slot *s) {
    if (s->ctx == NULL) {
        return;
    }
    const size_t got = crelu_sizeof_ctx(s->ctx);
    if (got != s->base_bytes + s->saved_max) {
        fail("crelu_sizeof_ctx %zu, expected %zu (context) + %zu (largest saved state)", got,
             s->base_bytes, s->saved_max);
    }
    if (s->custom && s->alloc.live_bytes != got) {
        fail("context holds %zu bytes from its allocator, crelu_sizeof_ctx says %zu",
             s->alloc.live_bytes, got);
    }
}

static void slot_destroy(slot *s) {
    what = "crelu_destroy";
    if (s->ctx != NULL) {
        check_slot(s);
        crelu_destroy(s->ctx);
        if (s->custom && s->alloc.live_count != 0) {
            fail("crelu_destroy left %u allocations (%zu bytes) unfreed", s->alloc.live_count,
                 s->alloc.live_bytes);
        }
    }
    s->ctx = NULL;
    slot_reset_model(s);
}

/* ---- element values ---- */

static const uint32_t special32[] = {
    0x00000000, 0x80000000, 0x7f800000, 0xff800000, /* zeros, infinities */
    0x7fc00000, 0xffc00000, 0x7fc0dead, 0xffc0beef, /* quiet NaNs, payloads */
    0x7f800001, 0x7fa00000, 0xff800123, 0x7fbfffff, /* signalling NaNs */
    0x00000001, 0x80000001, 0x007fffff, 0x807fffff, /* subnormals */
    0x00800000, 0x80800000, 0x7f7fffff, 0xff7fffff, /* normal extremes */
    0x3f800000, 0xbf800000, 0x3dcccccd, 0xbdcccccd, /* 1, 0.1 */
    0x40c00000, 0x40bfffff, 0x40c00001, 0xc0200000, /* 6 and neighbours, -2.5 */
};

static const uint64_t special64[] = {
    0x0000000000000000, 0x8000000000000000, 0x7ff0000000000000, 0xfff0000000000000,
    0x7ff8000000000000, 0xfff8000000000000, 0x7ff800000000dead, 0xfff8beef00000000,
    0x7ff0000000000001, 0x7ff4000000000000, 0xfff0000000000123, 0x7ff7ffffffffffff,
    0x0000000000000001, 0x8000000000000001, 0x000fffffffffffff, 0x800fffffffffffff,
    0x0010000000000000, 0x8010000000000000, 0x7fefffffffffffff, 0xffefffffffffffff,
    0x3ff0000000000000, 0xbff0000000000000, 0x3fb999999999999a, 0xbfb999999999999a,
    0x4018000000000000, 0x4017ffffffffffff, 0x4018000000000001, 0xc004000000000000,
};

/* The same classes in the 16-bit formats (bfloat16 is float32's top half). */
static const uint16_t special_bf16[] = {
    0x0000, 0x8000, 0x7f80, 0xff80, /* zeros, infinities */
    0x7fc0, 0xffc0, 0x7fde, 0xffff, /* quiet NaNs, payloads */
    0x7f81, 0x7fa0, 0xff81, 0x7fbf, /* signalling NaNs */
    0x0001, 0x8001, 0x007f, 0x807f, /* subnormals */
    0x0080, 0x8080, 0x7f7f, 0xff7f, /* normal extremes */
    0x3f80, 0xbf80, 0x3dcd, 0xbdcd, /* 1, 0.1 */
    0x40c0, 0x40bf, 0x40c1, 0xc020, /* 6 and neighbours, -2.5 */
};

static const uint16_t special_f16[] = {
    0x0000, 0x8000, 0x7c00, 0xfc00, /* zeros, infinities */
    0x7e00, 0xfe00, 0x7e55, 0xffff, /* quiet NaNs, payloads */
    0x7c01, 0x7d00, 0xfc01, 0x7dff, /* signalling NaNs */
    0x0001, 0x8001, 0x03ff, 0x83ff, /* subnormals */
    0x0400, 0x8400, 0x7bff, 0xfbff, /* normal extremes */
    0x3c00, 0xbc00, 0x2e66, 0xae66, /* 1, 0.1 */
    0x4600, 0x45ff, 0x4601, 0xc100, /* 6 and neighbours, -2.5 */
};

enum { SPECIALS = sizeof special32 / sizeof special32[0], DYNAMIC = 6 };
_Static_assert(sizeof special_bf16 / sizeof special_bf16[0] == SPECIALS &&
                   sizeof special_f16 / sizeof special_f16[0] == SPECIALS,
               "one special value of each kind in every dtype");

/* The 16-bit pattern nearest a double (through float32, as the kernels
 * take the cap and slope). */
static uint16_t half_of(crelu__dtype dtype, double v) {
    const float f = (float)v;
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    return dtype == CRELU__BF16 ? crelu__bf16_narrow(bits) : crelu__f16_narrow(bits);
}

/* Special value `index` for elements of `dtype`: a fixed one, or the cap
 * (as the kernels convert it) and its neighbours, or the slope. */
static uint64_t special(crelu__dtype dtype, unsigned index, double cap, double slope) {
    index %= SPECIALS + DYNAMIC;
    if (dtype == CRELU__BF16 || dtype == CRELU__F16) {
        if (index < SPECIALS) {
            return dtype == CRELU__BF16 ? special_bf16[index] : special_f16[index];
        }
        const uint16_t c = half_of(dtype, cap);
        switch (index - SPECIALS) {
        case 0: return c;
        case 1: return (uint16_t)(c - 1); /* neighbours of a positive cap */
        case 2: return (uint16_t)(c + 1);
        case 3: return c ^ 0x8000u;
        case 4: return half_of(dtype, slope);
        default: return half_of(dtype, slope) ^ 0x8000u;
        }
    }
    if (dtype == CRELU__F32) {
        float v;
        if (index < SPECIALS) {
            return special32[index];
        }
        const float c = (float)cap;
        switch (index - SPECIALS) {
        case 0: v = c; break;
        case 1: v = nextafterf(c, 0.0f); break;
        case 2: v = nextafterf(c, INFINITY); break;
        case 3: v = -c; break;
        case 4: v = (float)slope; break;
        default: v = -(float)slope; break;
        }
        uint32_t bits;
        memcpy(&bits, &v, sizeof bits);
        return bits;
    }
    double v;
    if (index < SPECIALS) {
        return special64[index];
    }
    switch (index - SPECIALS) {
    case 0: v = cap; break;
    case 1: v = nextafter(cap, 0.0); break;
    case 2: v = nextafter(cap, INFINITY); break;
    case 3: v = -cap; break;
    case 4: v = slope; break;
    default: v = -slope; break;
    }
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    return bits;
}

static uint64_t xorshift(uint64_t *state) {
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

/* Fills n elements: a pattern of up to 32 values from the input (special
 * values or raw bits) first, then, for long arrays, a deterministic mix of
 * pattern values and random bits. */
static void fill_values(input *in, crelu__dtype dtype, unsigned char *dst, size_t n, double cap,
                        double slope) {
    const size_t size = crelu__dtype_size(dtype);
    uint64_t pattern[32];
    const unsigned k = 1 + take8(in) % 32;
    for (unsigned j = 0; j < k; j++) {
        const unsigned code = take8(in);
        pattern[j] = code < 160 ? special(dtype, code, cap, slope) : take(in, (unsigned)size);
    }
    uint64_t state = take(in, 2) * 0x9E3779B97F4A7C15u | 1; /* two bytes: short programs */
    for (size_t i = 0; i < n; i++) {
        uint64_t bits;
        if (i < k) {
            bits = pattern[i];
        } else {
            const uint64_t r = xorshift(&state);
            bits = (r >> 61) < 2 ? r >> 3 : pattern[(r >> 8) % k];
        }
        if (size == sizeof(uint16_t)) {
            const uint16_t b16 = (uint16_t)bits;
            memcpy(dst + i * size, &b16, size);
        } else if (size == sizeof(float)) {
            const uint32_t b32 = (uint32_t)bits;
            memcpy(dst + i * size, &b32, size);
        } else {
            memcpy(dst + i * size, &bits, size);
        }
    }
}

/* ---- sizes and buffer layouts ---- */

static size_t take_n(input *in) {
    /* Mostly small: the shrunk thresholds (use_tuning) already send small
     * calls down the threaded and streamed paths, and big ones cost time. */
    const unsigned kind = take8(in) % 16;
    if (kind <= 4) {
        return 1 + take8(in) % 24;
    }
    if (kind == 5) {
        return 0;
    }
    if (kind <= 8) {
        return 1 + take8(in) % 160;
    }
    if (kind <= 11) {
        return take(in, 2) % 1100;
    }
    if (kind <= 13) {
        return take(in, 2) % 8300;
    }
    if (kind == 14) {
        return take(in, 3) % (MAX_N + 1);
    }
    return MAX_N - take8(in) % 200;
}

/* A count no buffer of the harness holds: one whose byte size wraps
 * size_t or exceeds PTRDIFF_MAX (crelu.h: "more than a buffer can hold"), or
 * one just below that limit (only safe where a check must stop the call
 * before anything is touched). */
static size_t take_huge_n(input *in, size_t size) {
    const size_t wraps = SIZE_MAX / size;         /* above it, n * size wraps */
    const size_t no_object = PTRDIFF_MAX / size;  /* above it, no object is that big */
    switch (take8(in) % 6) {
    case 0: return wraps + 1;
    case 1: return SIZE_MAX;
    case 2: return wraps + 1 + (size_t)(take(in, 4) % (SIZE_MAX - wraps)); /* no wrap past SIZE_MAX on 32 bits */
    case 3: return no_object - take(in, 2);
    case 4: return no_object + 1 + take(in, 2);
    default: return wraps - take(in, 2);
    }
}

/* Up to three buffers of n elements in one arena, at element offsets from
 * its 64-byte-aligned start: each NULL, in its own region (misaligned by
 * 0..15 elements), equal to an earlier one, partially overlapping it, or
 * adjacent to it. */
typedef struct layout {
    size_t size;      /* element size */
    size_t n_layout;  /* elements laid out per buffer (the call's n may be huge) */
    long pos[3];      /* element offsets, -1 for NULL */
    size_t elements;  /* arena length */
    unsigned char *arena;
    unsigned char *before; /* the arena as it was before the call */
    unsigned char *want;   /* the arena the contract allows after it */
} layout;

/* One arena for every call, allocated once: fresh megabytes per call cost
 * more in page faults than the calls themselves. */
#define ARENA_BYTES ((size_t)(7 * MAX_N + 1024) * sizeof(double))
static _Alignas(64) unsigned char arena[ARENA_BYTES];
static unsigned char arena_before[ARENA_BYTES];
static unsigned char arena_want[ARENA_BYTES];

static long region_start(size_t n, unsigned region) {
    /* 2n free elements before region 0: a buffer placed n before another,
     * then a third up to n - 1 before that, still starts inside the arena. */
    return (long)(GUARD + 2 * n + region * (n + 2 * GUARD + 16));
}

static void make_layout(input *in, layout *l, size_t size, size_t n_layout, unsigned count) {
    memset(l, 0, sizeof *l);
    l->size = size;
    l->n_layout = n_layout;
    const long n = (long)n_layout;
    for (unsigned b = 0; b < 3; b++) {
        l->pos[b] = -1;
    }
    for (unsigned b = 0; b < count; b++) {
        const unsigned code = take8(in);
        const long fresh = region_start(n_layout, b) + (long)(take8(in) % 16);
        const unsigned kind = code % 16;
        const unsigned other = b > 0 ? (code >> 4) % b : 0;
        const long at = l->pos[other];
        if (kind == 15) {
            l->pos[b] = -1;
        } else if (b == 0 || at < 0 || kind < 8) {
            l->pos[b] = fresh;
        } else if (kind < 10) {
            l->pos[b] = at; /* exactly equal */
        } else if (kind < 12 && n >= 2) {
            const long d = 1 + (long)(take(in, 2) % (uint64_t)(n - 1)); /* 1 .. n-1 */
            l->pos[b] = code & 0x80 ? at - d : at + d;
        } else if (kind == 12) {
            l->pos[b] = at + n; /* touching, after */
        } else if (kind == 13) {
            l->pos[b] = at - n; /* touching, before */
        } else {
            l->pos[b] = fresh;
        }
    }
    long end = region_start(n_layout, count);
    for (unsigned b = 0; b < count; b++) {
        if (l->pos[b] >= 0 && l->pos[b] + n + GUARD > end) {
            end = l->pos[b] + n + GUARD;
        }
    }
    l->elements = (size_t)end;
    if (l->elements * size > ARENA_BYTES) {
        fail("harness error: an arena of %zu elements", l->elements);
    }
    l->arena = arena;
    l->before = arena_before;
    l->want = arena_want;
    memset(l->arena, POISON, l->elements * size);
}

/* Around the call under test, everything in the arena but the buffers is
 * poisoned for ASan, so that a kernel reading (or writing) a guard zone is
 * caught even when the value it read never reaches an output. */
static void poison_outside_buffers(const layout *l) {
    ASAN_POISON_MEMORY_REGION(l->arena, ARENA_BYTES);
    for (unsigned b = 0; b < 3; b++) {
        if (l->pos[b] >= 0) {
            ASAN_UNPOISON_MEMORY_REGION(l->arena + (size_t)l->pos[b] * l->size,
                                        l->n_layout * l->size);
        }
    }
}

static void unpoison_arena(void) {
    ASAN_UNPOISON_MEMORY_REGION(arena, ARENA_BYTES);
}

static void trace_call(const layout *l, size_t n) {
    if (trace) {
        fprintf(stderr, "%s n=%zu at %ld %ld %ld (isa %s)\n", what, n, l->pos[0], l->pos[1],
                l->pos[2], isa->name);
    }
}

static void free_layout(layout *l) {
    (void)l; /* the arena is static */
}

static void *ptr_of(const layout *l, unsigned b) {
    return l->pos[b] < 0 ? NULL : l->arena + (size_t)l->pos[b] * l->size;
}

/* [a, a + n) and [b, b + n) share an element without being the same
 * buffer; never true when either is NULL. */
static int partial(const layout *l, unsigned a, unsigned b, size_t n) {
    if (l->pos[a] < 0 || l->pos[b] < 0 || l->pos[a] == l->pos[b]) {
        return 0;
    }
    const size_t distance = (size_t)labs(l->pos[a] - l->pos[b]);
    return distance < n;
}

/* crelu.h's CRELU_ERR_OVERFLOW: n elements are more than a buffer can
 * hold (over PTRDIFF_MAX bytes), or one of the first `count` buffers would
 * run past the end of the address space. */
static int overflows(const layout *l, unsigned count, size_t n) {
    if (n > PTRDIFF_MAX / l->size) {
        return 1;
    }
    for (unsigned b = 0; b < count; b++) {
        if (l->pos[b] >= 0 && (uintptr_t)ptr_of(l, b) > UINTPTR_MAX - n * l->size) {
            return 1;
        }
    }
    return 0;
}

/* Freezes the arena before a call; the expected arena starts as this copy. */
static void snapshot(layout *l) {
    memcpy(l->before, l->arena, l->elements * l->size);
    memcpy(l->want, l->arena, l->elements * l->size);
}

/* The whole arena, guards and inputs included, must equal `want`. */
/* An element's bit pattern as a number, on any byte order (a float's four
 * bytes copied into a uint64_t would be its top half on a big-endian
 * machine). */
static uint64_t element_bits(const unsigned char *p, size_t size) {
    if (size == sizeof(uint16_t)) {
        uint16_t bits;
        memcpy(&bits, p, sizeof bits);
        return bits;
    }
    if (size == sizeof(uint32_t)) {
        uint32_t bits;
        memcpy(&bits, p, sizeof bits);
        return bits;
    }
    uint64_t bits;
    memcpy(&bits, p, sizeof bits);
    return bits;
}

static void check_arena(const layout *l, long out_pos, size_t n) {
    const size_t bytes = l->elements * l->size;
    if (memcmp(l->arena, l->want, bytes) == 0) {
        return;
    }
    size_t at = 0;
    while (l->arena[at] == l->want[at]) {
        at++;
    }
    const size_t element = at / l->size;
    const long rel = (long)element - out_pos;
    const uint64_t got = element_bits(l->arena + element * l->size, l->size);
    const uint64_t want = element_bits(l->want + element * l->size, l->size);
    const uint64_t was = element_bits(l->before + element * l->size, l->size);
    fail("element %ld of the output (n %zu, size %zu, output at %ld, positions %ld %ld %ld) "
         "holds 0x%llx, expected 0x%llx (0x%llx before the call)%s",
         rel, n, l->size, out_pos, l->pos[0], l->pos[1], l->pos[2], (unsigned long long)got,
         (unsigned long long)want, (unsigned long long)was,
         out_pos < 0 || rel < 0 || (size_t)rel >= n ? " - OUTSIDE the output" : "");
}

/* ---- the reference kernels and the API, per dtype ---- */

static void ref_forward(crelu__dtype dtype, const crelu__op *op, const void *x, void *y,
                        size_t n) {
    crelu__kernels_reference.dtypes[dtype].forward(op, x, y, NULL, n, 0);
}

static void ref_backward(crelu__dtype dtype, const crelu__op *op, const void *x, const void *dy,
                         void *dx, size_t n) {
    crelu__kernels_reference.dtypes[dtype].backward_x(op, x, dy, dx, n, 0);
}

/* The public functions of each dtype, indexed by crelu__dtype. */
typedef struct dtype_api {
    const char *forward_name, *backward_name, *relu_name, *relu_backward_name;
    int (*forward)(crelu_ctx *ctx, const void *x, void *y, size_t n);
    int (*backward)(crelu_ctx *ctx, const void *dy, void *dx, size_t n);
    int (*relu)(const void *x, void *y, size_t n);
    int (*relu_backward)(const void *x, const void *dy, void *dx, size_t n);
} dtype_api;

#define DTYPE_API(T, SFX)                                                                   \
    static int forward_##SFX(crelu_ctx *ctx, const void *x, void *y, size_t n) {          \
        return crelu_forward_##SFX(ctx, (const T *)x, (T *)y, n);                         \
    }                                                                                     \
    static int backward_##SFX(crelu_ctx *ctx, const void *dy, void *dx, size_t n) {       \
        return crelu_backward_##SFX(ctx, (const T *)dy, (T *)dx, n);                      \
    }                                                                                     \
    static int relu_##SFX(const void *x, void *y, size_t n) {                             \
        return crelu_relu_##SFX((const T *)x, (T *)y, n);                                 \
    }                                                                                     \
    static int relu_backward_##SFX(const void *x, const void *dy, void *dx, size_t n) {   \
        return crelu_relu_backward_##SFX((const T *)x, (const T *)dy, (T *)dx, n);        \
    }
DTYPE_API(float, f32)
DTYPE_API(double, f64)
DTYPE_API(uint16_t, bf16)
DTYPE_API(uint16_t, f16)
#define DTYPE_ROW(SFX)                                                                      \
    {"crelu_forward_" #SFX, "crelu_backward_" #SFX, "crelu_relu_" #SFX,                   \
     "crelu_relu_backward_" #SFX, forward_##SFX, backward_##SFX, relu_##SFX,              \
     relu_backward_##SFX}
static const dtype_api apis[CRELU__DTYPE_COUNT] = {
    [CRELU__F32] = DTYPE_ROW(f32),
    [CRELU__F64] = DTYPE_ROW(f64),
    [CRELU__BF16] = DTYPE_ROW(bf16),
    [CRELU__F16] = DTYPE_ROW(f16),
};

static unsigned char *copy_of(const layout *l, unsigned b, size_t n) {
    unsigned char *copy = malloc(n * l->size + 1);
    if (copy == NULL) {
        fail("harness out of memory");
    }
    memcpy(copy, ptr_of(l, b), n * l->size);
    return copy;
}

/* The dtypes in input order: a zero byte is float32. */
static const crelu__dtype dtype_codes[4] = {CRELU__F32, CRELU__F64, CRELU__BF16, CRELU__F16};

static crelu__dtype take_dtype(input *in) {
    return dtype_codes[take8(in) % 4];
}

/* ---- operations ---- */

/* A slot, or NULL for "no context": the NULL-ctx cases of every call. */
static slot *take_slot(input *in) {
    const unsigned code = take8(in) % 5;
    return code < 4 ? &slots[code % SLOTS] : NULL;
}

static crelu_ctx *ctx_of(const slot *s) {
    return s != NULL ? s->ctx : NULL;
}

/* Zero bytes (what runs past the input's end read as) pick the plain,
 * successful variant of every choice, so padding does not undo a program. */
static void op_create(input *in) {
    slot *s = &slots[take8(in) % SLOTS];
    const unsigned kind = take8(in) % 8;
    crelu_ctx *const sentinel = (crelu_ctx *)(uintptr_t)0x1; /* must be overwritten */
    crelu_ctx *out = sentinel;
    int status;
    if (kind == 7) {
        what = "create with out == NULL";
        fuzz_allocator unused = {ALLOC_MAGIC, 0, 0, 0, 0, {{NULL, 0}}};
        expect_status(take8(in) & 1 ? crelu_create(NULL)
                                    : crelu_create_with_allocator(NULL, fuzz_alloc, fuzz_free,
                                                                  &unused),
                      CRELU_ERR_INVALID_ARGUMENT);
        if (unused.calls != 0) {
            fail("create with out == NULL allocated");
        }
        return;
    }
    slot_destroy(s);
    if (kind < 3) {
        what = "crelu_create";
        status = crelu_create(&out);
        expect_status(status, CRELU_OK);
        s->custom = 0;
    } else {
        what = "crelu_create_with_allocator";
        memset(&s->alloc, 0, sizeof s->alloc);
        s->alloc.magic = ALLOC_MAGIC;
        s->alloc.failing = kind == 6;
        const unsigned which_null = kind == 5 ? 1 + (take8(in) & 1) : 0;
        const crelu_alloc_fn alloc = which_null == 1 ? NULL : fuzz_alloc;
        const crelu_free_fn free_fn = which_null == 2 ? NULL : fuzz_free;
        status = crelu_create_with_allocator(&out, alloc, free_fn, &s->alloc);
        expect_status(status, which_null != 0 ? CRELU_ERR_INVALID_ARGUMENT
                              : kind == 6     ? CRELU_ERR_OUT_OF_MEMORY
                                              : CRELU_OK);
        s->custom = 1;
        if (s->alloc.live_count != 0 && status != CRELU_OK) {
            fail("a failed create left %u allocations", s->alloc.live_count);
        }
        s->alloc.failing = 0;
    }
    if (status != CRELU_OK) {
        if (out != NULL) {
            fail("a failed create left *out = %p, not NULL", (void *)out);
        }
        return;
    }
    if (out == NULL || out == sentinel) {
        fail("create succeeded without setting *out");
    }
    s->ctx = out;
    slot_reset_model(s);
    s->base_bytes = crelu_sizeof_ctx(out);
    if (s->custom && (s->alloc.live_count != 1 || s->alloc.live_bytes != s->base_bytes)) {
        fail("a new context holds %u allocations of %zu bytes; crelu_sizeof_ctx says %zu",
             s->alloc.live_count, s->alloc.live_bytes, s->base_bytes);
    }
}

static int take_int(input *in) {
    static const int values[] = {0, 1, 2, -1, 3, INT_MIN, INT_MAX, 4, 8, 16, 17, 1000};
    const unsigned code = take8(in);
    if (code >= 240) {
        return (int)(uint32_t)take(in, 4);
    }
    return values[code % (sizeof values / sizeof values[0])];
}

static double take_double(input *in, int for_cap) {
    static const double slopes[] = {0.0, -0.0, 0.1, -2.5, 1.0, -1.0, 0.5, 1e-50, 1e-40,
                                    DBL_MAX, -DBL_MAX, FLT_MAX, 3.5e38, NAN, -NAN, INFINITY,
                                    -INFINITY, 4.9406564584124654e-324, 1e10, -1e-3};
    static const double caps[] = {INFINITY, 6.0, 0.1, 1.0, 1e-40, 4.9406564584124654e-324,
                                  DBL_MAX, FLT_MAX, 3.5e38, 0.0, -0.0, -1.0, NAN, -INFINITY,
                                  1e-50, 2.5, 1e30, INFINITY};
    const unsigned code = take8(in);
    if (code >= 224) {
        const uint64_t bits = take(in, 8);
        double value;
        memcpy(&value, &bits, sizeof value);
        return value;
    }
    if (for_cap) {
        return caps[code % (sizeof caps / sizeof caps[0])];
    }
    return slopes[code % (sizeof slopes / sizeof slopes[0])];
}

/* Setters: the expected status from the header's @retval lines; on success
 * the model takes the value, on failure it keeps everything. */
static void op_setter(input *in, unsigned which) {
    slot *s = take_slot(in);
    crelu_ctx *ctx = ctx_of(s);
    const size_t calls = s != NULL ? s->alloc.calls : 0;
    switch (which) {
    case 0: {
        what = "crelu_set_save";
        const int v = take_int(in);
        const int ok = ctx != NULL && (v == CRELU_SAVE_X || v == CRELU_SAVE_MASK);
        expect_status(crelu_set_save(ctx, v), ok ? CRELU_OK : CRELU_ERR_INVALID_ARGUMENT);
        if (ok) {
            s->save = v;
        }
        break;
    }
    case 1: {
        what = "crelu_set_grad_rule";
        const int v = take_int(in);
        const int ok = ctx != NULL && (v == CRELU_GRAD_PYTORCH || v == CRELU_GRAD_CS231N);
        expect_status(crelu_set_grad_rule(ctx, v), ok ? CRELU_OK : CRELU_ERR_INVALID_ARGUMENT);
        if (ok) {
            s->rule = v;
        }
        break;
    }
    case 2: {
        what = "crelu_set_negative_slope";
        const double v = take_double(in, 0);
        const int ok = ctx != NULL && isfinite(v) && !(v != 0.0 && isfinite(s->cap));
        expect_status(crelu_set_negative_slope(ctx, v),
                      ok ? CRELU_OK : CRELU_ERR_INVALID_ARGUMENT);
        if (ok) {
            s->slope = v;
        }
        break;
    }
    case 3: {
        what = "crelu_set_max_value";
        const double v = take_double(in, 1);
        /* INFINITY is "no cap"; any other value must be > 0, and finite
         * only while the slope is 0. */
        const int ok = ctx != NULL && v > 0.0 && !(isfinite(v) && s->slope != 0.0);
        expect_status(crelu_set_max_value(ctx, v), ok ? CRELU_OK : CRELU_ERR_INVALID_ARGUMENT);
        if (ok) {
            s->cap = v;
        }
        break;
    }
    default: {
        what = "crelu_set_num_threads";
        const int v = take_int(in);
        const int ok = ctx != NULL && v >= 0;
        expect_status(crelu_set_num_threads(ctx, v), ok ? CRELU_OK : CRELU_ERR_INVALID_ARGUMENT);
        if (ok) {
            s->threads = v;
            /* Counts above MAX_THREADS are accepted (checked just now) but
             * not run with: the pool would keep up to 255 workers for the
             * rest of the process and wake them all on every later call,
             * slowing every exec. Results never depend on the count. */
            if (v > MAX_THREADS) {
                s->threads = v % (MAX_THREADS + 1);
                expect_status(crelu_set_num_threads(ctx, s->threads), CRELU_OK);
            }
        }
        break;
    }
    }
    if (s != NULL) {
        if (s->alloc.calls != calls) {
            fail("a setter allocated");
        }
        check_slot(s);
    }
}

/* n from the input, or (one time in 16) a huge one for the size checks. */
static size_t take_call_n(input *in, size_t size, int *huge) {
    *huge = take8(in) % 16 == 15;
    return *huge ? take_huge_n(in, size) : take_n(in);
}

static void op_forward(input *in) {
    slot *s = take_slot(in);
    crelu_ctx *ctx = ctx_of(s);
    const crelu__dtype dtype = take_dtype(in);
    const size_t size = crelu__dtype_size(dtype);
    what = apis[dtype].forward_name;
    int huge;
    const size_t n = take_call_n(in, size, &huge);
    layout l;
    make_layout(in, &l, size, huge ? 8 : n, 2);
    trace_call(&l, n);
    const double cap = s != NULL ? s->cap : INFINITY;
    const double slope = s != NULL ? s->slope : 0.0;
    if (l.pos[0] >= 0) {
        fill_values(in, dtype, ptr_of(&l, 0), l.n_layout, cap, slope);
    }

    /* The checks in the order the header lists them. */
    const int save = s != NULL ? s->save : CRELU_SAVE_X;
    const size_t need = n > PTRDIFF_MAX / size ? 0 : save == CRELU_SAVE_MASK ? n / 8 + (n % 8 != 0) : n * size;
    int want;
    int grows = 0;
    if (ctx == NULL) {
        want = CRELU_ERR_INVALID_ARGUMENT;
    } else if (n == 0) {
        want = CRELU_OK; /* and it is the last forward */
    } else if (l.pos[0] < 0 || l.pos[1] < 0) {
        want = CRELU_ERR_INVALID_ARGUMENT;
    } else if (overflows(&l, 2, n)) {
        want = CRELU_ERR_OVERFLOW;
    } else if (partial(&l, 0, 1, n)) {
        want = CRELU_ERR_INVALID_ARGUMENT;
    } else {
        /* "A forward whose saved state fits the buffer of an earlier one
         * allocates nothing"; otherwise the buffer must grow. */
        grows = need > s->saved_max;
        if (huge && !s->custom) {
            /* Only the fuzz allocator can refuse a huge size; malloc would
             * abort the fuzzer instead. */
            free_layout(&l);
            return;
        }
        want = grows && s->custom && (s->alloc.failing || need > ALLOC_LIMIT)
                   ? CRELU_ERR_OUT_OF_MEMORY
                   : CRELU_OK;
    }
    if (huge && want == CRELU_OK) {
        fail("harness error: a huge forward predicted to succeed");
    }

    snapshot(&l);
    unsigned char *x_copy = want == CRELU_OK && n > 0 ? copy_of(&l, 0, n) : NULL;
    const size_t calls = s != NULL ? s->alloc.calls : 0;
    poison_outside_buffers(&l);
    const int got = apis[dtype].forward(ctx, ptr_of(&l, 0), ptr_of(&l, 1), n);
    unpoison_arena();
    expect_status(got, want);
    if (want == CRELU_OK) {
        const crelu__op op = op_for(s->rule, s->slope, s->cap);
        if (n > 0) {
            ref_forward(dtype, &op, x_copy, l.want + (size_t)l.pos[1] * size, n);
            check_arena(&l, l.pos[1], n);
        } else {
            check_arena(&l, -1, 0); /* n == 0 writes nothing */
        }
        free(s->fwd_x);
        s->fwd_x = x_copy;
        s->fwd_dtype = dtype;
        s->fwd_size = size;
        s->fwd_n = n;
        s->fwd_op = op;
        if (need > s->saved_max) {
            s->saved_max = need;
        }
    } else {
        check_arena(&l, -1, 0); /* a failed call writes nothing */
    }
    if (s != NULL && s->custom) {
        if (!grows && s->alloc.calls != calls) {
            fail("forward allocated although its state (%zu bytes) fits the buffer (%zu)", need,
                 s->saved_max);
        }
        if (grows && want != CRELU_ERR_OUT_OF_MEMORY && s->alloc.calls == calls) {
            fail("forward saved %zu bytes without allocating beyond %zu", need, s->saved_max);
        }
    }
    if (s != NULL) {
        check_slot(s);
    }
    free_layout(&l);
}

static void op_backward(input *in) {
    slot *s = take_slot(in);
    crelu_ctx *ctx = ctx_of(s);
    const int have = s != NULL && s->fwd_size != 0;
    /* Half the time the dtype and n of the last forward, so that the call
     * succeeds; else a near or random n, another dtype (of the same size,
     * too: bfloat16 and float16), or anything. */
    const unsigned code = take8(in);
    crelu__dtype dtype;
    size_t n;
    int huge = 0;
    if (!have || code >= 224) {
        dtype = take_dtype(in);
        n = take_call_n(in, crelu__dtype_size(dtype), &huge);
    } else if (code >= 192) {
        unsigned at = 0;
        while (dtype_codes[at] != s->fwd_dtype) {
            at++;
        }
        dtype = dtype_codes[(at + 1 + code % 3) % 4];
        n = s->fwd_n;
    } else if (code >= 160) {
        dtype = s->fwd_dtype;
        n = take_call_n(in, s->fwd_size, &huge);
    } else if (code >= 128) {
        dtype = s->fwd_dtype;
        const size_t delta = 1 + (code & 3);
        n = code & 4 || s->fwd_n <= delta ? s->fwd_n + delta : s->fwd_n - delta;
    } else {
        dtype = s->fwd_dtype;
        n = s->fwd_n;
    }
    const size_t size = crelu__dtype_size(dtype);
    what = apis[dtype].backward_name;
    layout l;
    make_layout(in, &l, size, huge ? 8 : n, 2);
    trace_call(&l, n);
    if (l.pos[0] >= 0) {
        fill_values(in, dtype, ptr_of(&l, 0), l.n_layout, s != NULL ? s->cap : 1.0, 0.5);
    }

    int want;
    if (ctx == NULL) {
        want = CRELU_ERR_INVALID_ARGUMENT;
    } else if (n > 0 && (l.pos[0] < 0 || l.pos[1] < 0)) {
        want = CRELU_ERR_INVALID_ARGUMENT; /* NULL is allowed when n == 0 */
    } else if (n > 0 && overflows(&l, 2, n)) {
        want = CRELU_ERR_OVERFLOW;
    } else if (n > 0 && partial(&l, 0, 1, n)) {
        want = CRELU_ERR_INVALID_ARGUMENT;
    } else if (s->fwd_dtype == CRELU__NO_DTYPE) {
        want = CRELU_ERR_NO_FORWARD;
    } else if (s->fwd_dtype != dtype) {
        want = CRELU_ERR_DTYPE_MISMATCH;
    } else if (s->fwd_n != n) {
        want = CRELU_ERR_SIZE_MISMATCH;
    } else {
        want = CRELU_OK;
    }
    if (huge && want == CRELU_OK) {
        fail("harness error: a huge backward predicted to succeed");
    }

    snapshot(&l);
    unsigned char *dy_copy = want == CRELU_OK && n > 0 ? copy_of(&l, 0, n) : NULL;
    const size_t calls = s != NULL ? s->alloc.calls : 0;
    poison_outside_buffers(&l);
    const int got = apis[dtype].backward(ctx, ptr_of(&l, 0), ptr_of(&l, 1), n);
    unpoison_arena();
    expect_status(got, want);
    if (want == CRELU_OK && n > 0) {
        ref_backward(dtype, &s->fwd_op, s->fwd_x, dy_copy, l.want + (size_t)l.pos[1] * size,
                     n);
        check_arena(&l, l.pos[1], n);
    } else {
        check_arena(&l, -1, 0);
    }
    free(dy_copy);
    if (s != NULL) {
        if (s->alloc.calls != calls) {
            fail("backward allocated");
        }
        check_slot(s);
    }
    free_layout(&l);
}

/* The stateless functions document their errors without an order, so when
 * several apply, any of them is accepted. */
static void expect_one_of(int got, unsigned allowed) {
    if (trace) {
        fprintf(stderr, "  %s -> %d\n", what, got);
    }
    if (got < 0 || got > 31 || !(allowed & (1u << got))) {
        fail("status %d (%s), contract allows mask 0x%x", got, crelu_strerror(got), allowed);
    }
}

static void op_stateless(input *in, int backward) {
    const crelu__dtype dtype = take_dtype(in);
    const size_t size = crelu__dtype_size(dtype);
    what = backward ? apis[dtype].relu_backward_name : apis[dtype].relu_name;
    int huge;
    const size_t n = take_call_n(in, size, &huge);
    layout l;
    const unsigned count = backward ? 3 : 2; /* x, y or x, dy, dx */
    const unsigned out = count - 1;
    make_layout(in, &l, size, huge ? 8 : n, count);
    trace_call(&l, n);
    for (unsigned b = 0; b < out; b++) {
        if (l.pos[b] >= 0) {
            fill_values(in, dtype, ptr_of(&l, b), l.n_layout, 6.0, 0.1);
        }
    }

    unsigned errors = 0;
    int nulls = 0;
    for (unsigned b = 0; b < count; b++) {
        nulls |= l.pos[b] < 0;
    }
    if (nulls) {
        errors |= 1u << CRELU_ERR_INVALID_ARGUMENT;
    }
    if (overflows(&l, count, n)) {
        errors |= 1u << CRELU_ERR_OVERFLOW;
    }
    for (unsigned b = 0; b < out; b++) { /* the output against each input */
        if (partial(&l, b, out, n)) {
            errors |= 1u << CRELU_ERR_INVALID_ARGUMENT;
        }
    }
    unsigned allowed;
    if (n == 0) {
        /* "CRELU_OK: success, or n is 0" - but NULL pointers are also
         * "INVALID_ARGUMENT"; the header does not say which wins. */
        allowed = 1u << CRELU_OK | (nulls ? 1u << CRELU_ERR_INVALID_ARGUMENT : 0);
    } else {
        allowed = errors != 0 ? errors : 1u << CRELU_OK;
    }
    if (huge && (allowed & 1u)) {
        free_layout(&l); /* would run over memory the harness does not have */
        return;
    }

    snapshot(&l);
    const int ok_expected = errors == 0 && n > 0;
    unsigned char *in0 = ok_expected ? copy_of(&l, 0, n) : NULL;
    unsigned char *in1 = ok_expected && backward ? copy_of(&l, 1, n) : NULL;
    int got;
    poison_outside_buffers(&l);
    if (backward) {
        got = apis[dtype].relu_backward(ptr_of(&l, 0), ptr_of(&l, 1), ptr_of(&l, 2), n);
    } else {
        got = apis[dtype].relu(ptr_of(&l, 0), ptr_of(&l, 1), n);
    }
    unpoison_arena();
    expect_one_of(got, allowed);
    if (ok_expected) {
        const crelu__op op = op_for(CRELU_GRAD_PYTORCH, 0.0, INFINITY); /* the documented defaults */
        unsigned char *dst = l.want + (size_t)l.pos[out] * size;
        if (backward) {
            ref_backward(dtype, &op, in0, in1, dst, n);
        } else {
            ref_forward(dtype, &op, in0, dst, n);
        }
        check_arena(&l, l.pos[out], n);
    } else {
        check_arena(&l, -1, 0);
    }
    free(in0);
    free(in1);
    free_layout(&l);
}

/* ---- white-box: the kernel table and the thresholds ---- */

static const crelu__kernels *choices[8]; /* the default pick and every table below it */
static unsigned choice_count;

static void use_kernels(unsigned code) {
    /* Half the time the default (CRELU_ISA's or the CPU's best), else any
     * supported table below it: CRELU_ISA only ever lowers the choice. */
    isa = code < 128 ? choices[0] : choices[code % choice_count];
    atomic_store_explicit(&crelu__kernels_picked, isa, memory_order_release);
}

/* Shrinks the streaming and splitting thresholds so that small arrays take
 * the streamed and threaded paths (the measured ones need megabytes). */
static void use_tuning(input *in) {
    static const size_t streams[] = {0, 64, 256, 1024, 4096, 65536, 1u << 20, SIZE_MAX};
    static const size_t pieces[] = {0, 1, 64, 256, 1000, 4096, 65536, 1u << 20};
    const unsigned code = take8(in);
    tuning_measured = code % 4 == 0;
    if (tuning_measured) {
        crelu__tuning_override(NULL);
        tuning = *crelu__tuning_now();
        return;
    }
    tuning.stream_bytes = streams[(code >> 2) % 8];
    tuning.piece_bytes = pieces[(code >> 5) % 8];
    crelu__tuning_override(&tuning);
}

static void op_misc(input *in) {
    what = "crelu_strerror/version/isa";
    const int status = (int)(int32_t)take(in, 4);
    const char *message = crelu_strerror(status);
    if (message == NULL || message[0] == '\0') {
        fail("crelu_strerror(%d) is NULL or empty", status);
    }
    const char *unknown = crelu_strerror(-1);
    if (status >= CRELU_OK && status <= CRELU_ERR_OVERFLOW && strcmp(message, unknown) == 0) {
        fail("crelu_strerror(%d), a documented status, gives the unknown message", status);
    }
    if (crelu_version_number() != CRELU_VERSION_NUMBER) {
        fail("crelu_version_number %d, header %d", crelu_version_number(), CRELU_VERSION_NUMBER);
    }
    char expected[32];
    snprintf(expected, sizeof expected, "%d.%d.%d", CRELU_VERSION_MAJOR, CRELU_VERSION_MINOR,
             CRELU_VERSION_PATCH);
    if (strcmp(crelu_version_string(), expected) != 0) {
        fail("crelu_version_string %s, header %s", crelu_version_string(), expected);
    }
    if (strcmp(crelu_isa_name(), isa->name) != 0) {
        fail("crelu_isa_name %s, running %s", crelu_isa_name(), isa->name);
    }
    if (crelu_sizeof_ctx(NULL) != 0) {
        fail("crelu_sizeof_ctx(NULL) is not 0");
    }
    crelu_destroy(NULL);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    trace = getenv("CRELU_FUZZ_TRACE") != NULL;
    const crelu__kernels *picked = crelu__pick_kernels();
    choices[choice_count++] = picked;
    int below = 0;
    for (size_t i = 0; crelu__kernel_tables[i] != NULL; i++) {
        if (crelu__kernel_tables[i] == picked) {
            below = 1;
        } else if (below && crelu__kernel_tables[i]->supported() && choice_count < 8) {
            choices[choice_count++] = crelu__kernel_tables[i];
        }
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    input in = {data, size};
    use_kernels(take8(&in));
    use_tuning(&in);
    for (unsigned op = 0; op < MAX_OPS && in.size > 0; op++) {
        const unsigned code = take8(&in) % 16;
        switch (code) {
        case 0: case 1: op_forward(&in); break;
        case 2: case 3: op_backward(&in); break;
        case 4: op_create(&in); break;
        case 5: slot_destroy(&slots[take8(&in) % SLOTS]); break;
        case 6: case 7: case 8: case 9: case 10: op_setter(&in, code - 6); break;
        case 11: op_stateless(&in, 0); break;
        case 12: op_stateless(&in, 1); break;
        case 13: {
            slot *s = &slots[take8(&in) % SLOTS];
            s->alloc.failing = s->custom && (take8(&in) & 1);
            break;
        }
        case 14: use_kernels(take8(&in)); break;
        default:
            if (take8(&in) & 1) {
                use_tuning(&in);
            } else {
                op_misc(&in);
            }
            break;
        }
    }
    for (unsigned i = 0; i < SLOTS; i++) {
        slot_destroy(&slots[i]);
        memset(&slots[i], 0, sizeof slots[i]);
    }
    return 0;
}
