/* Private declarations shared by the library's sources and its white-box tests.
 * Nothing here is part of the ABI. */
#ifndef CRELU_INTERNAL_H
#define CRELU_INTERNAL_H

#include <math.h>
#include <stddef.h>

#include "crelu.h"

#if defined(__GNUC__) || defined(__clang__)
#define CRELU__ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define CRELU__ALWAYS_INLINE inline
#endif

typedef enum crelu__variant {
    CRELU__RELU = 0,
    CRELU__LEAKY = 1,
    CRELU__CLIPPED = 2
} crelu__variant;

typedef enum crelu__dtype {
    CRELU__NO_DTYPE = 0, /* no forward has succeeded yet */
    CRELU__F32 = 1,
    CRELU__F64 = 2
} crelu__dtype;

/* The operation a forward fixes and its backward replays: which row of the
 * semantics table, which backward rule, and the row's parameter. Kernels
 * convert slope and cap to their element type, as PyTorch does. */
typedef struct crelu__op {
    crelu__variant variant;
    int rule;     /* CRELU_GRAD_PYTORCH or CRELU_GRAD_CS231N */
    double slope; /* used by CRELU__LEAKY */
    double cap;   /* used by CRELU__CLIPPED */
    /* Always 1.0. The multiply-by-mask rules compute dy * 1, which quiets a
     * signalling NaN exactly as the references do; holding the 1 in data
     * rather than as a literal stops the compiler from folding dy * 1 to dy. */
    double one;
} crelu__op;

/* Builds the op for the given options; slope and cap must already be valid
 * (at most one of them active). */
static inline crelu__op crelu__op_make(int rule, double slope, double cap) {
    crelu__op op;
    op.variant = slope != 0.0 ? CRELU__LEAKY : cap < INFINITY ? CRELU__CLIPPED : CRELU__RELU;
    op.rule = rule;
    op.slope = slope;
    op.cap = cap;
    op.one = 1.0;
    return op;
}

/* Bytes of a 1-bit-per-element mask: bit i lives in byte i / 8, at bit i % 8.
 * Set means "backward takes the pass-through branch" (dy, or dy * 1). */
static inline size_t crelu__mask_bytes(size_t n) {
    return n / 8 + (n % 8 != 0);
}

/* One implementation of every hot loop, for one ISA. Every function handles
 * any n (including n not a multiple of the vector width), any alignment, and
 * exact aliasing of its output with one input (y == x, dx == dy); a mask
 * argument never aliases anything. */
typedef struct crelu__kernels {
    const char *name;
    void (*forward_f32)(const crelu__op *op, const float *x, float *y, size_t n);
    void (*forward_mask_f32)(const crelu__op *op, const float *x, float *y,
                             unsigned char *mask, size_t n);
    void (*backward_x_f32)(const crelu__op *op, const float *x, const float *dy, float *dx,
                           size_t n);
    void (*backward_mask_f32)(const crelu__op *op, const unsigned char *mask, const float *dy,
                              float *dx, size_t n);
    void (*forward_f64)(const crelu__op *op, const double *x, double *y, size_t n);
    void (*forward_mask_f64)(const crelu__op *op, const double *x, double *y,
                             unsigned char *mask, size_t n);
    void (*backward_x_f64)(const crelu__op *op, const double *x, const double *dy, double *dx,
                           size_t n);
    void (*backward_mask_f64)(const crelu__op *op, const unsigned char *mask, const double *dy,
                              double *dx, size_t n);
} crelu__kernels;

/* The scalar reference: written straight from the semantics table, one
 * element at a time. The oracle every other implementation is tested against. */
extern const crelu__kernels crelu__kernels_reference;

/* Portable C written so the compiler can vectorise it: no per-element calls
 * or branches in the hot loops. */
extern const crelu__kernels crelu__kernels_portable;

/* The one place that picks the implementation the library runs. */
const crelu__kernels *crelu__active_kernels(void);

/* Checks shared by every entry point that takes an input and an output
 * buffer of n elements of elem_size bytes: NULL pointers (when n > 0), byte
 * count overflow, partial overlap. Returns a crelu_status. */
int crelu__check_buffers(const void *in, const void *out, size_t n, size_t elem_size);

/* Nonzero when [a, a + bytes) and [b, b + bytes) share a byte without a == b. */
int crelu__overlap_partially(const void *a, const void *b, size_t bytes);

#endif /* CRELU_INTERNAL_H */
