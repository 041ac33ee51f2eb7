/* SPDX-License-Identifier: MIT */
/* SSE2 kernels: simd_impl.h with 128-bit vectors. SSE2 is x86-64's
 * baseline; on i686 this file alone is built with -msse2 -mfpmath=sse (see
 * CMakeLists.txt) and called only when sse2_supported() says the CPU has it. */
#include <emmintrin.h>
#include <stdint.h>
#include <string.h>

#include "crelu_internal.h"

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
#include "simd_impl.h"
#include "simd_undef.h"

/* bfloat16 and float16: for now the reference's loops, compiled here. */
#define T uint16_t
#define F32(name) sse2_##name##_f32
#define SFX(name) sse2_##name##_bf16
#define HALF_WIDEN crelu__bf16_widen
#define HALF_NARROW crelu__bf16_narrow
#include "reference_half.h"
#include "reference_impl.h"
#undef HALF_NARROW
#undef HALF_WIDEN
#undef SFX
#define SFX(name) sse2_##name##_f16
#define HALF_WIDEN crelu__f16_widen
#define HALF_NARROW crelu__f16_narrow
#include "reference_half.h"
#include "reference_impl.h"
#undef HALF_NARROW
#undef HALF_WIDEN
#undef SFX
#undef F32
#undef T

const crelu__kernels crelu__kernels_sse2 = {
    "sse2",
    sse2_supported,
    {
        [CRELU__F32] = CRELU__DTYPE_ROW(sse2_, _f32),
        [CRELU__F64] = CRELU__DTYPE_ROW(sse2_, _f64),
        [CRELU__BF16] = CRELU__DTYPE_ROW(sse2_reference_, _bf16),
        [CRELU__F16] = CRELU__DTYPE_ROW(sse2_reference_, _f16),
    },
};
