/* SPDX-License-Identifier: MIT */
/* SSE2 kernels: simd_impl.h with 128-bit vectors. SSE2 is x86-64's
 * baseline; on i686 this file alone is built with -msse2 -mfpmath=sse (see
 * CMakeLists.txt) and called only when sse2_supported() says the CPU has it. */
#include <emmintrin.h>
#include <stdint.h>
#include <string.h>

#include "crelu_internal.h"
#include "half.h"

static int sse2_supported(void) {
#if defined(__x86_64__)
    return 1;
#else
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse2");
#endif
}

/* m ? a : b without SSE4.1's blendv. */
#define SSE2_SELECT(suffix, m, a, b) _mm_or_##suffix(_mm_and_##suffix(m, a), _mm_andnot_##suffix(m, b))

#define T float
#define SFX(name) sse2_##name##_f32
#define V __m128
#define M __m128
#define LANES 4
#define V_LOADU(p) _mm_loadu_ps(p)
#define V_STOREU(p, v) _mm_storeu_ps(p, v)
#define V_STREAM(p, v) _mm_stream_ps(p, v)
#define V_SET1(s) _mm_set1_ps(s)
#define V_MUL(a, b) _mm_mul_ps(a, b)
#define V_MAX(a, b) _mm_max_ps(a, b)
#define V_MIN(a, b) _mm_min_ps(a, b)
#define M_GT(a, b) _mm_cmpgt_ps(a, b)
#define M_GE(a, b) _mm_cmpge_ps(a, b)
#define M_LT(a, b) _mm_cmplt_ps(a, b)
#define M_LE(a, b) _mm_cmple_ps(a, b)
#define M_NLE(a, b) _mm_cmpnle_ps(a, b)
#define M_AND(m, n) _mm_and_ps(m, n)
#define V_SELECT(m, a, b) SSE2_SELECT(ps, m, a, b)
#define V_KEEP(m, a) _mm_and_ps(m, a)
#define M_TO_BITS(m) ((unsigned)_mm_movemask_ps(m))
#define M_FROM_BITS(bits) sse2_lanes_f32(bits)
#define FENCE() _mm_sfence()
static inline __m128 sse2_lanes_f32(unsigned bits) {
    const __m128i lane = _mm_setr_epi32(1, 2, 4, 8);
    return _mm_castsi128_ps(_mm_cmpeq_epi32(_mm_and_si128(_mm_set1_epi32((int)bits), lane), lane));
}
#include "simd_float_ops.h"
#include "simd_impl.h"
#include "simd_undef.h"

#define T double
#define SFX(name) sse2_##name##_f64
#define V __m128d
#define M __m128d
#define LANES 2
#define V_LOADU(p) _mm_loadu_pd(p)
#define V_STOREU(p, v) _mm_storeu_pd(p, v)
#define V_STREAM(p, v) _mm_stream_pd(p, v)
#define V_SET1(s) _mm_set1_pd(s)
#define V_MUL(a, b) _mm_mul_pd(a, b)
#define V_MAX(a, b) _mm_max_pd(a, b)
#define V_MIN(a, b) _mm_min_pd(a, b)
#define M_GT(a, b) _mm_cmpgt_pd(a, b)
#define M_GE(a, b) _mm_cmpge_pd(a, b)
#define M_LT(a, b) _mm_cmplt_pd(a, b)
#define M_LE(a, b) _mm_cmple_pd(a, b)
#define M_NLE(a, b) _mm_cmpnle_pd(a, b)
#define M_AND(m, n) _mm_and_pd(m, n)
#define V_SELECT(m, a, b) SSE2_SELECT(pd, m, a, b)
#define V_KEEP(m, a) _mm_and_pd(m, a)
#define M_TO_BITS(m) ((unsigned)_mm_movemask_pd(m))
#define M_FROM_BITS(bits) sse2_lanes_f64(bits)
#define FENCE() _mm_sfence()
/* SSE2 has no 64-bit compare: both 32-bit halves of a lane test its bit. */
static inline __m128d sse2_lanes_f64(unsigned bits) {
    const __m128i lane = _mm_setr_epi32(1, 1, 2, 2);
    return _mm_castsi128_pd(_mm_cmpeq_epi32(_mm_and_si128(_mm_set1_epi32((int)bits), lane), lane));
}
#include "simd_float_ops.h"
#include "simd_impl.h"
#include "simd_undef.h"

/* bfloat16 and float16: eight 16-bit lanes (simd_half_ops.h). */
#define V __m128i
#define M __m128i
#define LANES 8
#define V_LOADU(p) _mm_loadu_si128((const __m128i *)(const void *)(p))
#define V_STOREU(p, v) _mm_storeu_si128((__m128i *)(void *)(p), v)
#define V_STREAM(p, v) _mm_stream_si128((__m128i *)(void *)(p), v)
#define M_TO_BITS(m) ((unsigned)_mm_movemask_epi8(_mm_packs_epi16(m, _mm_setzero_si128())))
/* m's lanes to bytes 0-7 and n's to 8-15, signs kept: one pack for two. */
#define M_PAIR_TO_BITS(m, n) ((unsigned)_mm_movemask_epi8(_mm_packs_epi16(m, n)))
#define H_PAIR_NONZERO_BITS(a, b) sse2_pair_nonzero_bits(a, b)
#define H_PAIR_SATURATED_BITS(a, b) sse2_pair_saturated_bits(a, b)
#define M_FROM_BITS(bits) sse2_lanes_u16(bits)
#define FENCE() _mm_sfence()
#define H_SET1(u) _mm_set1_epi16((short)(u))
#define H_XOR(a, b) _mm_xor_si128(a, b)
#define H_SUB(a, b) _mm_sub_epi16(a, b)
#define H_ANDNOT(a, b) _mm_andnot_si128(a, b)
#define H_SIGNS(a) _mm_srai_epi16(a, 15)
#define H_GT(a, b) _mm_cmpgt_epi16(a, b)
#define H_EQ(a, b) _mm_cmpeq_epi16(a, b)
#define H_SELECT(m, a, b) SSE2_SELECT(si128, m, a, b)
#define H_FILL(m, a) _mm_or_si128(m, a)
#define H_NONZERO(a) _mm_cmpgt_epi16(_mm_and_si128(a, H_SET1(0x7fff)), _mm_setzero_si128())
#define H_KEEP(m, a) _mm_and_si128(m, a)
#define H_DROP(m, a) _mm_andnot_si128(m, a)
#define M_AND(m, n) _mm_and_si128(m, n)
#define M_OR(m, n) _mm_or_si128(m, n)
#define M_ANDNOT(m, n) _mm_andnot_si128(m, n)
/* Bits 0..15 where a byte is not 0. */
static inline unsigned sse2_nonzero_byte_bits(__m128i bytes) {
    return 0xffffu & ~(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, _mm_setzero_si128()));
}

/* As kernels_avx2.c's half256_pair_nonzero_bits and _saturated_bits. */
static inline unsigned sse2_pair_nonzero_bits(__m128i a, __m128i b) {
    return sse2_nonzero_byte_bits(_mm_packs_epi16(_mm_add_epi16(a, a), _mm_add_epi16(b, b)));
}

static inline unsigned sse2_pair_saturated_bits(__m128i a, __m128i b) {
    const __m128i packed = _mm_packs_epi16(a, b);
    return sse2_nonzero_byte_bits(_mm_add_epi8(packed, packed));
}

static inline __m128i sse2_lanes_u16(unsigned bits) {
    const __m128i lane = _mm_setr_epi16(1, 2, 4, 8, 16, 32, 64, 128);
    return _mm_cmpeq_epi16(_mm_and_si128(_mm_set1_epi16((short)bits), lane), lane);
}

/* bfloat16 -> float32 is a shift; float32 -> bfloat16 rounds the integer
 * pattern to nearest even, NaN -> 0xffff (half.h), then packs the 32-bit
 * lanes, sign-extended from 16 bits so that packs_epi32 (SSE2 has no
 * unsigned pack) keeps every pattern. */
static inline __m128i sse2_bf16_narrow(__m128 f) {
    const __m128i bits = _mm_castps_si128(f);
    const __m128i nan = _mm_cmpgt_epi32(_mm_and_si128(bits, _mm_set1_epi32(0x7fffffff)),
                                        _mm_set1_epi32(0x7f800000));
    const __m128i odd = _mm_and_si128(_mm_srli_epi32(bits, 16), _mm_set1_epi32(1));
    __m128i r = _mm_srli_epi32(_mm_add_epi32(_mm_add_epi32(bits, _mm_set1_epi32(0x7fff)), odd), 16);
    r = _mm_or_si128(r, _mm_srli_epi32(nan, 16));
    return _mm_srai_epi32(_mm_slli_epi32(r, 16), 16);
}

static inline __m128i sse2_bf16_scale(__m128i a, float g) {
    const __m128 gain = _mm_set1_ps(g);
    const __m128 low = _mm_castsi128_ps(_mm_unpacklo_epi16(_mm_setzero_si128(), a));
    const __m128 high = _mm_castsi128_ps(_mm_unpackhi_epi16(_mm_setzero_si128(), a));
    return _mm_packs_epi32(sse2_bf16_narrow(_mm_mul_ps(low, gain)),
                           sse2_bf16_narrow(_mm_mul_ps(high, gain)));
}

/* float16 without F16C: lane by lane through half.h (SSE2 CPUs without
 * AVX2 are old; correctness first). The product is SSE's float32 one. */
static inline __m128i sse2_f16_scale(__m128i a, float g) {
    uint16_t lanes[8];
    _mm_storeu_si128((__m128i *)(void *)lanes, a);
    for (unsigned k = 0; k < 8; k++) {
        const uint32_t wide_bits = crelu__f16_widen(lanes[k]);
        float wide;
        memcpy(&wide, &wide_bits, sizeof wide);
        const float product = wide * g;
        uint32_t product_bits;
        memcpy(&product_bits, &product, sizeof product_bits);
        lanes[k] = crelu__f16_narrow(product_bits);
    }
    return _mm_loadu_si128((const __m128i *)(const void *)lanes);
}

#define HALF_NAME(name) sse2_##name
#define H_SCALE_BF16(a, g) sse2_bf16_scale(a, g)
#define H_SCALE_F16(a, g) sse2_f16_scale(a, g)
#include "simd_half_rows.h"

const crelu__kernels crelu__kernels_sse2 = {
    "sse2",
    sse2_supported,
    {
        [CRELU__F32] = CRELU__DTYPE_ROW(sse2_, _f32),
        [CRELU__F64] = CRELU__DTYPE_ROW(sse2_, _f64),
        [CRELU__BF16] = CRELU__DTYPE_ROW(sse2_, _bf16),
        [CRELU__F16] = CRELU__DTYPE_ROW(sse2_, _f16),
    },
};
