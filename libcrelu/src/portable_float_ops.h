/* SPDX-License-Identifier: MIT */
/* The semantics table of crelu.h for one float32 or float64 element,
 * branch-free, for portable_impl.h's loops. Included by portable.c once per
 * dtype with T (the element type), U (the unsigned integer of T's width)
 * and SFX(name) (adds the dtype suffix). */

/* Elements travel as their bits (U) and selects pick bits, never values of
 * type T: on 32-bit x86 without SSE2 a float that passes through an x87
 * register comes back quieted if it was a signalling NaN, and the contract
 * passes NaNs unchanged (reference_element.h). T values are only compared
 * and multiplied. The vectorisers see the same compare-and-select. */
#ifndef CRELU__PORTABLE_BARRIER /* once per file, though included per dtype */
/* With x87 arithmetic GCC may notice that these bits are a float it could
 * load and store with fld/fstp instead, which quiets a signalling NaN; an
 * empty asm that claims to change them hides that. Only there: elsewhere it
 * would stop vectorisation. (reference_element.h has the same.) */
#if defined(__i386__) && !defined(__SSE2_MATH__) && (defined(__GNUC__) || defined(__clang__))
#define CRELU__PORTABLE_BARRIER(bits) __asm__("" : "+r"(bits))
#else
#define CRELU__PORTABLE_BARRIER(bits) ((void)0)
#endif
#endif

static CRELU__ALWAYS_INLINE U SFX(portable_load)(const T *p) {
    U bits;
    memcpy(&bits, p, sizeof bits);
    CRELU__PORTABLE_BARRIER(bits);
    return bits;
}

static CRELU__ALWAYS_INLINE void SFX(portable_store)(T *p, U bits) {
    memcpy(p, &bits, sizeof bits);
}

static CRELU__ALWAYS_INLINE T SFX(portable_value)(U bits) {
    T value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

static CRELU__ALWAYS_INLINE U SFX(portable_bits)(T value) {
    U bits;
    memcpy(&bits, &value, sizeof bits);
    return bits;
}

/* The "forward y" column, branch-free, on x's bits. */
static CRELU__ALWAYS_INLINE U SFX(portable_forward_value)(crelu__variant variant, U xbits, T slope,
                                                          T cap) {
    const T x = SFX(portable_value)(xbits);
    if (variant == CRELU__LEAKY) {
        return x > 0 ? xbits : SFX(portable_bits)(CRELU__MUL(x, slope));
    }
    const U low = x < 0 ? (U)0 : xbits; /* max(x, 0): NaN and -0.0 pass */
    if (variant == CRELU__CLIPPED) {
        /* min(low, cap): cap > 0, so cap < x only where low is x; NaN passes */
        return cap < x ? SFX(portable_bits)(cap) : low;
    }
    return low;
}

/* The mask bit: 1 where backward passes dy through. `&` rather than `&&`
 * keeps both comparisons unconditional, hence vectorisable. */
static CRELU__ALWAYS_INLINE int SFX(portable_passes_value)(crelu__variant variant, int pytorch, T x,
                                                           T cap) {
    switch (variant) {
    case CRELU__LEAKY:
        return pytorch ? x > 0 : x >= 0;
    case CRELU__CLIPPED:
        return pytorch ? (x > 0) & (x < cap) : (x >= 0) & (x <= cap);
    case CRELU__RELU:
    default:
        return pytorch ? !(x <= 0) : x >= 0;
    }
}

/* bit ? a : b, on the bit patterns: an all-ones or all-zero lane mask, which
 * the vectoriser handles where a ternary on a mask bit defeats it. */
static CRELU__ALWAYS_INLINE T SFX(portable_pick)(unsigned bit, T a, T b) {
    const U all = (U)0 - (U)bit;
    U ua, ub;
    memcpy(&ua, &a, sizeof ua);
    memcpy(&ub, &b, sizeof ub);
    const U picked = ub ^ ((ua ^ ub) & all);
    T result;
    memcpy(&result, &picked, sizeof result);
    return result;
}

/* The backward columns, given the bit, on dy's bits: PyTorch's ReLU and
 * clipped rows select (blocked gives +0); every other row multiplies dy by
 * gain_pass (1) or gain_block (slope, or 0). */
static CRELU__ALWAYS_INLINE U SFX(portable_backward_value)(int selects, unsigned passes,
                                                           U dybits, T gain_pass, T gain_block) {
    if (selects) {
        return dybits & ((U)0 - (U)passes);
    }
    const T dy = SFX(portable_value)(dybits);
    return SFX(portable_bits)(CRELU__MUL(dy, SFX(portable_pick)(passes, gain_pass, gain_block)));
}

/* Everything the loops need, converted to T once per call. */
typedef struct SFX(portable_params) {
    crelu__variant variant;
    int pytorch;
    int selects;
    T slope, cap, gain_pass, gain_block;
} SFX(portable_params);

static SFX(portable_params) SFX(portable_params_of)(const crelu__op *op) {
    SFX(portable_params) p;
    p.variant = op->variant;
    p.pytorch = op->rule == CRELU_GRAD_PYTORCH;
    p.selects = p.pytorch && op->variant != CRELU__LEAKY;
    p.slope = (T)op->slope;
    p.cap = (T)op->cap;
    p.gain_pass = (T)op->one;
    p.gain_block = op->variant == CRELU__LEAKY ? p.slope : (T)0;
    return p;
}

/* The interface portable_impl.h's loops call, on bits. */
static CRELU__ALWAYS_INLINE U SFX(portable_forward_one)(crelu__variant variant,
                                                        const SFX(portable_params) * p, U xbits) {
    return SFX(portable_forward_value)(variant, xbits, p->slope, p->cap);
}

static CRELU__ALWAYS_INLINE int SFX(portable_passes)(crelu__variant variant, int pytorch,
                                                     const SFX(portable_params) * p, U xbits) {
    return SFX(portable_passes_value)(variant, pytorch, SFX(portable_value)(xbits), p->cap);
}

static CRELU__ALWAYS_INLINE U SFX(portable_backward_one)(int selects,
                                                         const SFX(portable_params) * p,
                                                         unsigned passes, U dybits) {
    return SFX(portable_backward_value)(selects, passes, dybits, p->gain_pass, p->gain_block);
}
