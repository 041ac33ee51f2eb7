/* SPDX-License-Identifier: MIT */
/* The semantics table of crelu.h for one bfloat16 or float16 element: the
 * float32 row on the widened value, narrowed once (half.h), except that
 * PyTorch's ReLU and clipped backward select dy's bits. The 16-bit twin of
 * reference_element.h, with the same functions, so that reference_impl.h
 * and the SIMD templates run on either. Included once per 16-bit dtype
 * with:
 *
 *   T = uint16_t, SFX(name)   element type; name with the dtype suffix
 *   F32(name)                 the name of the float32 instantiation of
 *                             reference_element.h in the same file
 *   HALF_WIDEN(h), HALF_NARROW(f)   the format's conversions (half.h)
 */

#include "half.h"

/* For reference_impl.h; inline, since the SIMD templates do not use them. */
static inline uint64_t SFX(reference_load_bits)(const T *p) {
    return *p;
}

static inline T SFX(reference_value)(uint64_t bits) {
    return (T)bits;
}

/* The float32 value of a 16-bit pattern, and the pattern of a float32 result. */
static float SFX(reference_widen)(T h) {
    const uint32_t bits = HALF_WIDEN(h);
    float value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

static T SFX(reference_narrow)(const float *f) {
    uint32_t bits;
    memcpy(&bits, f, sizeof bits);
    return HALF_NARROW(bits);
}

static void SFX(reference_forward_one)(const crelu__op *op, const T *x, T *y) {
    const float wide = SFX(reference_widen)(*x);
    float result;
    F32(reference_forward_one)(op, &wide, &result);
    *y = SFX(reference_narrow)(&result);
}

static int SFX(reference_passes)(const crelu__op *op, T x) {
    return F32(reference_passes)(op, SFX(reference_widen)(x));
}

static void SFX(reference_backward_one)(const crelu__op *op, int passes, const T *dy, T *dx) {
    if (op->rule == CRELU_GRAD_PYTORCH && op->variant != CRELU__LEAKY) {
        *dx = passes ? *dy : 0; /* a select: dy's bits, never narrowed */
        return;
    }
    const float wide = SFX(reference_widen)(*dy);
    float result;
    F32(reference_backward_one)(op, passes, &wide, &result);
    *dx = SFX(reference_narrow)(&result);
}
