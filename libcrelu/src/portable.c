/* SPDX-License-Identifier: MIT */
/* Portable kernels: the same semantics as reference.c, written as
 * compare-and-select expressions inside loops specialised per table row, so
 * that the compiler vectorises them for whatever ISA it targets. */
#include <stdint.h>
#include <string.h>

#include "crelu_internal.h"
#include "x87.h"

#define T float
#define U uint32_t
#define SFX(name) name##_f32
#include "portable_impl.h"
#undef SFX
#undef U
#undef T

#define T double
#define U uint64_t
#define SFX(name) name##_f64
#include "portable_impl.h"
#undef SFX
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
    },
};
