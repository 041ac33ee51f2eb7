/* SPDX-License-Identifier: MIT */
/* AVX2 kernels: simd_impl.h with 256-bit vectors. Built with -mavx2 for this
 * file alone (see CMakeLists.txt) and called only when avx2_supported() says
 * the CPU and OS have it. */
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "crelu_internal.h"
#include "half.h"

static int avx2_supported(void) {
    __builtin_cpu_init();
    /* F16C for the float16 rows: every CPU with AVX2 has it. */
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("f16c");
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

/* bfloat16 and float16 (F16C: this file is also built with -mf16c). */
#define HALF_NAME(name) avx2_##name
#include "simd_half256.h"

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
