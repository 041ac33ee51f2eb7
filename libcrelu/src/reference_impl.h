/* SPDX-License-Identifier: MIT */
/* Reference kernels for one element type. Included by reference.c once per
 * dtype with T (the element type) and SFX(name) (adds the dtype suffix),
 * after the one-element functions: reference_element.h for float32 and
 * float64, reference_half.h for bfloat16 and float16. */

static void SFX(reference_forward)(const crelu__op *op, const void *x_arg, void *y_arg,
                                   void *saved_arg, size_t n, int stream) {
    const T *const x = x_arg;
    T *const y = y_arg;
    T *const saved = saved_arg;
    (void)stream; /* plain stores: the reference is about clarity */
    if (saved != NULL) {
        memcpy(saved, x, n * sizeof *x); /* first: y may be x */
    }
    for (size_t i = 0; i < n; i++) {
        SFX(reference_forward_one)(op, x + i, y + i);
    }
}

static void SFX(reference_forward_mask)(const crelu__op *op, const void *x_arg, void *y_arg,
                                        unsigned char *mask, size_t n, int stream) {
    const T *const x = x_arg;
    T *const y = y_arg;
    (void)stream;
    for (size_t i = 0; i < n; i++) {
        if (i % 8 == 0) {
            mask[i / 8] = 0;
        }
        /* Compared as a value made from x's bits, not as a float loaded from
         * x: reference_element.h says why. Before y[i]: y may be x. */
        if (SFX(reference_passes)(op, SFX(reference_value)(SFX(reference_load_bits)(x + i)))) {
            mask[i / 8] = (unsigned char)(mask[i / 8] | (1u << (i % 8)));
        }
        SFX(reference_forward_one)(op, x + i, y + i);
    }
}

static void SFX(reference_backward_x)(const crelu__op *op, const void *x_arg, const void *dy_arg,
                                      void *dx_arg, size_t n, int stream) {
    const T *const x = x_arg;
    const T *const dy = dy_arg;
    T *const dx = dx_arg;
    (void)stream;
    for (size_t i = 0; i < n; i++) {
        SFX(reference_backward_one)(op, SFX(reference_passes)(op, x[i]), dy + i, dx + i);
    }
}

static void SFX(reference_backward_mask)(const crelu__op *op, const unsigned char *mask,
                                         const void *dy_arg, void *dx_arg, size_t n, int stream) {
    const T *const dy = dy_arg;
    T *const dx = dx_arg;
    (void)stream;
    for (size_t i = 0; i < n; i++) {
        int passes = (mask[i / 8] >> (i % 8)) & 1;
        SFX(reference_backward_one)(op, passes, dy + i, dx + i);
    }
}
