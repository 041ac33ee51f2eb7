/* SPDX-License-Identifier: MIT */
/* NEON kernels for AArch64: simd_impl.h with 128-bit vectors. Advanced SIMD
 * is part of every AArch64 CPU, so this file needs no extra compiler flags
 * and its table needs no run-time check.
 *
 * Where x86 has instructions with the template's exact meaning, NEON
 * differs, so the primitives are built from others:
 *  - V_MAX and V_MIN are a compare and a bit select. NEON's fmax/fmin
 *    return a NaN (quieted, or the default NaN) if either operand is one,
 *    and order -0 below +0; the template needs maxps/minps's rule (the
 *    second operand on NaN and on equal zeros), which is what keeps NaN
 *    payloads and -0.0 as the reference keeps them.
 *  - There are no movemask instructions: a mask's lanes are ANDed with
 *    their own bit values and summed across the vector (addv).
 *  - There is no non-temporal store intrinsic for one vector: V_STREAM is
 *    a plain store and FENCE orders nothing. The streamed paths still run
 *    (their aligning head and fused copies are the same code), and give
 *    the same bits. */
#include <arm_neon.h>
#include <stdint.h>
#include <string.h>

#include "crelu_internal.h"
#include "half.h"

static int neon_supported(void) {
    return 1; /* baseline on AArch64 */
}

#define T float
#define SFX(name) neon_##name##_f32
#define V float32x4_t
#define M uint32x4_t
#define LANES 4
#define V_LOADU(p) vld1q_f32(p)
#define V_STOREU(p, v) vst1q_f32(p, v)
#define V_STREAM(p, v) vst1q_f32(p, v)
#define V_SET1(s) vdupq_n_f32(s)
#define V_MUL(a, b) vmulq_f32(a, b)
#define V_MAX(a, b) neon_max_f32(a, b)
#define V_MIN(a, b) neon_min_f32(a, b)
#define M_GT(a, b) vcgtq_f32(a, b)
#define M_GE(a, b) vcgeq_f32(a, b)
#define M_LT(a, b) vcltq_f32(a, b)
#define M_LE(a, b) vcleq_f32(a, b)
#define M_NLE(a, b) vmvnq_u32(vcleq_f32(a, b))
#define M_AND(m, n) vandq_u32(m, n)
#define V_SELECT(m, a, b) vbslq_f32(m, a, b)
#define V_KEEP(m, a) vreinterpretq_f32_u32(vandq_u32(m, vreinterpretq_u32_f32(a)))
#define M_TO_BITS(m) neon_bits_f32(m)
#define M_FROM_BITS(bits) neon_lanes_f32(bits)
#define FENCE() ((void)0)
/* a > b ? a : b and a < b ? a : b lane by lane: b when the compare is false,
 * that is on NaN and on equal values (+0 and -0 included). */
static inline float32x4_t neon_max_f32(float32x4_t a, float32x4_t b) {
    return vbslq_f32(vcgtq_f32(a, b), a, b);
}
static inline float32x4_t neon_min_f32(float32x4_t a, float32x4_t b) {
    return vbslq_f32(vcltq_f32(a, b), a, b);
}
static inline unsigned neon_bits_f32(uint32x4_t m) {
    const uint32_t weights[4] = {1, 2, 4, 8};
    return vaddvq_u32(vandq_u32(m, vld1q_u32(weights)));
}
static inline uint32x4_t neon_lanes_f32(unsigned bits) {
    const uint32_t weights[4] = {1, 2, 4, 8};
    return vtstq_u32(vdupq_n_u32(bits), vld1q_u32(weights));
}
#include "simd_float_ops.h"
#include "simd_impl.h"
#include "simd_undef.h"

#define T double
#define SFX(name) neon_##name##_f64
#define V float64x2_t
#define M uint64x2_t
#define LANES 2
#define V_LOADU(p) vld1q_f64(p)
#define V_STOREU(p, v) vst1q_f64(p, v)
#define V_STREAM(p, v) vst1q_f64(p, v)
#define V_SET1(s) vdupq_n_f64(s)
#define V_MUL(a, b) vmulq_f64(a, b)
#define V_MAX(a, b) neon_max_f64(a, b)
#define V_MIN(a, b) neon_min_f64(a, b)
#define M_GT(a, b) vcgtq_f64(a, b)
#define M_GE(a, b) vcgeq_f64(a, b)
#define M_LT(a, b) vcltq_f64(a, b)
#define M_LE(a, b) vcleq_f64(a, b)
#define M_NLE(a, b) vreinterpretq_u64_u32(vmvnq_u32(vreinterpretq_u32_u64(vcleq_f64(a, b))))
#define M_AND(m, n) vandq_u64(m, n)
#define V_SELECT(m, a, b) vbslq_f64(m, a, b)
#define V_KEEP(m, a) vreinterpretq_f64_u64(vandq_u64(m, vreinterpretq_u64_f64(a)))
#define M_TO_BITS(m) neon_bits_f64(m)
#define M_FROM_BITS(bits) neon_lanes_f64(bits)
#define FENCE() ((void)0)
static inline float64x2_t neon_max_f64(float64x2_t a, float64x2_t b) {
    return vbslq_f64(vcgtq_f64(a, b), a, b);
}
static inline float64x2_t neon_min_f64(float64x2_t a, float64x2_t b) {
    return vbslq_f64(vcltq_f64(a, b), a, b);
}
static inline unsigned neon_bits_f64(uint64x2_t m) {
    const uint64_t weights[2] = {1, 2};
    return (unsigned)vaddvq_u64(vandq_u64(m, vld1q_u64(weights)));
}
static inline uint64x2_t neon_lanes_f64(unsigned bits) {
    const uint64_t weights[2] = {1, 2};
    return vtstq_u64(vdupq_n_u64(bits), vld1q_u64(weights));
}
#include "simd_float_ops.h"
#include "simd_impl.h"
#include "simd_undef.h"

/* bfloat16 and float16: eight 16-bit lanes (simd_half_ops.h). */
#define V uint16x8_t
#define M uint16x8_t
#define LANES 8
#define V_LOADU(p) vld1q_u16(p)
#define V_STOREU(p, v) vst1q_u16(p, v)
#define V_STREAM(p, v) vst1q_u16(p, v)
#define M_TO_BITS(m) neon_bits_u16(m)
#define M_FROM_BITS(bits) neon_lanes_u16(bits)
#define FENCE() ((void)0)
#define H_SET1(u) vdupq_n_u16((uint16_t)(u))
#define H_XOR(a, b) veorq_u16(a, b)
#define H_SUB(a, b) vsubq_u16(a, b)
#define H_ANDNOT(a, b) vbicq_u16(b, a)
#define H_SIGNS(a) vreinterpretq_u16_s16(vshrq_n_s16(vreinterpretq_s16_u16(a), 15))
#define H_GT(a, b) vcgtq_s16(vreinterpretq_s16_u16(a), vreinterpretq_s16_u16(b))
#define H_EQ(a, b) vceqq_u16(a, b)
#define H_SELECT(m, a, b) vbslq_u16(m, a, b)
#define H_FILL(m, a) vorrq_u16(m, a)
#define H_NONZERO(a) vtstq_u16(a, H_SET1(0x7fff))
#define H_KEEP(m, a) vandq_u16(m, a)
#define H_DROP(m, a) vbicq_u16(a, m)
#define M_AND(m, n) vandq_u16(m, n)
#define M_OR(m, n) vorrq_u16(m, n)
#define M_ANDNOT(m, n) vbicq_u16(n, m)
static inline unsigned neon_bits_u16(uint16x8_t m) {
    const uint16_t weights[8] = {1, 2, 4, 8, 16, 32, 64, 128};
    return vaddvq_u16(vandq_u16(m, vld1q_u16(weights)));
}
static inline uint16x8_t neon_lanes_u16(unsigned bits) {
    const uint16_t weights[8] = {1, 2, 4, 8, 16, 32, 64, 128};
    return vtstq_u16(vdupq_n_u16((uint16_t)bits), vld1q_u16(weights));
}

/* float32 -> bfloat16 in each 32-bit lane: the pattern rounded to nearest
 * even, NaN -> 0xffff (half.h), in the low 16 bits. */
static inline uint32x4_t neon_bf16_narrow(float32x4_t f) {
    const uint32x4_t bits = vreinterpretq_u32_f32(f);
    const uint32x4_t nan = vcgtq_u32(vandq_u32(bits, vdupq_n_u32(0x7fffffffu)),
                                     vdupq_n_u32(0x7f800000u));
    const uint32x4_t odd = vandq_u32(vshrq_n_u32(bits, 16), vdupq_n_u32(1));
    const uint32x4_t r = vshrq_n_u32(vaddq_u32(vaddq_u32(bits, vdupq_n_u32(0x7fffu)), odd), 16);
    return vorrq_u32(r, vshrq_n_u32(nan, 16));
}

static inline uint16x8_t neon_bf16_scale(uint16x8_t a, float g) {
    const float32x4_t low = vreinterpretq_f32_u32(vshll_n_u16(vget_low_u16(a), 16));
    const float32x4_t high = vreinterpretq_f32_u32(vshll_high_n_u16(a, 16));
    return vmovn_high_u32(vmovn_u32(neon_bf16_narrow(vmulq_n_f32(low, g))),
                          neon_bf16_narrow(vmulq_n_f32(high, g)));
}

/* AArch64 converts float16 in hardware: exactly one way, and to nearest
 * even the other (FPCR's default rounding), a NaN keeping its sign and top
 * payload bits (FPCR.DN is off by default), as half.h does. */
static inline uint16x8_t neon_f16_scale(uint16x8_t a, float g) {
    const float16x8_t h = vreinterpretq_f16_u16(a);
    const float32x4_t low = vmulq_n_f32(vcvt_f32_f16(vget_low_f16(h)), g);
    const float32x4_t high = vmulq_n_f32(vcvt_high_f32_f16(h), g);
    return vreinterpretq_u16_f16(vcvt_high_f16_f32(vcvt_f16_f32(low), high));
}

#define HALF_NAME(name) neon_##name
#define H_SCALE_BF16(a, g) neon_bf16_scale(a, g)
#define H_SCALE_F16(a, g) neon_f16_scale(a, g)
#include "simd_half_rows.h"

const crelu__kernels crelu__kernels_neon = {
    "neon",
    neon_supported,
    {
        [CRELU__F32] = CRELU__DTYPE_ROW(neon_, _f32),
        [CRELU__F64] = CRELU__DTYPE_ROW(neon_, _f64),
        [CRELU__BF16] = CRELU__DTYPE_ROW(neon_, _bf16),
        [CRELU__F16] = CRELU__DTYPE_ROW(neon_, _f16),
    },
};
