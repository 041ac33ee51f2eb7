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
    portable_forward_f32,
    portable_forward_mask_f32,
    portable_backward_x_f32,
    portable_backward_mask_f32,
    CRELU__F64_KERNEL(portable_forward_f64),
    CRELU__F64_KERNEL(portable_forward_mask_f64),
    CRELU__F64_KERNEL(portable_backward_x_f64),
    CRELU__F64_KERNEL(portable_backward_mask_f64),
};
