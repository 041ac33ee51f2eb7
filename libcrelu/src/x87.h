/* SPDX-License-Identifier: MIT */
/* float64 on the x87 (32-bit x86 built without -mfpmath=sse: the scalar and
 * portable tables of an i686 build). The x87 rounds a product to its 64-bit
 * significand and the store rounds it again to 53 bits: a double rounding
 * that can miss the correctly rounded float64 in the last bit. With the
 * precision control at 53 bits the product is rounded once, correctly, as
 * long as it is a normal float64; a subnormal result is still rounded twice
 * (crelu.h says so). So each float64 kernel of those tables runs with the
 * precision control at 53 bits, and puts the caller's back. float32 needs
 * nothing: a product of two floats is exact in 53 bits. */
#ifndef CRELU_X87_H
#define CRELU_X87_H

#if defined(__i386__) && !defined(__SSE2_MATH__) && (defined(__GNUC__) || defined(__clang__))
#define CRELU__X87_MATH 1

static inline unsigned short crelu__x87_enter_double(void) {
    unsigned short old, cw;
    __asm__ volatile("fnstcw %0" : "=m"(old));
    cw = (unsigned short)((old & ~0x300u) | 0x200u); /* PC = 10b: 53-bit significand */
    __asm__ volatile("fldcw %0" : : "m"(cw));
    return old;
}

static inline void crelu__x87_leave(unsigned short old) {
    __asm__ volatile("fldcw %0" : : "m"(old));
}

/* Wrappers name##_pc53 of the four float64 kernels `prefix`forward_f64 etc. */
#define CRELU__X87_F64_WRAPPERS(prefix)                                                          \
    static void prefix##forward_f64_pc53(const crelu__op *op, const void *x, void *y,            \
                                         void *saved, size_t n, int stream) {                   \
        const unsigned short cw = crelu__x87_enter_double();                                     \
        prefix##forward_f64(op, x, y, saved, n, stream);                                         \
        crelu__x87_leave(cw);                                                                    \
    }                                                                                            \
    static void prefix##forward_mask_f64_pc53(const crelu__op *op, const void *x, void *y,       \
                                              unsigned char *mask, size_t n, int stream) {       \
        const unsigned short cw = crelu__x87_enter_double();                                     \
        prefix##forward_mask_f64(op, x, y, mask, n, stream);                                     \
        crelu__x87_leave(cw);                                                                    \
    }                                                                                            \
    static void prefix##backward_x_f64_pc53(const crelu__op *op, const void *x, const void *dy,  \
                                            void *dx, size_t n, int stream) {                    \
        const unsigned short cw = crelu__x87_enter_double();                                     \
        prefix##backward_x_f64(op, x, dy, dx, n, stream);                                        \
        crelu__x87_leave(cw);                                                                    \
    }                                                                                            \
    static void prefix##backward_mask_f64_pc53(const crelu__op *op, const unsigned char *mask,   \
                                               const void *dy, void *dx, size_t n,               \
                                               int stream) {                                     \
        const unsigned short cw = crelu__x87_enter_double();                                     \
        prefix##backward_mask_f64(op, mask, dy, dx, n, stream);                                  \
        crelu__x87_leave(cw);                                                                    \
    }
/* The suffix of the float64 row: CRELU__DTYPE_ROW(prefix, CRELU__X87_F64_SUFFIX). */
#define CRELU__X87_F64_SUFFIX _f64_pc53
#else
#define CRELU__X87_F64_WRAPPERS(prefix)
#define CRELU__X87_F64_SUFFIX _f64
#endif

/* a * b, correctly rounded, for every table's float32 and float64
 * products. On the x87 a float64 product goes through long double scaled
 * by 2^-15360, so that a subnormal float64 result is an x87 subnormal
 * rounded once, at the float64 position (under the 53-bit precision control
 * the float64 kernels set, above); scaling back is exact. (The trick of
 * Java's strictfp on the x87.) A float32 product is exact in the x87 and
 * rounded once when it becomes a float. */
static inline float crelu__mul_f32(float a, float b) {
    return a * b;
}

static inline double crelu__mul_f64(double a, double b) {
#ifdef CRELU__X87_MATH
    const long double p = ((long double)a * 0x1p-15360L) * (long double)b;
    return (double)(p * 0x1p15360L);
#else
    return a * b;
#endif
}

#define CRELU__MUL(a, b) _Generic((a), float: crelu__mul_f32, double: crelu__mul_f64)(a, b)

#endif /* CRELU_X87_H */
