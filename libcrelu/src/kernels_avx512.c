/* SPDX-License-Identifier: MIT */
/* AVX-512 kernels: simd_impl.h with 512-bit vectors and mask registers.
 * Built with -mavx512f -mavx512bw for this file alone (see CMakeLists.txt) and called
 * only when avx512_supported() says the CPU and OS have it. */
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "crelu_internal.h"
#include "half.h"

static int avx512_supported(void) {
    __builtin_cpu_init();
    /* BW for the 16-bit rows: every AVX-512 CPU since Skylake-SP has it
     * (only the Xeon Phi does not, and takes the AVX2 table). */
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
}

/* Streaming loops load and store one vector (one cache line) at a time.
 * Measured on an AMD EPYC guest at 2^24 elements, each call paired with
 * the loop that loads four vectors first and the ratio's median taken over
 * 31 pairs: float32 forward took 5-15% less time, bfloat16 and float16
 * within the noise (+-5%). The AVX2 table on the same CPU lost 10-20% in
 * the 16-bit rows this way, so it keeps the unrolled loads. */
#define SIMD_STREAM_ONE_BY_ONE 1

/* The streaming backward loops load dy with V_LOADU_UNFOLDED (simd_impl.h).
 * Left alone, GCC folds the zeroing masked move that selects dy (V_KEEP,
 * H_KEEP) into that load, a masked load from memory (vmovups (mem),
 * zmm{k}{z}); beside streamed stores, such loads ran at half speed or worse
 * on the AMD EPYC guest measured here: float32 backward from the mask at
 * 2^24 elements, one thread, took 7.2 ms per call against 3.0 with a plain
 * load and a register move, backward from x 7.4 against 4.8. In cache the
 * folded load is the faster one (5-15% at 8-16 KiB), so the other loops
 * keep it. The empty asm hides where the value came from. */
#define IN_REGISTER(v)                                                                      \
    __extension__({                                                                         \
        __typeof__(v) in_register_ = (v);                                                   \
        __asm__("" : "+v"(in_register_));                                                   \
        in_register_;                                                                       \
    })

#define T float
#define SFX(name) avx512_##name##_f32
#define V __m512
#define M __mmask16
#define LANES 16
#define V_LOADU(p) _mm512_loadu_ps(p)
#define V_LOADU_UNFOLDED(p) IN_REGISTER(V_LOADU(p))
#define V_STOREU(p, v) _mm512_storeu_ps(p, v)
#define V_STREAM(p, v) _mm512_stream_ps(p, v)
#define V_LOAD_FIRST(p, count) _mm512_maskz_loadu_ps((__mmask16)((1u << (count)) - 1u), p)
#define V_STORE_FIRST(p, v, count) _mm512_mask_storeu_ps(p, (__mmask16)((1u << (count)) - 1u), v)
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
#define V_LOADU_UNFOLDED(p) IN_REGISTER(V_LOADU(p))
#define V_STOREU(p, v) _mm512_storeu_pd(p, v)
#define V_STREAM(p, v) _mm512_stream_pd(p, v)
#define V_LOAD_FIRST(p, count) _mm512_maskz_loadu_pd((__mmask8)((1u << (count)) - 1u), p)
#define V_STORE_FIRST(p, v, count) _mm512_mask_storeu_pd(p, (__mmask8)((1u << (count)) - 1u), v)
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

/* bfloat16 and float16: thirty-two 16-bit lanes of a 512-bit register and
 * mask registers (AVX512BW: this file is also built with -mavx512bw). On
 * two cores the 16-bit rows are bound by their integer operations, not by
 * memory, below the largest sizes: twice AVX2's lanes per instruction is
 * what reaches the copy ceiling there. Even streamed at 2^24 elements the
 * count shows: one compare fewer in ReLU forward (simd_half_ops.h) took
 * float16 forward from 0.89 to 1.07 of the copy ceiling, and bfloat16
 * forward_mask from 0.93 to 1.00 (means of 14 crelu-bench runs each, the
 * old and new library alternating). */
#define HALF_NAME(name) avx512_##name
#define V __m512i
#define M __mmask32
#define LANES 32
#define V_LOADU(p) _mm512_loadu_si512((const void *)(p))
#define V_LOADU_UNFOLDED(p) IN_REGISTER(V_LOADU(p))
#define V_STOREU(p, v) _mm512_storeu_si512((void *)(p), v)
#define V_STREAM(p, v) _mm512_stream_si512((void *)(p), v)
#define V_LOAD_FIRST(p, count)                                                              \
    _mm512_maskz_loadu_epi16((__mmask32)((1u << (count)) - 1u), (const void *)(p))
#define V_STORE_FIRST(p, v, count)                                                          \
    _mm512_mask_storeu_epi16((void *)(p), (__mmask32)((1u << (count)) - 1u), v)
#define M_TO_BITS(m) ((unsigned)(m))
#define M_FROM_BITS(bits) ((__mmask32)(bits))
#define FENCE() _mm_sfence()
#define H_SET1(u) _mm512_set1_epi16((short)(u))
#define H_XOR(a, b) _mm512_xor_si512(a, b)
#define H_SUB(a, b) _mm512_sub_epi16(a, b)
#define H_ANDNOT(a, b) _mm512_andnot_si512(a, b)
#define H_SIGNS(a) _mm512_srai_epi16(a, 15)
#define H_GT(a, b) _mm512_cmpgt_epi16_mask(a, b)
#define H_EQ(a, b) _mm512_cmpeq_epi16_mask(a, b)
#define H_SELECT(m, a, b) _mm512_mask_blend_epi16(m, b, a)
#define H_FILL(m, a) _mm512_mask_mov_epi16(a, m, _mm512_set1_epi16(-1))
#define H_NONZERO(a) _mm512_test_epi16_mask(a, H_SET1(0x7fff))
#define H_KEEP(m, a) _mm512_maskz_mov_epi16(m, a)
#define H_DROP(m, a) _mm512_maskz_mov_epi16((__mmask32)~(m), a)
#define M_AND(m, n) ((__mmask32)((m) & (n)))
#define M_OR(m, n) ((__mmask32)((m) | (n)))
#define M_ANDNOT(m, n) ((__mmask32)(~(m) & (n)))

/* float32 -> bfloat16 in each 32-bit lane: the pattern rounded to nearest
 * even, NaN -> 0xffff (half.h), in the low 16 bits. */
static inline __m512i half512_bf16_narrow(__m512 f) {
    const __m512i bits = _mm512_castps_si512(f);
    const __mmask16 nan = _mm512_cmpgt_epi32_mask(
        _mm512_and_si512(bits, _mm512_set1_epi32(0x7fffffff)), _mm512_set1_epi32(0x7f800000));
    const __m512i odd = _mm512_and_si512(_mm512_srli_epi32(bits, 16), _mm512_set1_epi32(1));
    const __m512i r = _mm512_srli_epi32(
        _mm512_add_epi32(_mm512_add_epi32(bits, _mm512_set1_epi32(0x7fff)), odd), 16);
    return _mm512_mask_mov_epi32(r, nan, _mm512_set1_epi32(0xffff));
}

/* bfloat16 widens by a shift. unpack and packus both work within 128-bit
 * lanes, so together they keep the elements in order. */
static inline __m512i half512_bf16_scale(__m512i a, float g) {
    const __m512 gain = _mm512_set1_ps(g);
    const __m512 low = _mm512_castsi512_ps(_mm512_unpacklo_epi16(_mm512_setzero_si512(), a));
    const __m512 high = _mm512_castsi512_ps(_mm512_unpackhi_epi16(_mm512_setzero_si512(), a));
    return _mm512_packus_epi32(half512_bf16_narrow(_mm512_mul_ps(low, gain)),
                               half512_bf16_narrow(_mm512_mul_ps(high, gain)));
}

/* As kernels_avx2.c's, sixteen floats at a time. (The masked form of the
 * narrowing, all lanes on: GCC's unmasked one, a macro at -O0, passes its
 * mask as -1 and trips -Wsign-conversion.) */
static inline __m512i half512_f16_scale(__m512i a, float g) {
    const __m512 gain = _mm512_set1_ps(g);
    const __m512 low = _mm512_mul_ps(_mm512_cvtph_ps(_mm512_castsi512_si256(a)), gain);
    const __m512 high = _mm512_mul_ps(_mm512_cvtph_ps(_mm512_extracti64x4_epi64(a, 1)), gain);
    const __mmask16 all = 0xffff;
    return _mm512_inserti64x4(
        _mm512_castsi256_si512(_mm512_maskz_cvtps_ph(all, low, _MM_FROUND_TO_NEAREST_INT)),
        _mm512_maskz_cvtps_ph(all, high, _MM_FROUND_TO_NEAREST_INT), 1);
}

#define H_SCALE_BF16(a, g) half512_bf16_scale(a, g)
#define H_SCALE_F16(a, g) half512_f16_scale(a, g)
#include "simd_half_rows.h"

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
