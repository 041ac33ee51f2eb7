/* SPDX-License-Identifier: MIT */
/* The context: options, the state the last forward saved, and the
 * forward/backward entry points that validate, save and dispatch. */
#include <stdlib.h>
#include <string.h>

#include "crelu_internal.h"

struct crelu_ctx {
    crelu_alloc_fn alloc;
    crelu_free_fn free;
    void *opaque;

    /* Options, as the setters left them; a forward copies them into `op`. */
    int save;
    int rule;
    double slope;
    double cap;
    int num_threads;

    /* What the last successful forward saved. */
    crelu__dtype dtype; /* CRELU__NO_DTYPE until a forward succeeds */
    int saved_as;       /* CRELU_SAVE_X or CRELU_SAVE_MASK */
    crelu__op op;
    size_t n;

    /* Owned, reused, grown on demand, never shrunk. */
    void *buffer;
    size_t buffer_bytes;
};

static void *default_alloc(void *opaque, size_t size) {
    (void)opaque;
    return malloc(size);
}

static void default_free(void *opaque, void *ptr) {
    (void)opaque;
    free(ptr);
}

int crelu_create(crelu_ctx **out) {
    return crelu_create_with_allocator(out, default_alloc, default_free, NULL);
}

int crelu_create_with_allocator(crelu_ctx **out, crelu_alloc_fn alloc, crelu_free_fn free_fn,
                                void *opaque) {
    if (out == NULL) {
        return CRELU_ERR_INVALID_ARGUMENT;
    }
    *out = NULL;
    if (alloc == NULL || free_fn == NULL) {
        return CRELU_ERR_INVALID_ARGUMENT;
    }
    crelu_ctx *ctx = alloc(opaque, sizeof *ctx);
    if (ctx == NULL) {
        return CRELU_ERR_OUT_OF_MEMORY;
    }
    memset(ctx, 0, sizeof *ctx);
    ctx->alloc = alloc;
    ctx->free = free_fn;
    ctx->opaque = opaque;
    ctx->save = CRELU_SAVE_X;
    ctx->rule = CRELU_GRAD_PYTORCH;
    ctx->slope = 0.0;
    ctx->cap = INFINITY;
    ctx->num_threads = 0;
    ctx->dtype = CRELU__NO_DTYPE;
    *out = ctx;
    return CRELU_OK;
}

void crelu_destroy(crelu_ctx *ctx) {
    if (ctx == NULL) {
        return;
    }
    ctx->free(ctx->opaque, ctx->buffer);
    ctx->free(ctx->opaque, ctx);
}

size_t crelu_sizeof_ctx(const crelu_ctx *ctx) {
    if (ctx == NULL) {
        return 0;
    }
    return sizeof *ctx + ctx->buffer_bytes;
}

/* ---- setters: validate, then store; a rejected value changes nothing ---- */

int crelu_set_save(crelu_ctx *ctx, int save) {
    if (ctx == NULL || (save != CRELU_SAVE_X && save != CRELU_SAVE_MASK)) {
        return CRELU_ERR_INVALID_ARGUMENT;
    }
    ctx->save = save;
    return CRELU_OK;
}

int crelu_set_grad_rule(crelu_ctx *ctx, int rule) {
    if (ctx == NULL || (rule != CRELU_GRAD_PYTORCH && rule != CRELU_GRAD_CS231N)) {
        return CRELU_ERR_INVALID_ARGUMENT;
    }
    ctx->rule = rule;
    return CRELU_OK;
}

int crelu_set_negative_slope(crelu_ctx *ctx, double slope) {
    if (ctx == NULL || !isfinite(slope)) {
        return CRELU_ERR_INVALID_ARGUMENT;
    }
    if (slope != 0.0 && ctx->cap < INFINITY) { /* leaky and clipped at once */
        return CRELU_ERR_INVALID_ARGUMENT;
    }
    ctx->slope = slope;
    return CRELU_OK;
}

int crelu_set_max_value(crelu_ctx *ctx, double max_value) {
    if (ctx == NULL || !(max_value > 0.0)) { /* also rejects NaN */
        return CRELU_ERR_INVALID_ARGUMENT;
    }
    if (max_value < INFINITY && ctx->slope != 0.0) { /* leaky and clipped at once */
        return CRELU_ERR_INVALID_ARGUMENT;
    }
    ctx->cap = max_value;
    return CRELU_OK;
}

int crelu_set_num_threads(crelu_ctx *ctx, int num_threads) {
    if (ctx == NULL || num_threads < 0) {
        return CRELU_ERR_INVALID_ARGUMENT;
    }
    ctx->num_threads = num_threads;
    return CRELU_OK;
}

/* ---- forward and backward, shared by every dtype ---- */

/* Makes the buffer hold at least `bytes`. On failure the old buffer, and so
 * the previous forward's state, is untouched. */
static int reserve(crelu_ctx *ctx, size_t bytes) {
    if (bytes <= ctx->buffer_bytes) {
        return CRELU_OK;
    }
    void *grown = ctx->alloc(ctx->opaque, bytes);
    if (grown == NULL) {
        return CRELU_ERR_OUT_OF_MEMORY;
    }
    ctx->free(ctx->opaque, ctx->buffer); /* its contents are about to be replaced */
    ctx->buffer = grown;
    ctx->buffer_bytes = bytes;
    return CRELU_OK;
}

static int forward(crelu_ctx *ctx, crelu__dtype dtype, const void *x, void *y, size_t n) {
    if (ctx == NULL) {
        return CRELU_ERR_INVALID_ARGUMENT;
    }
    const size_t elem_size = crelu__dtype_size(dtype);
    /* A forward of 0 elements reads and writes nothing, so its pointers may be
     * NULL; it is still the last forward (a backward must then be of 0). */
    int status = n == 0 ? CRELU_OK : crelu__check_buffers(x, y, n, elem_size);
    if (status != CRELU_OK) {
        return status;
    }
    const int save = ctx->save;
    status = reserve(ctx, save == CRELU_SAVE_MASK ? crelu__mask_bytes(n) : n * elem_size);
    if (status != CRELU_OK) {
        return status;
    }

    /* Nothing can fail from here on: commit the new state. */
    ctx->op = crelu__op_make(ctx->rule, ctx->slope, ctx->cap);
    ctx->dtype = dtype;
    ctx->saved_as = save;
    ctx->n = n;
    if (n == 0) {
        return CRELU_OK;
    }
    if (save == CRELU_SAVE_MASK) {
        crelu__run_forward(&ctx->op, dtype, x, y, ctx->buffer, NULL, n, ctx->num_threads);
    } else {
        crelu__run_forward(&ctx->op, dtype, x, y, NULL, ctx->buffer, n, ctx->num_threads);
    }
    return CRELU_OK;
}

static int backward(const crelu_ctx *ctx, crelu__dtype dtype, const void *dy, void *dx,
                    size_t n) {
    if (ctx == NULL) {
        return CRELU_ERR_INVALID_ARGUMENT;
    }
    const size_t elem_size = crelu__dtype_size(dtype);
    int status = n == 0 ? CRELU_OK : crelu__check_buffers(dy, dx, n, elem_size);
    if (status != CRELU_OK) {
        return status;
    }
    if (ctx->dtype == CRELU__NO_DTYPE) {
        return CRELU_ERR_NO_FORWARD;
    }
    if (ctx->dtype != dtype) {
        return CRELU_ERR_DTYPE_MISMATCH;
    }
    /* n = 0 included: an empty gradient for a non-empty forward is a caller's
     * mistake (a detached buffer reads as empty), not an empty answer. */
    if (ctx->n != n) {
        return CRELU_ERR_SIZE_MISMATCH;
    }
    if (n == 0) {
        return CRELU_OK;
    }

    if (ctx->saved_as == CRELU_SAVE_MASK) {
        crelu__run_backward(&ctx->op, dtype, NULL, ctx->buffer, dy, dx, n, ctx->num_threads);
    } else {
        crelu__run_backward(&ctx->op, dtype, ctx->buffer, NULL, dy, dx, n, ctx->num_threads);
    }
    return CRELU_OK;
}

int crelu_forward_f32(crelu_ctx *ctx, const float *x, float *y, size_t n) {
    return forward(ctx, CRELU__F32, x, y, n);
}

int crelu_forward_f64(crelu_ctx *ctx, const double *x, double *y, size_t n) {
    return forward(ctx, CRELU__F64, x, y, n);
}

int crelu_forward_bf16(crelu_ctx *ctx, const uint16_t *x, uint16_t *y, size_t n) {
    return forward(ctx, CRELU__BF16, x, y, n);
}

int crelu_forward_f16(crelu_ctx *ctx, const uint16_t *x, uint16_t *y, size_t n) {
    return forward(ctx, CRELU__F16, x, y, n);
}

int crelu_backward_f32(crelu_ctx *ctx, const float *dy, float *dx, size_t n) {
    return backward(ctx, CRELU__F32, dy, dx, n);
}

int crelu_backward_f64(crelu_ctx *ctx, const double *dy, double *dx, size_t n) {
    return backward(ctx, CRELU__F64, dy, dx, n);
}

int crelu_backward_bf16(crelu_ctx *ctx, const uint16_t *dy, uint16_t *dx, size_t n) {
    return backward(ctx, CRELU__BF16, dy, dx, n);
}

int crelu_backward_f16(crelu_ctx *ctx, const uint16_t *dy, uint16_t *dx, size_t n) {
    return backward(ctx, CRELU__F16, dy, dx, n);
}
