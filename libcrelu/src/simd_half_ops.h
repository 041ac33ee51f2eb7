/* SPDX-License-Identifier: MIT */
/* The semantics table of crelu.h on a vector of bfloat16 or float16 lanes,
 * for simd_impl.h. Included by the kernels_<isa>.c files once per 16-bit
 * dtype, after they define, besides simd_impl.h's macros (V is a vector of
 * 16-bit integer lanes; M its lane mask: the same vector, all ones where
 * true, or an AVX-512 mask register):
 *
 *   F32(name), HALF_WIDEN, HALF_NARROW   as reference_half.h needs them
 *   HALF_INFINITY         the format's +infinity pattern: 0x7f80 or 0x7c00
 *   HALF_NAN_FORWARD      1 when forward writes 0xffff for a NaN x (bfloat16)
 *   H_SET1(u)             every lane the 16-bit pattern u
 *   H_XOR, H_SUB (a, b)   lane-wise
 *   H_ANDNOT(a, b)        ~a & b
 *   H_SIGNS(a)            arithmetic shift right by 15: all ones where negative
 *   H_GT(a, b), H_EQ(a, b)   signed 16-bit a > b, a == b: an M
 *   M_AND, M_OR (m, n), M_ANDNOT(m, n)   on masks; the last is ~m & n
 *   H_SELECT(m, a, b)     m ? a : b
 *   H_FILL(m, a)          m ? 0xffff : a (an OR where M is a vector)
 *   H_NONZERO(a)          a is neither +0 nor -0: (a & 0x7fff) != 0, an M
 *   H_KEEP(m, a), H_DROP(m, a)   m ? a : 0 and m ? 0 : a
 *   and, where it defines simd_impl.h's M_PAIR_TO_BITS, bits 0..2*LANES-1
 *   of two vectors a and b (a's lanes first) with one pack of both:
 *   H_PAIR_NONZERO_BITS(a, b)     where H_NONZERO is true
 *   H_PAIR_SATURATED_BITS(a, b)   where the lane, saturated to a signed
 *                                 byte, is neither 0 nor -128
 *   H_SCALE(a, g)         lane-wise narrow(widen(a) * g), g a float: the
 *                         float32 product narrowed once, as HALF_NARROW does
 *
 * The selects need no float arithmetic: a 16-bit pattern's order is its
 * sign and magnitude, so key = sign ? -magnitude : magnitude orders every
 * non-NaN pattern as its value does (both zeros at 0), and each compare of
 * the table becomes a signed integer compare of the key with a constant.
 * NaN (a magnitude above infinity's) is tested on its own. Only leaky
 * forward and the multiplying backward rows compute, through H_SCALE. */

#include "reference_half.h"

/* The call's constants. The cap's thresholds are patterns: the largest
 * key whose value is <= the cap (and < the cap), as float32 compares them. */
typedef struct SFX(simd_params) {
    V zero, minus_one, infinity, cap_at_most, cap_below, cap;
    V minus_zero, minus_infinity, above_infinity; /* +inf + 1 */
    V pattern_one, before_minus_infinity;           /* 1, -inf - 1 */
    float slope, one, gain_block;
} SFX(simd_params);

static SFX(simd_params) SFX(simd_params_of)(const crelu__op *op) {
    SFX(simd_params) p;
    p.zero = H_SET1(0);
    p.minus_one = H_SET1(0xffff);
    p.infinity = H_SET1(HALF_INFINITY);
    p.minus_zero = H_SET1(0x8000);
    p.minus_infinity = H_SET1(0x8000 + HALF_INFINITY);
    p.above_infinity = H_SET1(HALF_INFINITY + 1);
    p.pattern_one = H_SET1(1);
    p.before_minus_infinity = H_SET1(0x8000 + HALF_INFINITY - 1);
    p.slope = (float)op->slope;
    p.one = (float)op->one; /* from data: dy * 1 must not fold to dy */
    p.gain_block = op->variant == CRELU__LEAKY ? p.slope : 0.0f;
    p.cap_at_most = p.cap_below = p.cap = p.zero;
    if (op->variant == CRELU__CLIPPED) { /* a bisection: not for the other rows */
        const crelu__half_cap c =
            crelu__half_cap_of((float)op->cap, HALF_INFINITY, HALF_WIDEN, HALF_NARROW);
        p.cap_at_most = H_SET1(c.at_most);
        p.cap_below = H_SET1(c.below);
        p.cap = H_SET1(c.narrowed);
    }
    return p;
}

/* A lane's key (see the top) and whether it is NaN. */
typedef struct SFX(simd_keyed) {
    V key;
    M nan;
} SFX(simd_keyed);

static CRELU__ALWAYS_INLINE SFX(simd_keyed) SFX(simd_key)(const SFX(simd_params) * p, V x) {
    const V signs = H_SIGNS(x);
    const V magnitude = H_ANDNOT(H_SET1(0x8000), x);
    SFX(simd_keyed) k;
    k.key = H_SUB(H_XOR(magnitude, signs), signs);
    k.nan = H_GT(magnitude, p->infinity);
    return k;
}

/* The "forward y" column: x < 0 gives +0, x above the cap the cap narrowed,
 * and leaky's x <= 0 x * slope narrowed; NaN x passes (float16) or gives
 * 0xffff (bfloat16), as narrowing float32's NaN does. */
static CRELU__ALWAYS_INLINE V SFX(simd_forward_one)(crelu__variant variant,
                                                    const SFX(simd_params) * p, V x) {
    if (variant == CRELU__RELU) {
        /* The commonest row, in the fewest operations: even streaming from
         * memory on two cores, each one it drops shows (kernels_avx512.c).
         * As signed integers the negative numbers are the patterns after -0
         * (0x8000, the smallest) up to -inf; x - 1, wrapping, moves them to
         * 0x8000 .. -inf - 1 and every other pattern above, so one subtract
         * and one compare test the range that took two compares. */
        const V y = H_KEEP(H_GT(H_SUB(x, p->pattern_one), p->before_minus_infinity), x);
        if (!HALF_NAN_FORWARD) {
            return y; /* a NaN is not negative: it passed */
        }
        return H_FILL(H_GT(H_ANDNOT(p->minus_zero, x), p->infinity), y);
    }
    const SFX(simd_keyed) k = SFX(simd_key)(p, x);
    V y;
    if (variant == CRELU__LEAKY) {
        const M positive = M_ANDNOT(k.nan, H_GT(k.key, p->zero));
        y = H_SELECT(positive, x, H_SCALE(x, p->slope));
        return y; /* H_SCALE narrowed the NaN lanes already */
    }
    y = H_DROP(H_GT(p->zero, k.key), x); /* NaN keys may be < 0: fixed below */
    if (variant == CRELU__CLIPPED) {
        y = H_SELECT(H_GT(k.key, p->cap_at_most), p->cap, y);
    }
    return HALF_NAN_FORWARD ? H_FILL(k.nan, y) : H_SELECT(k.nan, x, y);
}

/* The mask bit: where backward passes dy through. */
static CRELU__ALWAYS_INLINE M SFX(simd_passes)(crelu__variant variant, int pytorch,
                                               const SFX(simd_params) * p, V x) {
    if (variant == CRELU__RELU) { /* as simd_forward_one's, on signed patterns */
        if (pytorch) { /* !(x <= 0): x > 0, or NaN; not +0 and not -0 .. -inf */
            return M_ANDNOT(H_EQ(x, p->zero), H_GT(x, p->minus_infinity));
        }
        /* x >= 0: +0 .. +inf, or -0 */
        return M_OR(M_AND(H_GT(x, p->minus_one), H_GT(p->above_infinity, x)),
                    H_EQ(x, p->minus_zero));
    }
    const SFX(simd_keyed) k = SFX(simd_key)(p, x);
    const M positive = H_GT(k.key, p->zero);          /* x > 0, if not NaN */
    const M not_negative = H_GT(k.key, p->minus_one); /* x >= 0, if not NaN */
    if (variant == CRELU__LEAKY) {
        return M_ANDNOT(k.nan, pytorch ? positive : not_negative);
    }
    if (pytorch) { /* clipped: 0 < x < cap */
        return M_ANDNOT(k.nan, M_ANDNOT(H_GT(k.key, p->cap_below), positive));
    }
    return M_ANDNOT(k.nan, M_ANDNOT(H_GT(k.key, p->cap_at_most), not_negative));
}

/* simd_passes in mask-mode forward, which also computes and stores
 * y = simd_forward_one(x): the compiler computes y once for both. PyTorch's
 * ReLU passes where x > 0 or x is NaN, exactly where y is not a zero (x <= 0
 * gave +0 or kept -0; a NaN stays NaN or became 0xffff), so one test of y
 * (an AND and a compare on SSE2 and AVX2) replaces two compares and an
 * AND-NOT of masks on x. In L1 (4,096 elements, one thread, paired against
 * the code before) mask-mode forward became 1.08-1.11x (bfloat16) and
 * 1.20-1.25x (float16) faster with the AVX-512 table, 1.05x with AVX2's and
 * 1.13x with SSE2's. */
static CRELU__ALWAYS_INLINE M SFX(simd_forward_passes)(crelu__variant variant, int pytorch,
                                                       const SFX(simd_params) * p, V x) {
    if (variant == CRELU__RELU && pytorch) {
        return H_NONZERO(SFX(simd_forward_one)(variant, p, x));
    }
    return SFX(simd_passes)(variant, pytorch, p, x);
}

/* PyTorch's ReLU and clipped rows select dy's bits (blocked is +0); the
 * others multiply dy by 1 or by the blocked gain, narrowed. */
static CRELU__ALWAYS_INLINE V SFX(simd_backward_one)(int selects, const SFX(simd_params) * p,
                                                     M passes, V dy) {
    if (selects) {
        return H_KEEP(passes, dy);
    }
    return H_SELECT(passes, H_SCALE(dy, p->one), H_SCALE(dy, p->gain_block));
}

#ifdef M_PAIR_TO_BITS
/* Mask-mode forward's bits for two vectors where the table packs masks in
 * pairs: M_PAIR_TO_BITS of their simd_forward_passes. For PyTorch's ReLU
 * the bits come from the bytes of one pack, with no 16-bit mask: from y
 * (its lanes that are not a zero, as above) or, in bfloat16, from x
 * itself. Its rule x != +0 and x > -inf (0xff80) is, on signed patterns,
 * x != 0 and x > -128: where x saturated to a signed byte is neither 0
 * nor -128. In L1 (4,096 elements, one thread, paired against
 * M_PAIR_TO_BITS of H_NONZERO) mask-mode forward became 1.11x faster in
 * bfloat16 and 1.06x in float16 with the AVX2 table, 1.06x and 1.04x with
 * SSE2's. */
static CRELU__ALWAYS_INLINE unsigned SFX(simd_forward_pair_bits)(crelu__variant variant,
                                                                 int pytorch,
                                                                 const SFX(simd_params) * p,
                                                                 V x0, V x1) {
    if (variant == CRELU__RELU && pytorch) {
        if ((uint16_t)(0x8000 + HALF_INFINITY) == (uint16_t)-128) { /* bfloat16 */
            return H_PAIR_SATURATED_BITS(x0, x1);
        }
        return H_PAIR_NONZERO_BITS(SFX(simd_forward_one)(variant, p, x0),
                                   SFX(simd_forward_one)(variant, p, x1));
    }
    return M_PAIR_TO_BITS(SFX(simd_passes)(variant, pytorch, p, x0),
                          SFX(simd_passes)(variant, pytorch, p, x1));
}
#endif
