/* Reference kernels for one element type. Included by reference.c once per
 * dtype with T (the element type) and SFX(name) (adds the dtype suffix). */

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

static void SFX(reference_forward)(const crelu__op *op, const T *x, T *y, size_t n) {
    for (size_t i = 0; i < n; i++) {
        y[i] = SFX(reference_forward_one)(op, x[i]);
    }
}

static void SFX(reference_forward_mask)(const crelu__op *op, const T *x, T *y,
                                        unsigned char *mask, size_t n) {
    for (size_t i = 0; i < n; i++) {
        T xi = x[i];
        if (i % 8 == 0) {
            mask[i / 8] = 0;
        }
        if (SFX(reference_passes)(op, xi)) {
            mask[i / 8] = (unsigned char)(mask[i / 8] | (1u << (i % 8)));
        }
        y[i] = SFX(reference_forward_one)(op, xi);
    }
}

static void SFX(reference_backward_x)(const crelu__op *op, const T *x, const T *dy, T *dx,
                                      size_t n) {
    for (size_t i = 0; i < n; i++) {
        dx[i] = SFX(reference_backward_one)(op, SFX(reference_passes)(op, x[i]), dy[i]);
    }
}

static void SFX(reference_backward_mask)(const crelu__op *op, const unsigned char *mask,
                                         const T *dy, T *dx, size_t n) {
    for (size_t i = 0; i < n; i++) {
        int passes = (mask[i / 8] >> (i % 8)) & 1;
        dx[i] = SFX(reference_backward_one)(op, passes, dy[i]);
    }
}
