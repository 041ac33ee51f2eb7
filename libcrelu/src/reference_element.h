/* SPDX-License-Identifier: MIT */
/* The semantics table of crelu.h for one element, with plain branches. Included
 * once per dtype with T (the element type) and SFX(name) (adds the dtype
 * suffix) by the reference kernels, and by the SIMD kernels for the elements
 * before and after their vector loops.
 *
 * Elements come and go by pointer, and the branches that select (pass x or
 * dy through) copy bytes, never a value of type T: on 32-bit x86 without
 * SSE2 a float held in an x87 register comes back quieted if it was a
 * signalling NaN (0x7fa00001 becomes 0x7fe00001), and the contract passes
 * NaNs unchanged. Values of type T are only compared, or multiplied (which
 * quiets a signalling NaN on every machine, as the references do). */

#ifndef CRELU__BITS_BARRIER /* once per file, though included per dtype */
/* With x87 arithmetic (i386 without -mfpmath=sse), GCC sees that an integer
 * copy of an element holds the same bytes as a float it loaded for a
 * compare, and stores that float instead (fld/fstp): even a copy through an
 * integer gets quieted. So the bits are loaded first, into an integer
 * register that an empty asm claims to change, and the value compared is
 * made from them, never the other way round. */
#if defined(__i386__) && !defined(__SSE2_MATH__) && (defined(__GNUC__) || defined(__clang__))
#define CRELU__BITS_BARRIER(bits) __asm__("" : "+r"(bits))
#else
#define CRELU__BITS_BARRIER(bits) ((void)0)
#endif
#endif

/* The bits of *p (in the low bits for float). */
static uint64_t SFX(reference_load_bits)(const T *p) {
    if (sizeof(T) == sizeof(uint32_t)) {
        uint32_t bits;
        memcpy(&bits, p, sizeof bits);
        CRELU__BITS_BARRIER(bits);
        return bits;
    }
    uint64_t bits;
    memcpy(&bits, p, sizeof bits);
    CRELU__BITS_BARRIER(bits);
    return bits;
}

static void SFX(reference_store_bits)(T *p, uint64_t bits) {
    if (sizeof(T) == sizeof(uint32_t)) {
        const uint32_t low = (uint32_t)bits;
        memcpy(p, &low, sizeof low);
    } else {
        memcpy(p, &bits, sizeof bits);
    }
}

static T SFX(reference_value)(uint64_t bits) {
    T value;
    if (sizeof(T) == sizeof(uint32_t)) {
        const uint32_t low = (uint32_t)bits;
        memcpy(&value, &low, sizeof low);
    } else {
        memcpy(&value, &bits, sizeof value);
    }
    return value;
}

#include "x87.h"

/* The "forward y" column: *y from *x; y may be x. */
static void SFX(reference_forward_one)(const crelu__op *op, const T *x, T *y) {
    const uint64_t bits = SFX(reference_load_bits)(x);
    const T v = SFX(reference_value)(bits);
    if (op->variant == CRELU__LEAKY) {
        if (v > 0) {
            SFX(reference_store_bits)(y, bits);
            return;
        }
        *y = CRELU__MUL(v, (T)op->slope);
        return;
    }
    if (v < 0) { /* NaN and -0.0 fail this test and pass through */
        *y = 0;
        return;
    }
    if (op->variant == CRELU__CLIPPED && (T)op->cap < v) {
        *y = (T)op->cap;
        return;
    }
    SFX(reference_store_bits)(y, bits);
}

/* Whether backward takes its pass-through branch at x: the mask bit. */
static int SFX(reference_passes)(const crelu__op *op, T x) {
    int pytorch = op->rule == CRELU_GRAD_PYTORCH;
    switch (op->variant) {
    case CRELU__LEAKY:
        return pytorch ? x > 0 : x >= 0;
    case CRELU__CLIPPED:
        if (pytorch) {
            return 0 < x && x < (T)op->cap;
        }
        return 0 <= x && x <= (T)op->cap;
    case CRELU__RELU:
    default:
        return pytorch ? !(x <= 0) : x >= 0; /* PyTorch: NaN x passes dy */
    }
}

/* The backward columns, given the branch: *dx from *dy; dx may be dy. */
static void SFX(reference_backward_one)(const crelu__op *op, int passes, const T *dy, T *dx) {
    if (op->rule == CRELU_GRAD_PYTORCH && op->variant != CRELU__LEAKY) {
        /* PyTorch selects: a blocked element is +0 whatever dy holds. */
        if (passes) {
            SFX(reference_store_bits)(dx, SFX(reference_load_bits)(dy));
            return;
        }
        *dx = 0;
        return;
    }
    /* Everything else multiplies dy by the mask value. */
    T mask_value = op->variant == CRELU__LEAKY ? (T)op->slope : 0;
    if (passes) {
        mask_value = (T)op->one;
    }
    *dx = CRELU__MUL(SFX(reference_value)(SFX(reference_load_bits)(dy)), mask_value);
}
