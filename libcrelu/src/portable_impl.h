/* SPDX-License-Identifier: MIT */
/* Portable kernels for one element type. Included by portable.c once per
 * dtype with T (the element type), U (the unsigned integer of T's width) and
 * SFX(name) (adds the dtype suffix).
 *
 * Each public-facing kernel switches once on the operation, outside the loop,
 * and calls an always-inlined loop with the variant and rule as constants:
 * the compiler then emits one branch-free loop per row of the table. */

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
static CRELU__ALWAYS_INLINE U SFX(portable_forward_one)(crelu__variant variant, U xbits, T slope,
                                                        T cap) {
    const T x = SFX(portable_value)(xbits);
    if (variant == CRELU__LEAKY) {
        return x > 0 ? xbits : SFX(portable_bits)(x * slope);
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
static CRELU__ALWAYS_INLINE int SFX(portable_passes)(crelu__variant variant, int pytorch, T x,
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
static CRELU__ALWAYS_INLINE U SFX(portable_backward_one)(int selects, unsigned passes, U dybits,
                                                         T gain_pass, T gain_block) {
    if (selects) {
        return dybits & ((U)0 - (U)passes);
    }
    const T dy = SFX(portable_value)(dybits);
    return SFX(portable_bits)(dy * SFX(portable_pick)(passes, gain_pass, gain_block));
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

static CRELU__ALWAYS_INLINE void SFX(portable_forward_loop)(crelu__variant variant,
                                                           const SFX(portable_params) * p,
                                                           const T *x, T *y, size_t n) {
    for (size_t i = 0; i < n; i++) {
        SFX(portable_store)(y + i, SFX(portable_forward_one)(variant, SFX(portable_load)(x + i),
                                                             p->slope, p->cap));
    }
}

static void SFX(portable_forward)(const crelu__op *op, const T *x, T *y, T *saved, size_t n,
                                  int stream) {
    (void)stream; /* C has no portable non-temporal store */
    if (saved != NULL) {
        memcpy(saved, x, n * sizeof *x); /* first: y may be x */
    }
    const SFX(portable_params) p = SFX(portable_params_of)(op);
    switch (p.variant) {
    case CRELU__LEAKY: SFX(portable_forward_loop)(CRELU__LEAKY, &p, x, y, n); break;
    case CRELU__CLIPPED: SFX(portable_forward_loop)(CRELU__CLIPPED, &p, x, y, n); break;
    case CRELU__RELU:
    default: SFX(portable_forward_loop)(CRELU__RELU, &p, x, y, n); break;
    }
}

/* y for `count` (at most 8) elements, and their mask bits as one byte.
 * Reading x[k] before writing y[k] keeps y == x correct. */
static CRELU__ALWAYS_INLINE unsigned char SFX(portable_forward_mask_byte)(
    crelu__variant variant, int pytorch, const SFX(portable_params) * p, const T *x, T *y,
    unsigned count) {
    unsigned bits = 0;
    for (unsigned k = 0; k < count; k++) {
        const U xk = SFX(portable_load)(x + k);
        bits |= (unsigned)SFX(portable_passes)(variant, pytorch, SFX(portable_value)(xk), p->cap)
                << k;
        SFX(portable_store)(y + k, SFX(portable_forward_one)(variant, xk, p->slope, p->cap));
    }
    return (unsigned char)bits;
}

/* Writes y and the mask in one pass, one mask byte (eight elements) at a time. */
static CRELU__ALWAYS_INLINE void SFX(portable_forward_mask_loop)(
    crelu__variant variant, int pytorch, const SFX(portable_params) * p, const T *x, T *y,
    unsigned char *restrict mask, size_t n) {
    /* Indexed by block (not i += 8 up to n), which is what lets GCC vectorise it. */
    const size_t blocks = n / 8;
    for (size_t b = 0; b < blocks; b++) {
        mask[b] = SFX(portable_forward_mask_byte)(variant, pytorch, p, x + 8 * b, y + 8 * b, 8);
    }
    if (n % 8 != 0) {
        mask[blocks] = SFX(portable_forward_mask_byte)(variant, pytorch, p, x + 8 * blocks,
                                                       y + 8 * blocks, (unsigned)(n % 8));
    }
}

static void SFX(portable_forward_mask)(const crelu__op *op, const T *x, T *y,
                                       unsigned char *restrict mask, size_t n, int stream) {
    (void)stream;
    const SFX(portable_params) p = SFX(portable_params_of)(op);
#define LOOP(variant, pytorch) SFX(portable_forward_mask_loop)(variant, pytorch, &p, x, y, mask, n)
    CRELU__SPECIALISE(p.variant, p.pytorch, LOOP);
#undef LOOP
}

static CRELU__ALWAYS_INLINE void SFX(portable_backward_x_loop)(crelu__variant variant,
                                                              int pytorch,
                                                              const SFX(portable_params) * p,
                                                              const T *x, const T *dy, T *dx,
                                                              size_t n) {
    const int selects = pytorch && variant != CRELU__LEAKY;
    for (size_t i = 0; i < n; i++) {
        unsigned passes = (unsigned)SFX(portable_passes)(variant, pytorch, x[i], p->cap);
        SFX(portable_store)(dx + i, SFX(portable_backward_one)(selects, passes,
                                                               SFX(portable_load)(dy + i),
                                                               p->gain_pass, p->gain_block));
    }
}

static void SFX(portable_backward_x)(const crelu__op *op, const T *x, const T *dy, T *dx,
                                     size_t n, int stream) {
    (void)stream;
    const SFX(portable_params) p = SFX(portable_params_of)(op);
#define LOOP(variant, pytorch) SFX(portable_backward_x_loop)(variant, pytorch, &p, x, dy, dx, n)
    CRELU__SPECIALISE(p.variant, p.pytorch, LOOP);
#undef LOOP
}

/* dx for `count` (at most 8) elements whose mask bits are `bits`. */
static CRELU__ALWAYS_INLINE void SFX(portable_backward_mask_byte)(
    int selects, const SFX(portable_params) * p, unsigned bits, const T *dy, T *dx,
    unsigned count) {
    for (unsigned k = 0; k < count; k++) {
        SFX(portable_store)(dx + k, SFX(portable_backward_one)(selects, (bits >> k) & 1u,
                                                               SFX(portable_load)(dy + k),
                                                               p->gain_pass, p->gain_block));
    }
}

static CRELU__ALWAYS_INLINE void SFX(portable_backward_mask_loop)(
    int selects, const SFX(portable_params) * p, const unsigned char *restrict mask, const T *dy,
    T *dx, size_t n) {
    const size_t blocks = n / 8; /* indexed by block, as in forward_mask_loop */
    for (size_t b = 0; b < blocks; b++) {
        SFX(portable_backward_mask_byte)(selects, p, mask[b], dy + 8 * b, dx + 8 * b, 8);
    }
    if (n % 8 != 0) {
        SFX(portable_backward_mask_byte)(selects, p, mask[blocks], dy + 8 * blocks,
                                         dx + 8 * blocks, (unsigned)(n % 8));
    }
}

static void SFX(portable_backward_mask)(const crelu__op *op, const unsigned char *restrict mask,
                                        const T *dy, T *dx, size_t n, int stream) {
    (void)stream;
    const SFX(portable_params) p = SFX(portable_params_of)(op);
    /* Only the combine step differs between rows once the bit is known. */
    if (p.selects) {
        SFX(portable_backward_mask_loop)(1, &p, mask, dy, dx, n);
    } else {
        SFX(portable_backward_mask_loop)(0, &p, mask, dy, dx, n);
    }
}
