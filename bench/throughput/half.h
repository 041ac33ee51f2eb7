/* SPDX-License-Identifier: MIT */
/* bfloat16 and float16 bit patterns to and from float, for the benchmark's
 * inputs and its check of the outputs (the library has its own, private).
 * Finite values only need to be right here: the inputs are in [-1, 1). */
#ifndef BENCH_HALF_H
#define BENCH_HALF_H

#include <stdint.h>
#include <string.h>

static inline uint32_t bench_float_bits(float f) {
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return b;
}

static inline float bench_bits_float(uint32_t b) {
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

/* bfloat16 is float32's top half: widening is exact. */
static inline float bench_bf16_to_float(uint16_t h) {
    return bench_bits_float((uint32_t)h << 16);
}

/* Round to nearest, ties to even (finite f). */
static inline uint16_t bench_float_to_bf16(float f) {
    uint32_t b = bench_float_bits(f);
    return (uint16_t)((b + 0x7fffu + ((b >> 16) & 1u)) >> 16);
}

static inline float bench_f16_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16, exponent = (h >> 10) & 0x1fu,
             mantissa = h & 0x3ffu;
    if (exponent == 0x1f) return bench_bits_float(sign | 0x7f800000u | mantissa << 13);
    /* Subnormals and zeros: mantissa * 2^-24, exact in float. */
    float magnitude = exponent == 0 ? (float)mantissa * 0x1p-24f
                                    : bench_bits_float((exponent + 112u) << 23 | mantissa << 13);
    return sign ? -magnitude : magnitude;
}

/* Round to nearest, ties to even (finite f; overflow goes to infinity). */
static inline uint16_t bench_float_to_f16(float f) {
    uint32_t b = bench_float_bits(f), sign = (b >> 16) & 0x8000u, magnitude = b & 0x7fffffffu;
    if (magnitude >= 0x477ff000u) return (uint16_t)(sign | 0x7c00u); /* >= 65520 */
    if (magnitude < 0x33000000u) return (uint16_t)sign; /* <= 2^-25: to +-0 */
    if (magnitude < 0x38800000u) {
        /* Below 2^-14: a multiple of 2^-24, the significand shifted right
         * and rounded; 1024 is the smallest normal, which is right. */
        uint32_t significand = (magnitude & 0x7fffffu) | 0x800000u;
        uint32_t shift = 126u - (magnitude >> 23), half = 1u << (shift - 1);
        uint32_t q = significand >> shift, rest = significand & ((half << 1) - 1u);
        q += rest > half || (rest == half && (q & 1u));
        return (uint16_t)(sign | q);
    }
    uint32_t rebiased = magnitude - 0x38000000u; /* exponent - 112 */
    return (uint16_t)(sign | (rebiased + 0xfffu + ((rebiased >> 13) & 1u)) >> 13);
}

#endif /* BENCH_HALF_H */
