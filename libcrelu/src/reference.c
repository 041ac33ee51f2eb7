/* SPDX-License-Identifier: MIT */
/* The scalar reference kernels: the semantics table of crelu.h transcribed one
 * element at a time, with plain branches, for readability over speed. Every
 * other implementation must match these bit for bit. */
#include <string.h>

#include "crelu_internal.h"
#include "x87.h"

#define T float
#define SFX(name) name##_f32
#include "reference_impl.h"
#undef SFX
#undef T

#define T double
#define SFX(name) name##_f64
#include "reference_impl.h"
#undef SFX
#undef T

CRELU__X87_F64_WRAPPERS(reference_)

static int reference_supported(void) {
    return 1;
}

const crelu__kernels crelu__kernels_reference = {
    "scalar",
    reference_supported,
    {
        [CRELU__F32] = CRELU__DTYPE_ROW(reference_, _f32),
        [CRELU__F64] = CRELU__DTYPE_ROW(reference_, CRELU__X87_F64_SUFFIX),
    },
};
