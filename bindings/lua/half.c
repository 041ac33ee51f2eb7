/* SPDX-License-Identifier: MIT */
/*
 * bfloat16 and float16 elements <-> Lua numbers (doubles), on the bits.
 *
 * Widening is exact. Narrowing rounds the double once, to nearest even:
 * going through float first would round twice (1 + 2^-11 + 2^-40 would
 * become the float 1 + 2^-11, a tie that rounds down to the float16 1.0,
 * where the double is above the tie and rounds up). Both work on the bit
 * patterns with integers, so no FPU mode, no x87 excess precision and no
 * signalling-NaN quieting can touch them.
 */
#include <stdint.h>
#include <string.h>

#include "crelu_lua.h"

/* A 16-bit format: 1 sign bit, `exponent_bits`, `mantissa_bits`. */
typedef struct format {
    int exponent_bits;
    int mantissa_bits;
} format;

static format format_of(crelu_lua__dtype dtype) {
    format bf16 = {8, 7};
    format f16 = {5, 10};
    return dtype == CRELU_LUA__BF16 ? bf16 : f16;
}

#define DOUBLE_MANTISSA_BITS 52
#define DOUBLE_BIAS 1023

static double from_bits(uint64_t bits) {
    double value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

static uint64_t to_bits(double value) {
    uint64_t bits;
    memcpy(&bits, &value, sizeof bits);
    return bits;
}

double crelu_lua__half_to_double(uint16_t bits, crelu_lua__dtype dtype) {
    format f = format_of(dtype);
    int shift = DOUBLE_MANTISSA_BITS - f.mantissa_bits;
    int max_exponent = (1 << f.exponent_bits) - 1;
    int bias = (1 << (f.exponent_bits - 1)) - 1;
    uint64_t sign = (uint64_t)(bits >> (f.exponent_bits + f.mantissa_bits)) << 63;
    int exponent = (bits >> f.mantissa_bits) & max_exponent;
    uint64_t mantissa = bits & ((1u << f.mantissa_bits) - 1);
    if (exponent == max_exponent) {
        /* inf, or a NaN whose payload goes to the top of the double's: the
         * quiet bit lands on the quiet bit. */
        return from_bits(sign | (uint64_t)0x7ff << DOUBLE_MANTISSA_BITS | mantissa << shift);
    }
    if (exponent == 0) {
        if (mantissa == 0) {
            return from_bits(sign);
        }
        /* A subnormal is normal in a double: normalise the mantissa. */
        exponent = 1;
        while (!(mantissa >> f.mantissa_bits)) {
            mantissa <<= 1;
            exponent--;
        }
        mantissa &= ((uint64_t)1 << f.mantissa_bits) - 1;
    }
    uint64_t double_exponent = (uint64_t)(exponent - bias + DOUBLE_BIAS);
    return from_bits(sign | double_exponent << DOUBLE_MANTISSA_BITS | mantissa << shift);
}

uint16_t crelu_lua__double_to_half(double value, crelu_lua__dtype dtype) {
    format f = format_of(dtype);
    int max_exponent = (1 << f.exponent_bits) - 1;
    int bias = (1 << (f.exponent_bits - 1)) - 1;
    uint64_t bits = to_bits(value);
    uint32_t sign = (uint32_t)(bits >> 63) << (f.exponent_bits + f.mantissa_bits);
    uint32_t infinity = (uint32_t)max_exponent << f.mantissa_bits;
    int double_exponent = (int)((bits >> DOUBLE_MANTISSA_BITS) & 0x7ff);
    uint64_t mantissa = bits & (((uint64_t)1 << DOUBLE_MANTISSA_BITS) - 1);
    if (double_exponent == 0x7ff) {
        if (mantissa == 0) {
            return (uint16_t)(sign | infinity);
        }
        /* NaN: the sign and the top payload bits (so a pattern read from an
         * array writes back unchanged, a signalling NaN included); if those
         * are all zero, the lowest bit, which keeps it a NaN (NumPy's rule). */
        uint32_t payload = (uint32_t)(mantissa >> (DOUBLE_MANTISSA_BITS - f.mantissa_bits));
        return (uint16_t)(sign | infinity | (payload != 0 ? payload : 1));
    }
    /* value = significand * 2^(exponent - 52), a double subnormal included. */
    uint64_t significand = mantissa;
    int exponent = double_exponent - DOUBLE_BIAS;
    if (double_exponent == 0) {
        exponent = 1 - DOUBLE_BIAS;
    } else {
        significand |= (uint64_t)1 << DOUBLE_MANTISSA_BITS;
    }
    if (exponent > bias) {
        return (uint16_t)(sign | infinity); /* 2^(bias + 1) and up */
    }
    /* Keep the bits the target has at this magnitude: mantissa_bits below
     * the leading one, or down to the smallest subnormal's weight. */
    int min_exponent = 1 - bias;
    int drop = DOUBLE_MANTISSA_BITS - f.mantissa_bits +
               (exponent < min_exponent ? min_exponent - exponent : 0);
    if (drop > DOUBLE_MANTISSA_BITS + 1) {
        return (uint16_t)sign; /* below half the smallest subnormal */
    }
    uint64_t kept = significand >> drop;
    uint64_t rest = significand & (((uint64_t)1 << drop) - 1);
    uint64_t half = (uint64_t)1 << (drop - 1);
    if (rest > half || (rest == half && (kept & 1))) {
        kept++;
    }
    /* Normal: the exponent field plus the kept significand, whose leading
     * one adds the last 1 to the field (and a carry out of the mantissa
     * moves to the next binade, or to infinity, by itself). Subnormal:
     * the kept bits are the field (a carry gives the smallest normal). */
    uint64_t magnitude = kept;
    if (exponent >= min_exponent) {
        magnitude += (uint64_t)(exponent + bias - 1) << f.mantissa_bits;
    }
    if (magnitude >= infinity) {
        return (uint16_t)(sign | infinity);
    }
    return (uint16_t)(sign | (uint32_t)magnitude);
}
