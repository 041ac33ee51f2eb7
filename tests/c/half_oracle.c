/* SPDX-License-Identifier: MIT */
#include "half_oracle.h"

#include <math.h>
#include <string.h>

static uint32_t bits_of(float f) {
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return b;
}

static float float_of(uint32_t b) {
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

uint32_t oracle_bf16_widen(uint16_t h) {
    return (uint32_t)h << 16;
}

/* The classic rounding on the pattern: add just under half an ulp of the
 * result, plus one when the kept part is odd, and truncate. */
uint16_t oracle_bf16_narrow(uint32_t f) {
    if (isnan(float_of(f))) {
        return 0xffff;
    }
    return (uint16_t)((f + 0x7fffu + ((f >> 16) & 1u)) >> 16);
}

/* The value of a non-negative finite float16 pattern, from its definition;
 * for 0x7c00 (infinity) the formula gives 2^16, the next step after the
 * largest finite value, which is what rounding needs. */
static double f16_value(unsigned p) {
    const unsigned e = p >> 10, m = p & 0x3ffu;
    return e == 0 ? ldexp((double)m, -24) : ldexp((double)(1024u + m), (int)e - 25);
}

uint32_t oracle_f16_widen(uint16_t h) {
    const uint32_t sign = h & 0x8000u ? 0x80000000u : 0;
    if ((h & 0x7c00u) == 0x7c00u) { /* infinity or NaN: the payload moves up */
        return sign | 0x7f800000u | (uint32_t)(h & 0x3ffu) << 13;
    }
    return sign | bits_of((float)f16_value(h & 0x7fffu));
}

/* Every value 0x0000..0x7c00 in order, for a binary search. */
static double table[0x7c01];
static int table_ready;

uint16_t oracle_f16_narrow(uint32_t f) {
    const uint16_t sign = f & 0x80000000u ? 0x8000u : 0;
    const float value = float_of(f);
    if (isnan(value)) {
        uint16_t nan = (uint16_t)(0x7c00u | (f & 0x7fffffu) >> 13);
        return (uint16_t)(sign | (nan == 0x7c00u ? 0x7c01u : nan));
    }
    if (!table_ready) {
        for (unsigned p = 0; p <= 0x7c00u; p++) {
            table[p] = f16_value(p);
        }
        table_ready = 1;
    }
    const double v = fabs((double)value);
    if (v >= table[0x7c00]) {
        return sign | 0x7c00u;
    }
    /* The last pattern whose value is <= v, then the nearer of it and the
     * next, the even pattern on a tie (the midpoint is exact in double). */
    unsigned lo = 0, hi = 0x7c00u; /* table[lo] <= v < table[hi] */
    while (hi - lo > 1) {
        const unsigned mid = (lo + hi) / 2;
        if (table[mid] <= v) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    const double midpoint = (table[lo] + table[hi]) / 2;
    const unsigned p = v < midpoint ? lo : v > midpoint ? hi : (lo & 1u ? hi : lo);
    return (uint16_t)(sign | p);
}
