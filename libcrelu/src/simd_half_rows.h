/* SPDX-License-Identifier: MIT */
/* The bfloat16 and float16 rows of a kernels_<isa>.c file: simd_half_ops.h
 * and simd_impl.h instantiated for both formats. The file defines first
 * the 16-bit lane macros (simd_impl.h's and simd_half_ops.h's lists, but
 * the format's), HALF_NAME(name) (its prefix) and H_SCALE_BF16(a, g) and
 * H_SCALE_F16(a, g) (simd_half_ops.h's H_SCALE for each format). Clears
 * them all after (simd_undef.h). */

#define T uint16_t
#define F32(name) HALF_NAME(name##_f32)

#define SFX(name) HALF_NAME(name##_bf16)
#define HALF_WIDEN crelu__bf16_widen
#define HALF_NARROW crelu__bf16_narrow
#define HALF_INFINITY 0x7f80
#define HALF_NAN_FORWARD 1
#define H_SCALE(a, g) H_SCALE_BF16(a, g)
#include "simd_half_ops.h"
#include "simd_impl.h"
#undef SFX
#undef HALF_WIDEN
#undef HALF_NARROW
#undef HALF_INFINITY
#undef HALF_NAN_FORWARD
#undef H_SCALE

#define SFX(name) HALF_NAME(name##_f16)
#define HALF_WIDEN crelu__f16_widen
#define HALF_NARROW crelu__f16_narrow
#define HALF_INFINITY 0x7c00
#define HALF_NAN_FORWARD 0
#define H_SCALE(a, g) H_SCALE_F16(a, g)
#include "simd_half_ops.h"
#include "simd_impl.h"

#include "simd_undef.h"
#undef HALF_NAME
#undef H_SCALE_BF16
#undef H_SCALE_F16
