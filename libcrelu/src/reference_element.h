/* SPDX-License-Identifier: MIT */
/* The semantics table of crelu.h for one element, with plain branches. Included
 * once per dtype with T (the element type) and SFX(name) (adds the dtype
 * suffix) by the reference kernels, and by the SIMD kernels for the elements
 * before and after their vector loops. */

/* The "forward y" column. */
static T SFX(reference_forward_one)(const crelu__op *op, T x) {
    if (op->variant == CRELU__LEAKY) {
        if (x > 0) {
            return x;
        }
        return x * (T)op->slope;
    }
    T y = x;
    if (x < 0) { /* NaN and -0.0 fail this test and pass through */
        y = 0;
    }
    if (op->variant == CRELU__CLIPPED && (T)op->cap < y) {
        y = (T)op->cap;
    }
    return y;
}

/* Whether backward takes its pass-through branch at x: the mask bit. */
static int SFX(reference_passes)(const crelu__op *op, T x) {
    int pytorch = op->rule == CRELU_GRAD_PYTORCH;
    switch (op->variant) {
    case CRELU__LEAKY:
        return pytorch ? x > 0 : x >= 0;
    case CRELU__CLIPPED:
        if (pytorch) {
            return 0 < x && x < (T)op->cap;
        }
        return 0 <= x && x <= (T)op->cap;
    case CRELU__RELU:
    default:
        return pytorch ? !(x <= 0) : x >= 0; /* PyTorch: NaN x passes dy */
    }
}

/* The backward columns, given the branch. */
static T SFX(reference_backward_one)(const crelu__op *op, int passes, T dy) {
    if (op->rule == CRELU_GRAD_PYTORCH && op->variant != CRELU__LEAKY) {
        /* PyTorch selects: a blocked element is +0 whatever dy holds. */
        if (passes) {
            return dy;
        }
        return 0;
    }
    /* Everything else multiplies dy by the mask value. */
    T mask_value = op->variant == CRELU__LEAKY ? (T)op->slope : 0;
    if (passes) {
        mask_value = (T)op->one;
    }
    return dy * mask_value;
}
