/* SPDX-License-Identifier: MIT */
/* The semantics table of crelu.h on a vector of float32 or float64 lanes,
 * for simd_impl.h. Included by the kernels_<isa>.c files once per dtype,
 * after they define, besides simd_impl.h's macros:
 *
 *   V_SET1(s), V_MUL(a, b)
 *   V_MAX(a, b), V_MIN(a, b)     a > b ? a : b and a < b ? a : b: when either
 *                                is NaN or both are zeros, b (IEEE maxps/minps)
 *   M_GT, M_GE, M_LT, M_LE (a, b)   ordered compares (false on NaN)
 *   M_NLE(a, b)           !(a <= b) (true on NaN)
 *   M_AND(m, n)
 *   V_SELECT(m, a, b)     m ? a : b per lane; V_KEEP(m, a) is m ? a : +0
 *
 * Each lane does the reference's comparisons and arithmetic in the same
 * order (reference_element.h, whose one-element functions do the elements
 * outside the vector loops). */

#include "reference_element.h"

/* The operation's constants, splatted once per call. */
typedef struct SFX(simd_params) {
    V zero, slope, cap, one, gain_block;
} SFX(simd_params);

static SFX(simd_params) SFX(simd_params_of)(const crelu__op *op) {
    SFX(simd_params) p;
    p.zero = V_SET1((T)0);
    p.slope = V_SET1((T)op->slope);
    p.cap = V_SET1((T)op->cap);
    p.one = V_SET1((T)op->one); /* from data: dy * 1 must not fold to dy */
    p.gain_block = op->variant == CRELU__LEAKY ? p.slope : p.zero;
    return p;
}

/* The "forward y" column. max(0, x) keeps x when x is NaN or -0.0, and
 * min(cap, low) keeps low when it is NaN, as the reference does. */
static CRELU__ALWAYS_INLINE V SFX(simd_forward_one)(crelu__variant variant,
                                                    const SFX(simd_params) * p, V x) {
    if (variant == CRELU__LEAKY) {
        return V_SELECT(M_GT(x, p->zero), x, V_MUL(x, p->slope));
    }
    V low = V_MAX(p->zero, x);
    if (variant == CRELU__CLIPPED) {
        return V_MIN(p->cap, low);
    }
    return low;
}

/* The mask bit: where backward passes dy through. */
static CRELU__ALWAYS_INLINE M SFX(simd_passes)(crelu__variant variant, int pytorch,
                                               const SFX(simd_params) * p, V x) {
    switch (variant) {
    case CRELU__LEAKY:
        return pytorch ? M_GT(x, p->zero) : M_GE(x, p->zero);
    case CRELU__CLIPPED:
        return pytorch ? M_AND(M_GT(x, p->zero), M_LT(x, p->cap))
                       : M_AND(M_GE(x, p->zero), M_LE(x, p->cap));
    case CRELU__RELU:
    default:
        return pytorch ? M_NLE(x, p->zero) : M_GE(x, p->zero);
    }
}

/* simd_passes in mask-mode forward: nothing cheaper here. */
static CRELU__ALWAYS_INLINE M SFX(simd_forward_passes)(crelu__variant variant, int pytorch,
                                                       const SFX(simd_params) * p, V x) {
    return SFX(simd_passes)(variant, pytorch, p, x);
}

/* PyTorch's ReLU and clipped rows select (blocked is +0); the others multiply
 * dy by 1 or by the blocked gain. */
static CRELU__ALWAYS_INLINE V SFX(simd_backward_one)(int selects, const SFX(simd_params) * p,
                                                     M passes, V dy) {
    if (selects) {
        return V_KEEP(passes, dy);
    }
    return V_MUL(dy, V_SELECT(passes, p->one, p->gain_block));
}

