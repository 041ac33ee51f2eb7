/* SPDX-License-Identifier: MIT */
/* AVX2 kernels: simd_impl.h with 256-bit vectors. Built with -mavx2 for this
 * file alone (see CMakeLists.txt) and called only when avx2_supported() says
 * the CPU and OS have it. */
#include <cpuid.h>
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "crelu_internal.h"
#include "half.h"

static int avx2_supported(void) {
    __builtin_cpu_init();
    /* F16C for the float16 rows: every CPU with AVX2 has it. Read from
     * CPUID leaf 1 (ECX bit 29): clang's __builtin_cpu_supports does not
     * know "f16c". */
    unsigned eax, ebx, ecx, edx;
    const int f16c = __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_F16C) != 0;
    return __builtin_cpu_supports("avx2") && f16c;
}

#define T float
#define SFX(name) avx2_##name##_f32
#define V __m256
#define M __m256
#define LANES 8
#define V_LOADU(p) _mm256_loadu_ps(p)
#define V_STOREU(p, v) _mm256_storeu_ps(p, v)
#define V_STREAM(p, v) _mm256_stream_ps(p, v)
#define V_SET1(s) _mm256_set1_ps(s)
#define V_MUL(a, b) _mm256_mul_ps(a, b)
#define V_MAX(a, b) _mm256_max_ps(a, b)
#define V_MIN(a, b) _mm256_min_ps(a, b)
#define M_GT(a, b) _mm256_cmp_ps(a, b, _CMP_GT_OQ)
#define M_GE(a, b) _mm256_cmp_ps(a, b, _CMP_GE_OQ)
#define M_LT(a, b) _mm256_cmp_ps(a, b, _CMP_LT_OQ)
#define M_LE(a, b) _mm256_cmp_ps(a, b, _CMP_LE_OQ)
#define M_NLE(a, b) _mm256_cmp_ps(a, b, _CMP_NLE_UQ)
#define M_AND(m, n) _mm256_and_ps(m, n)
#define V_SELECT(m, a, b) _mm256_blendv_ps(b, a, m)
#define V_KEEP(m, a) _mm256_and_ps(m, a)
#define M_TO_BITS(m) ((unsigned)_mm256_movemask_ps(m))
#define M_FROM_BITS(bits) avx2_lanes_f32(bits)
#define FENCE() _mm_sfence()
static inline __m256 avx2_lanes_f32(unsigned bits) {
    const __m256i lane = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    return _mm256_castsi256_ps(
        _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32((int)bits), lane), lane));
}
#include "simd_float_ops.h"
#include "simd_impl.h"
#include "simd_undef.h"

#define T double
#define SFX(name) avx2_##name##_f64
#define V __m256d
#define M __m256d
#define LANES 4
#define V_LOADU(p) _mm256_loadu_pd(p)
#define V_STOREU(p, v) _mm256_storeu_pd(p, v)
#define V_STREAM(p, v) _mm256_stream_pd(p, v)
#define V_SET1(s) _mm256_set1_pd(s)
#define V_MUL(a, b) _mm256_mul_pd(a, b)
#define V_MAX(a, b) _mm256_max_pd(a, b)
#define V_MIN(a, b) _mm256_min_pd(a, b)
#define M_GT(a, b) _mm256_cmp_pd(a, b, _CMP_GT_OQ)
#define M_GE(a, b) _mm256_cmp_pd(a, b, _CMP_GE_OQ)
#define M_LT(a, b) _mm256_cmp_pd(a, b, _CMP_LT_OQ)
#define M_LE(a, b) _mm256_cmp_pd(a, b, _CMP_LE_OQ)
#define M_NLE(a, b) _mm256_cmp_pd(a, b, _CMP_NLE_UQ)
#define M_AND(m, n) _mm256_and_pd(m, n)
#define V_SELECT(m, a, b) _mm256_blendv_pd(b, a, m)
#define V_KEEP(m, a) _mm256_and_pd(m, a)
#define M_TO_BITS(m) ((unsigned)_mm256_movemask_pd(m))
#define M_FROM_BITS(bits) avx2_lanes_f64(bits)
#define FENCE() _mm_sfence()
static inline __m256d avx2_lanes_f64(unsigned bits) {
    const __m256i lane = _mm256_setr_epi64x(1, 2, 4, 8);
    return _mm256_castsi256_pd(
        _mm256_cmpeq_epi64(_mm256_and_si256(_mm256_set1_epi64x(bits), lane), lane));
}
#include "simd_float_ops.h"
#include "simd_impl.h"
#include "simd_undef.h"

/* bfloat16 and float16: sixteen 16-bit lanes of a 256-bit register, with
 * F16C (this file is also built with -mf16c) for float16's conversions. */
#define HALF_NAME(name) avx2_##name
#define V __m256i
#define M __m256i
#define LANES 16
#define V_LOADU(p) _mm256_loadu_si256((const __m256i *)(const void *)(p))
#define V_STOREU(p, v) _mm256_storeu_si256((__m256i *)(void *)(p), v)
#define V_STREAM(p, v) _mm256_stream_si256((__m256i *)(void *)(p), v)
#define M_TO_BITS(m) half256_bits(m)
#define M_PAIR_TO_BITS(m, n) half256_pair_bits(m, n)
#define H_PAIR_NONZERO_BITS(a, b) half256_pair_nonzero_bits(a, b)
#define H_PAIR_SATURATED_BITS(a, b) half256_pair_saturated_bits(a, b)
#define M_FROM_BITS(bits) half256_lanes(bits)
#define FENCE() _mm_sfence()
#define H_SET1(u) _mm256_set1_epi16((short)(u))
#define H_XOR(a, b) _mm256_xor_si256(a, b)
#define H_SUB(a, b) _mm256_sub_epi16(a, b)
#define H_ANDNOT(a, b) _mm256_andnot_si256(a, b)
#define H_SIGNS(a) _mm256_srai_epi16(a, 15)
#define H_GT(a, b) _mm256_cmpgt_epi16(a, b)
#define H_EQ(a, b) _mm256_cmpeq_epi16(a, b)
#define H_SELECT(m, a, b) _mm256_blendv_epi8(b, a, m)
#define H_FILL(m, a) _mm256_or_si256(m, a)
#define H_NONZERO(a) _mm256_cmpgt_epi16(_mm256_and_si256(a, H_SET1(0x7fff)), _mm256_setzero_si256())
#define H_KEEP(m, a) _mm256_and_si256(m, a)
#define H_DROP(m, a) _mm256_andnot_si256(m, a)
#define M_AND(m, n) _mm256_and_si256(m, n)
#define M_OR(m, n) _mm256_or_si256(m, n)
#define M_ANDNOT(m, n) _mm256_andnot_si256(m, n)

/* Lane k's truth as bit k: the two 128-bit halves packed to bytes, in order. */
static inline unsigned half256_bits(__m256i m) {
    const __m128i bytes =
        _mm_packs_epi16(_mm256_castsi256_si128(m), _mm256_extracti128_si256(m, 1));
    return (unsigned)_mm_movemask_epi8(bytes);
}

/* Bits 0..31 from the bytes' signs of _mm256_packs_epi16(m, n), which
 * interleaves the two vectors' 128-bit halves (m's low, n's low, m's high,
 * n's high): the permute puts them in order. */
static inline unsigned half256_packed_bits(__m256i packed) {
    return (unsigned)_mm256_movemask_epi8(_mm256_permute4x64_epi64(packed, 0xd8));
}

/* Two masks' lanes as bits 0..31: three operations where two
 * half256_bits take six. At 2^24 elements with this table on the AVX-512
 * host, forward_mask went from 0.89 to 0.95 of the copy ceiling in
 * bfloat16 and from 0.96 to 1.01 in float16 (means of 8 crelu-bench runs
 * each, the old and new library alternating). */
static inline unsigned half256_pair_bits(__m256i m, __m256i n) {
    return half256_packed_bits(_mm256_packs_epi16(m, n));
}

/* Signed saturation keeps a lane 0 exactly when it was 0, so the bytes
 * tell the lanes' zeros apart; doubling first drops the sign bit. */
static inline unsigned half256_pair_nonzero_bits(__m256i a, __m256i b) {
    const __m256i packed = _mm256_packs_epi16(_mm256_add_epi16(a, a), _mm256_add_epi16(b, b));
    return ~half256_packed_bits(_mm256_cmpeq_epi8(packed, _mm256_setzero_si256()));
}

/* Saturated to bytes, then doubled: 0 and -128 are the bytes that double
 * to 0. */
static inline unsigned half256_pair_saturated_bits(__m256i a, __m256i b) {
    const __m256i packed = _mm256_packs_epi16(a, b);
    return ~half256_packed_bits(
        _mm256_cmpeq_epi8(_mm256_add_epi8(packed, packed), _mm256_setzero_si256()));
}

static inline __m256i half256_lanes(unsigned bits) {
    const __m256i lane = _mm256_setr_epi16(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048,
                                           4096, 8192, 16384, (short)0x8000);
    return _mm256_cmpeq_epi16(_mm256_and_si256(_mm256_set1_epi16((short)bits), lane), lane);
}

/* float32 -> bfloat16 in each 32-bit lane: the pattern rounded to nearest
 * even, NaN -> 0xffff (half.h), in the low 16 bits. */
static inline __m256i half256_bf16_narrow(__m256 f) {
    const __m256i bits = _mm256_castps_si256(f);
    const __m256i nan = _mm256_cmpgt_epi32(_mm256_and_si256(bits, _mm256_set1_epi32(0x7fffffff)),
                                           _mm256_set1_epi32(0x7f800000));
    const __m256i odd = _mm256_and_si256(_mm256_srli_epi32(bits, 16), _mm256_set1_epi32(1));
    const __m256i r = _mm256_srli_epi32(
        _mm256_add_epi32(_mm256_add_epi32(bits, _mm256_set1_epi32(0x7fff)), odd), 16);
    return _mm256_or_si256(r, _mm256_srli_epi32(nan, 16));
}

/* bfloat16 widens by a shift. unpack and packus both work within 128-bit
 * halves, so together they keep the lanes in order. */
static inline __m256i half256_bf16_scale(__m256i a, float g) {
    const __m256 gain = _mm256_set1_ps(g);
    const __m256 low = _mm256_castsi256_ps(_mm256_unpacklo_epi16(_mm256_setzero_si256(), a));
    const __m256 high = _mm256_castsi256_ps(_mm256_unpackhi_epi16(_mm256_setzero_si256(), a));
    return _mm256_packus_epi32(half256_bf16_narrow(_mm256_mul_ps(low, gain)),
                               half256_bf16_narrow(_mm256_mul_ps(high, gain)));
}

/* F16C converts exactly one way and rounds to nearest even the other,
 * keeping a NaN's sign and top payload bits, as half.h does. (It quiets a
 * signalling NaN on the way in; the product would anyway.) */
static inline __m256i half256_f16_scale(__m256i a, float g) {
    const __m256 gain = _mm256_set1_ps(g);
    const __m256 low = _mm256_mul_ps(_mm256_cvtph_ps(_mm256_castsi256_si128(a)), gain);
    const __m256 high = _mm256_mul_ps(_mm256_cvtph_ps(_mm256_extracti128_si256(a, 1)), gain);
    return _mm256_set_m128i(_mm256_cvtps_ph(high, _MM_FROUND_TO_NEAREST_INT),
                            _mm256_cvtps_ph(low, _MM_FROUND_TO_NEAREST_INT));
}

#define H_SCALE_BF16(a, g) half256_bf16_scale(a, g)
#define H_SCALE_F16(a, g) half256_f16_scale(a, g)
#include "simd_half_rows.h"

const crelu__kernels crelu__kernels_avx2 = {
    "avx2",
    avx2_supported,
    {
        [CRELU__F32] = CRELU__DTYPE_ROW(avx2_, _f32),
        [CRELU__F64] = CRELU__DTYPE_ROW(avx2_, _f64),
        [CRELU__BF16] = CRELU__DTYPE_ROW(avx2_, _bf16),
        [CRELU__F16] = CRELU__DTYPE_ROW(avx2_, _f16),
    },
};
