/* SPDX-License-Identifier: MIT */
/* AVX-512 kernels: simd_impl.h with 512-bit vectors and mask registers.
 * Built with -mavx512f for this file alone (see CMakeLists.txt) and called
 * only when avx512_supported() says the CPU and OS have it. */
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "crelu_internal.h"
#include "half.h"

static int avx512_supported(void) {
    __builtin_cpu_init();
    /* F16C for the float16 rows: every CPU with AVX512F has it. */
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("f16c");
}

#define T float
#define SFX(name) avx512_##name##_f32
#define V __m512
#define M __mmask16
#define LANES 16
#define V_LOADU(p) _mm512_loadu_ps(p)
#define V_STOREU(p, v) _mm512_storeu_ps(p, v)
#define V_STREAM(p, v) _mm512_stream_ps(p, v)
#define V_SET1(s) _mm512_set1_ps(s)
#define V_MUL(a, b) _mm512_mul_ps(a, b)
#define V_MAX(a, b) _mm512_max_ps(a, b)
#define V_MIN(a, b) _mm512_min_ps(a, b)
#define M_GT(a, b) _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ)
#define M_GE(a, b) _mm512_cmp_ps_mask(a, b, _CMP_GE_OQ)
#define M_LT(a, b) _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ)
#define M_LE(a, b) _mm512_cmp_ps_mask(a, b, _CMP_LE_OQ)
#define M_NLE(a, b) _mm512_cmp_ps_mask(a, b, _CMP_NLE_UQ)
#define M_AND(m, n) ((__mmask16)((m) & (n)))
#define V_SELECT(m, a, b) _mm512_mask_blend_ps(m, b, a)
#define V_KEEP(m, a) _mm512_maskz_mov_ps(m, a)
#define M_TO_BITS(m) ((unsigned)(m))
#define M_FROM_BITS(bits) ((__mmask16)(bits))
#define FENCE() _mm_sfence()
#include "simd_float_ops.h"
#include "simd_impl.h"
#include "simd_undef.h"

#define T double
#define SFX(name) avx512_##name##_f64
#define V __m512d
#define M __mmask8
#define LANES 8
#define V_LOADU(p) _mm512_loadu_pd(p)
#define V_STOREU(p, v) _mm512_storeu_pd(p, v)
#define V_STREAM(p, v) _mm512_stream_pd(p, v)
#define V_SET1(s) _mm512_set1_pd(s)
#define V_MUL(a, b) _mm512_mul_pd(a, b)
#define V_MAX(a, b) _mm512_max_pd(a, b)
#define V_MIN(a, b) _mm512_min_pd(a, b)
#define M_GT(a, b) _mm512_cmp_pd_mask(a, b, _CMP_GT_OQ)
#define M_GE(a, b) _mm512_cmp_pd_mask(a, b, _CMP_GE_OQ)
#define M_LT(a, b) _mm512_cmp_pd_mask(a, b, _CMP_LT_OQ)
#define M_LE(a, b) _mm512_cmp_pd_mask(a, b, _CMP_LE_OQ)
#define M_NLE(a, b) _mm512_cmp_pd_mask(a, b, _CMP_NLE_UQ)
#define M_AND(m, n) ((__mmask8)((m) & (n)))
#define V_SELECT(m, a, b) _mm512_mask_blend_pd(m, b, a)
#define V_KEEP(m, a) _mm512_maskz_mov_pd(m, a)
#define M_TO_BITS(m) ((unsigned)(m))
#define M_FROM_BITS(bits) ((__mmask8)(bits))
#define FENCE() _mm_sfence()
#include "simd_float_ops.h"
#include "simd_impl.h"
#include "simd_undef.h"

/* bfloat16 and float16 (F16C: this file is also built with -mf16c). */
#define HALF_NAME(name) avx512_##name
#include "simd_half256.h"

const crelu__kernels crelu__kernels_avx512 = {
    "avx512",
    avx512_supported,
    {
        [CRELU__F32] = CRELU__DTYPE_ROW(avx512_, _f32),
        [CRELU__F64] = CRELU__DTYPE_ROW(avx512_, _f64),
        [CRELU__BF16] = CRELU__DTYPE_ROW(avx512_, _bf16),
        [CRELU__F16] = CRELU__DTYPE_ROW(avx512_, _f16),
    },
};
