/* SPDX-License-Identifier: MIT */
/* The context-free entry points: plain ReLU, PyTorch's backward rule, the
 * automatic thread count. */
#include "crelu_internal.h"

/* Plain ReLU, PyTorch's rule: what crelu_create() gives by default. */
static const crelu__op default_op = {CRELU__RELU, CRELU_GRAD_PYTORCH, 0.0, INFINITY, 1.0};

static int forward_checked(const void *x, void *y, size_t n, size_t elem_size) {
    if (n == 0) {
        return CRELU_OK;
    }
    return crelu__check_buffers(x, y, n, elem_size);
}

/* dx may equal x or dy exactly; x and dy are both read-only, so they may
 * overlap each other in any way. */
static int backward_checked(const void *x, const void *dy, void *dx, size_t n,
                            size_t elem_size) {
    if (n == 0) {
        return CRELU_OK;
    }
    if (x == NULL) {
        return CRELU_ERR_INVALID_ARGUMENT;
    }
    int status = crelu__check_buffers(dy, dx, n, elem_size);
    if (status != CRELU_OK) {
        return status;
    }
    if (crelu__runs_past_end(x, n * elem_size)) { /* n * elem_size is bounded: checked above */
        return CRELU_ERR_OVERFLOW;
    }
    return crelu__overlap_partially(x, dx, n * elem_size) ? CRELU_ERR_INVALID_ARGUMENT
                                                          : CRELU_OK;
}

/* Shared by every dtype; the public functions below are its rows. */
static int relu(crelu__dtype dtype, const void *x, void *y, size_t n) {
    int status = forward_checked(x, y, n, crelu__dtype_size(dtype));
    if (status == CRELU_OK && n > 0) {
        crelu__run_forward(&default_op, dtype, x, y, NULL, NULL, n, 0);
    }
    return status;
}

static int relu_backward(crelu__dtype dtype, const void *x, const void *dy, void *dx, size_t n) {
    int status = backward_checked(x, dy, dx, n, crelu__dtype_size(dtype));
    if (status == CRELU_OK && n > 0) {
        crelu__run_backward(&default_op, dtype, x, NULL, dy, dx, n, 0);
    }
    return status;
}

int crelu_relu_f32(const float *x, float *y, size_t n) {
    return relu(CRELU__F32, x, y, n);
}

int crelu_relu_f64(const double *x, double *y, size_t n) {
    return relu(CRELU__F64, x, y, n);
}

int crelu_relu_bf16(const uint16_t *x, uint16_t *y, size_t n) {
    return relu(CRELU__BF16, x, y, n);
}

int crelu_relu_f16(const uint16_t *x, uint16_t *y, size_t n) {
    return relu(CRELU__F16, x, y, n);
}

int crelu_relu_backward_f32(const float *x, const float *dy, float *dx, size_t n) {
    return relu_backward(CRELU__F32, x, dy, dx, n);
}

int crelu_relu_backward_f64(const double *x, const double *dy, double *dx, size_t n) {
    return relu_backward(CRELU__F64, x, dy, dx, n);
}

int crelu_relu_backward_bf16(const uint16_t *x, const uint16_t *dy, uint16_t *dx, size_t n) {
    return relu_backward(CRELU__BF16, x, dy, dx, n);
}

int crelu_relu_backward_f16(const uint16_t *x, const uint16_t *dy, uint16_t *dx, size_t n) {
    return relu_backward(CRELU__F16, x, dy, dx, n);
}
