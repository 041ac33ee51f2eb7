/* SPDX-License-Identifier: MIT */
/* The semantics table of crelu.h for one bfloat16 or float16 element,
 * branch-free on its 16-bit pattern, for portable_impl.h's loops: the scalar
 * form of simd_half_ops.h (which says why integer compares of a
 * sign-magnitude key give the float32 compares' answers). Included by
 * portable.c once per 16-bit dtype with T = U = uint16_t, SFX(name),
 * HALF_WIDEN and HALF_NARROW (half.h), HALF_INFINITY (the format's +inf
 * pattern) and HALF_NAN_FORWARD (1 when forward writes 0xffff for NaN). */

static CRELU__ALWAYS_INLINE U SFX(portable_load)(const T *p) {
    return *p;
}

static CRELU__ALWAYS_INLINE void SFX(portable_store)(T *p, U bits) {
    *p = bits;
}

/* narrow(widen(h) * g): the float32 product, narrowed once. */
static CRELU__ALWAYS_INLINE U SFX(portable_scale)(U h, float g) {
    const uint32_t wide_bits = HALF_WIDEN(h);
    float wide;
    memcpy(&wide, &wide_bits, sizeof wide);
    const float product = wide * g;
    uint32_t product_bits;
    memcpy(&product_bits, &product, sizeof product_bits);
    return HALF_NARROW(product_bits);
}

typedef struct SFX(portable_params) {
    crelu__variant variant;
    int pytorch;
    int selects;
    int cap_at_most, cap_below; /* keys: the largest <= cap, < cap */
    U cap;                      /* the cap narrowed */
    float slope, one, gain_block;
} SFX(portable_params);

static SFX(portable_params) SFX(portable_params_of)(const crelu__op *op) {
    SFX(portable_params) p;
    p.variant = op->variant;
    p.pytorch = op->rule == CRELU_GRAD_PYTORCH;
    p.selects = p.pytorch && op->variant != CRELU__LEAKY;
    p.slope = (float)op->slope;
    p.one = (float)op->one; /* from data: dy * 1 must not fold to dy */
    p.gain_block = op->variant == CRELU__LEAKY ? p.slope : 0.0f;
    p.cap_at_most = p.cap_below = 0;
    p.cap = 0;
    if (op->variant == CRELU__CLIPPED) {
        const crelu__half_cap c =
            crelu__half_cap_of((float)op->cap, HALF_INFINITY, HALF_WIDEN, HALF_NARROW);
        p.cap_at_most = c.at_most;
        p.cap_below = c.below;
        p.cap = c.narrowed;
    }
    return p;
}

/* sign ? -magnitude : magnitude: orders non-NaN patterns as their values. */
static CRELU__ALWAYS_INLINE int SFX(portable_key)(U h) {
    const int magnitude = h & 0x7fff;
    return (h & 0x8000) ? -magnitude : magnitude;
}

static CRELU__ALWAYS_INLINE int SFX(portable_is_nan)(U h) {
    return (h & 0x7fff) > HALF_INFINITY;
}

static CRELU__ALWAYS_INLINE U SFX(portable_forward_one)(crelu__variant variant,
                                                        const SFX(portable_params) * p, U x) {
    const int key = SFX(portable_key)(x);
    const int nan = SFX(portable_is_nan)(x);
    if (variant == CRELU__LEAKY) {
        return (key > 0) & (nan ^ 1) ? x : SFX(portable_scale)(x, p->slope);
    }
    U y = key < 0 ? (U)0 : x;
    if (variant == CRELU__CLIPPED) {
        y = key > p->cap_at_most ? p->cap : y;
    }
    return nan ? (HALF_NAN_FORWARD ? (U)0xffff : x) : y;
}

static CRELU__ALWAYS_INLINE int SFX(portable_passes)(crelu__variant variant, int pytorch,
                                                     const SFX(portable_params) * p, U x) {
    const int key = SFX(portable_key)(x);
    const int nan = SFX(portable_is_nan)(x);
    const int number = nan ^ 1; /* compares with a NaN are false */
    switch (variant) {
    case CRELU__LEAKY:
        return number & (pytorch ? key > 0 : key >= 0);
    case CRELU__CLIPPED:
        return pytorch ? number & (key > 0) & (key <= p->cap_below)
                       : number & (key >= 0) & (key <= p->cap_at_most);
    case CRELU__RELU:
    default:
        return pytorch ? nan | (key > 0) : number & (key >= 0);
    }
}

/* PyTorch's ReLU and clipped rows select dy's bits; the others multiply. */
static CRELU__ALWAYS_INLINE U SFX(portable_backward_one)(int selects,
                                                         const SFX(portable_params) * p,
                                                         unsigned passes, U dy) {
    if (selects) {
        return (U)(dy & (U)(0u - passes));
    }
    return SFX(portable_scale)(dy, passes ? p->one : p->gain_block);
}
