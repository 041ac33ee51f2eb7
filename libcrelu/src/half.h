/* SPDX-License-Identifier: MIT */
/* The two 16-bit formats, one element at a time, on bit patterns: widening to
 * float32 (always exact) and narrowing a float32 result once,
 * round-to-nearest-even. crelu.h's rule for both is "the float32 path,
 * narrowed": every table's 16-bit rows compute that, and these functions
 * are its definition (the reference kernels, and every table's heads and
 * tails, call them). Integers only, so that no FPU mode (x87 precision,
 * flush-to-zero) can touch a bit. */
#ifndef CRELU_HALF_H
#define CRELU_HALF_H

#include <stdint.h>
#include <string.h>

/* bfloat16 is float32's top half. */
static inline uint32_t crelu__bf16_widen(uint16_t h) {
    return (uint32_t)h << 16;
}

/* PyTorch 1.13's vectorized narrowing (cvtfp32_bf16): round to nearest
 * even on the integer pattern, and 0xffff for every NaN. */
static inline uint16_t crelu__bf16_narrow(uint32_t f) {
    if ((f & 0x7fffffffu) > 0x7f800000u) {
        return 0xffffu;
    }
    return (uint16_t)((f + 0x7fffu + ((f >> 16) & 1u)) >> 16);
}

/* IEEE binary16: 1 sign, 5 exponent (bias 15), 10 fraction bits. */
static inline uint32_t crelu__f16_widen(uint16_t h) {
    const uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    const uint32_t exponent = (h >> 10) & 0x1fu;
    uint32_t fraction = h & 0x3ffu;
    if (exponent == 0x1f) { /* infinity, or NaN with its payload, unquieted */
        return sign | 0x7f800000u | fraction << 13;
    }
    if (exponent != 0) {
        return sign | (exponent + 112u) << 23 | fraction << 13;
    }
    if (fraction == 0) {
        return sign;
    }
    /* Subnormal: fraction * 2^-24, a normal float32. */
    uint32_t e = 113; /* the float32 exponent of 2^-14 */
    while ((fraction & 0x400u) == 0) {
        fraction <<= 1;
        e--;
    }
    return sign | e << 23 | (fraction & 0x3ffu) << 13;
}

/* NumPy's npy_floatbits_to_halfbits: round to nearest even, overflow to
 * infinity, subnormal results rounded once; a NaN keeps its sign and the
 * top 10 bits of its payload (made nonzero if they are not). */
static inline uint16_t crelu__f16_narrow(uint32_t f) {
    const uint16_t sign = (uint16_t)((f >> 16) & 0x8000u);
    const uint32_t magnitude = f & 0x7fffffffu;
    const uint32_t exponent = magnitude >> 23;
    if (magnitude > 0x7f800000u) {
        const uint16_t nan = (uint16_t)(0x7c00u | (magnitude & 0x7fffffu) >> 13);
        return (uint16_t)(sign | (nan == 0x7c00u ? 0x7c01u : nan));
    }
    if (exponent >= 143) { /* |f| >= 2^16, infinity included */
        return (uint16_t)(sign | 0x7c00u);
    }
    if (exponent >= 113) { /* a normal binary16 before rounding */
        /* Rebias, then round on the 13 dropped bits; a carry out of the
         * fraction steps the exponent, up to infinity, as it should. */
        const uint32_t rebiased = magnitude - (112u << 23);
        const uint32_t rounded = rebiased + 0xfffu + ((rebiased >> 13) & 1u);
        return (uint16_t)(sign | rounded >> 13);
    }
    if (exponent < 102) { /* below 2^-25: rounds to zero */
        return sign;
    }
    /* Subnormal: the significand shifted into units of 2^-24, rounded. */
    const uint32_t significand = (magnitude & 0x7fffffu) | 0x800000u;
    const unsigned shift = 126u - exponent; /* 14 to 24 */
    const uint32_t kept = significand >> shift;
    const uint32_t dropped = significand & ((1u << shift) - 1u);
    const uint32_t half = 1u << (shift - 1);
    const uint32_t up = dropped > half || (dropped == half && (kept & 1u));
    return (uint16_t)(sign | (kept + up));
}

/* A clipped row's constants for a cap > 0 (maybe infinite), in one format:
 * the largest non-negative pattern whose value is <= cap, the largest whose
 * value is < cap (as float32 compares them), and the cap narrowed. The
 * SIMD and portable rows compare sign-magnitude keys with the first two
 * (simd_half_ops.h says why that is exact). */
typedef struct crelu__half_cap {
    uint16_t at_most, below, narrowed;
} crelu__half_cap;

static inline float crelu__float_of_bits(uint32_t bits) {
    float value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

static inline crelu__half_cap crelu__half_cap_of(float cap, uint16_t infinity,
                                                 uint32_t (*widen)(uint16_t),
                                                 uint16_t (*narrow)(uint32_t)) {
    /* Widening is monotonic on the patterns from +0 to +infinity: bisect. */
    unsigned low = 0, high = infinity; /* value(low) <= cap always */
    while (low < high) {
        const unsigned mid = (low + high + 1) / 2;
        if (crelu__float_of_bits(widen((uint16_t)mid)) <= cap) {
            low = mid;
        } else {
            high = mid - 1;
        }
    }
    uint32_t cap_bits;
    memcpy(&cap_bits, &cap, sizeof cap_bits);
    crelu__half_cap c;
    c.at_most = (uint16_t)low;
    /* A cap that float32 rounds to +0 (a tiny double) has no pattern below
     * it: +0 then, which no positive key is at most, stands for "none". */
    c.below = crelu__float_of_bits(widen(c.at_most)) < cap || low == 0 ? c.at_most
                                                                      : (uint16_t)(low - 1);
    c.narrowed = narrow(cap_bits);
    return c;
}

#endif /* CRELU_HALF_H */
