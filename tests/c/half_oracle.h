/* SPDX-License-Identifier: MIT */
/* The tests' own bfloat16 and float16 conversions, written apart from the
 * library's half.h (and by other algorithms: float16 through double values
 * and a sorted table, not integer rounding), so that a mistake in one is not
 * repeated in the other. Used to judge the reference kernels and to build
 * the inputs near the test caps. */
#ifndef CRELU_TEST_HALF_ORACLE_H
#define CRELU_TEST_HALF_ORACLE_H

#include <stdint.h>

/* float32 bit patterns, exactly widened from the 16-bit ones. */
uint32_t oracle_bf16_widen(uint16_t h);
uint32_t oracle_f16_widen(uint16_t h);

/* A float32 pattern narrowed once, round-to-nearest-even: bfloat16 writes
 * 0xffff for every NaN; float16 keeps a NaN's sign and top 10 payload bits
 * (0x7c01 with its sign when those are all zero). */
uint16_t oracle_bf16_narrow(uint32_t f);
uint16_t oracle_f16_narrow(uint32_t f);

#endif
