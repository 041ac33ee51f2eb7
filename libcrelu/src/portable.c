/* SPDX-License-Identifier: MIT */
/* Portable kernels: the same semantics as reference.c, written as
 * compare-and-select expressions inside loops specialised per table row, so
 * that the compiler vectorises them for whatever ISA it targets. */
#include <stdint.h>
#include <string.h>

#include "crelu_internal.h"
#include "half.h"
#include "x87.h"

#define T float
#define U uint32_t
#define SFX(name) name##_f32
#include "portable_float_ops.h"
#include "portable_impl.h"
#undef SFX
#undef U
#undef T

#define T double
#define U uint64_t
#define SFX(name) name##_f64
#include "portable_float_ops.h"
#include "portable_impl.h"
#undef SFX
#undef U
#undef T

#define T uint16_t
#define U uint16_t
#define SFX(name) name##_bf16
#define HALF_WIDEN crelu__bf16_widen
#define HALF_NARROW crelu__bf16_narrow
#define HALF_INFINITY 0x7f80
#define HALF_NAN_FORWARD 1
#include "portable_half_ops.h"
#include "portable_impl.h"
#undef SFX
#undef HALF_WIDEN
#undef HALF_NARROW
#undef HALF_INFINITY
#undef HALF_NAN_FORWARD

#define SFX(name) name##_f16
#define HALF_WIDEN crelu__f16_widen
#define HALF_NARROW crelu__f16_narrow
#define HALF_INFINITY 0x7c00
#define HALF_NAN_FORWARD 0
#include "portable_half_ops.h"
#include "portable_impl.h"
#undef SFX
#undef HALF_WIDEN
#undef HALF_NARROW
#undef HALF_INFINITY
#undef HALF_NAN_FORWARD
#undef U
#undef T

CRELU__X87_F64_WRAPPERS(portable_)

static int portable_supported(void) {
    return 1;
}

const crelu__kernels crelu__kernels_portable = {
    "portable",
    portable_supported,
    {
        [CRELU__F32] = CRELU__DTYPE_ROW(portable_, _f32),
        [CRELU__F64] = CRELU__DTYPE_ROW(portable_, CRELU__X87_F64_SUFFIX),
        [CRELU__BF16] = CRELU__DTYPE_ROW(portable_, _bf16),
        [CRELU__F16] = CRELU__DTYPE_ROW(portable_, _f16),
    },
};
