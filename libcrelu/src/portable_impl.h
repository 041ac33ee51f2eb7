/* SPDX-License-Identifier: MIT */
/* Portable kernels for one element type: the loops, the same for every
 * dtype. Included by portable.c once per dtype with T (the element type),
 * U (the unsigned integer of T's width) and SFX(name) (adds the dtype
 * suffix), after the dtype's element operations (portable_float_ops.h,
 * portable_half_ops.h), which give, on bit patterns of type U:
 *
 *   SFX(portable_params), SFX(portable_params_of)(op)   with the members
 *       variant, pytorch and selects (PyTorch's ReLU and clipped backward)
 *   SFX(portable_load)(p), SFX(portable_store)(p, bits)
 *   SFX(portable_forward_one)(variant, p, xbits)      the "forward y" column
 *   SFX(portable_passes)(variant, pytorch, p, xbits)  the mask bit
 *   SFX(portable_backward_one)(selects, p, passes, dybits)
 *
 * Each public-facing kernel switches once on the operation, outside the
 * loop, and calls an always-inlined loop with the variant and rule as
 * constants: the compiler then emits one branch-free loop per row of the
 * table. */

static CRELU__ALWAYS_INLINE void SFX(portable_forward_loop)(crelu__variant variant,
                                                           const SFX(portable_params) * p,
                                                           const T *x, T *y, size_t n) {
    for (size_t i = 0; i < n; i++) {
        SFX(portable_store)(y + i, SFX(portable_forward_one)(variant, p, SFX(portable_load)(x + i)));
    }
}

static void SFX(portable_forward)(const crelu__op *op, const void *x_arg, void *y_arg,
                                  void *saved_arg, size_t n, int stream) {
    const T *const x = x_arg;
    T *const y = y_arg;
    T *const saved = saved_arg;
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
        bits |= (unsigned)SFX(portable_passes)(variant, pytorch, p, xk) << k;
        SFX(portable_store)(y + k, SFX(portable_forward_one)(variant, p, xk));
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

static void SFX(portable_forward_mask)(const crelu__op *op, const void *x_arg, void *y_arg,
                                       unsigned char *restrict mask, size_t n, int stream) {
    const T *const x = x_arg;
    T *const y = y_arg;
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
        const unsigned passes =
            (unsigned)SFX(portable_passes)(variant, pytorch, p, SFX(portable_load)(x + i));
        SFX(portable_store)(dx + i, SFX(portable_backward_one)(selects, p, passes,
                                                               SFX(portable_load)(dy + i)));
    }
}

static void SFX(portable_backward_x)(const crelu__op *op, const void *x_arg, const void *dy_arg,
                                     void *dx_arg, size_t n, int stream) {
    const T *const x = x_arg;
    const T *const dy = dy_arg;
    T *const dx = dx_arg;
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
        SFX(portable_store)(dx + k, SFX(portable_backward_one)(selects, p, (bits >> k) & 1u,
                                                               SFX(portable_load)(dy + k)));
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
                                        const void *dy_arg, void *dx_arg, size_t n, int stream) {
    const T *const dy = dy_arg;
    T *const dx = dx_arg;
    (void)stream;
    const SFX(portable_params) p = SFX(portable_params_of)(op);
    /* Only the combine step differs between rows once the bit is known. */
    if (p.selects) {
        SFX(portable_backward_mask_loop)(1, &p, mask, dy, dx, n);
    } else {
        SFX(portable_backward_mask_loop)(0, &p, mask, dy, dx, n);
    }
}
