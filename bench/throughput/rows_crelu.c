/* SPDX-License-Identifier: MIT */
/* libcrelu's rows: the stateless calls, a save-x context (the default
 * mode), and a mask-mode context at the default thread count, at one thread
 * and at two. */
#include "crelu.h"
#include "row.h"

/* One call of each kind, in the job's dtype. */
static int forward(const bench_job *job) {
    switch (job->dtype) {
    case BENCH_F32: return crelu_relu_f32(job->x, job->y, job->n);
    case BENCH_F64: return crelu_relu_f64(job->x, job->y, job->n);
    case BENCH_BF16: return crelu_relu_bf16(job->x, job->y, job->n);
    case BENCH_F16: return crelu_relu_f16(job->x, job->y, job->n);
    }
    return CRELU_ERR_INVALID_ARGUMENT;
}

static int backward_x(const bench_job *job) {
    switch (job->dtype) {
    case BENCH_F32: return crelu_relu_backward_f32(job->x, job->dy, job->dx, job->n);
    case BENCH_F64: return crelu_relu_backward_f64(job->x, job->dy, job->dx, job->n);
    case BENCH_BF16: return crelu_relu_backward_bf16(job->x, job->dy, job->dx, job->n);
    case BENCH_F16: return crelu_relu_backward_f16(job->x, job->dy, job->dx, job->n);
    }
    return CRELU_ERR_INVALID_ARGUMENT;
}

static int context_forward(const bench_job *job) {
    switch (job->dtype) {
    case BENCH_F32: return crelu_forward_f32(job->state, job->x, job->y, job->n);
    case BENCH_F64: return crelu_forward_f64(job->state, job->x, job->y, job->n);
    case BENCH_BF16: return crelu_forward_bf16(job->state, job->x, job->y, job->n);
    case BENCH_F16: return crelu_forward_f16(job->state, job->x, job->y, job->n);
    }
    return CRELU_ERR_INVALID_ARGUMENT;
}

static int context_backward(const bench_job *job) {
    switch (job->dtype) {
    case BENCH_F32: return crelu_backward_f32(job->state, job->dy, job->dx, job->n);
    case BENCH_F64: return crelu_backward_f64(job->state, job->dy, job->dx, job->n);
    case BENCH_BF16: return crelu_backward_bf16(job->state, job->dy, job->dx, job->n);
    case BENCH_F16: return crelu_backward_f16(job->state, job->dy, job->dx, job->n);
    }
    return CRELU_ERR_INVALID_ARGUMENT;
}

static void run_forward(bench_job *job, size_t calls) {
    int status = CRELU_OK;
    for (size_t c = 0; c < calls; c++) {
        status |= forward(job);
    }
    job->status |= status;
}

static void run_backward_x(bench_job *job, size_t calls) {
    int status = CRELU_OK;
    for (size_t c = 0; c < calls; c++) {
        status |= backward_x(job);
    }
    job->status |= status;
}

/* A context saving `save` with `threads` threads (0 = automatic). Its first
 * forward runs here, untimed: it grows the saved-state buffer, and backward
 * needs it. */
static const char *setup_context(bench_job *job, int save, int threads) {
    crelu_ctx *ctx;
    if (crelu_create(&ctx) != CRELU_OK) {
        return "crelu_create failed";
    }
    job->state = ctx;
    if (crelu_set_save(ctx, save) != CRELU_OK ||
        crelu_set_num_threads(ctx, threads) != CRELU_OK || context_forward(job) != CRELU_OK) {
        crelu_destroy(ctx);
        job->state = NULL;
        return "context setup failed";
    }
    return NULL;
}

static const char *setup_save_x(bench_job *job) { return setup_context(job, CRELU_SAVE_X, 0); }
static const char *setup_auto_threads(bench_job *job) {
    return setup_context(job, CRELU_SAVE_MASK, 0);
}
static const char *setup_one_thread(bench_job *job) {
    return setup_context(job, CRELU_SAVE_MASK, 1);
}
static const char *setup_two_threads(bench_job *job) {
    return setup_context(job, CRELU_SAVE_MASK, 2);
}

static void teardown_context(bench_job *job) {
    crelu_destroy(job->state);
    job->state = NULL;
}

/* Any context's forward: save-x or mask mode, as its setup made it. */
static void run_forward_context(bench_job *job, size_t calls) {
    int status = CRELU_OK;
    for (size_t c = 0; c < calls; c++) {
        status |= context_forward(job);
    }
    job->status |= status;
}

static void run_backward_mask(bench_job *job, size_t calls) {
    int status = CRELU_OK;
    for (size_t c = 0; c < calls; c++) {
        status |= context_backward(job);
    }
    job->status |= status;
}

static const bench_row rows[] = {
    {.what = "forward", .label = "fwd", .threads = "auto",
     .arrays_moved = 2, .moves_mask = 0, .output = BENCH_WRITES_Y_RELU, .run = run_forward},
    /* Reads x once, writes y and the context's copy of x. */
    {.what = "forward_x", .label = "fwd_x", .threads = "auto",
     .arrays_moved = 3, .moves_mask = 0, .output = BENCH_WRITES_Y_RELU,
     .setup = setup_save_x, .run = run_forward_context, .teardown = teardown_context},
    {.what = "forward_mask", .label = "fwd_m", .threads = "auto",
     .arrays_moved = 2, .moves_mask = 1, .output = BENCH_WRITES_Y_RELU,
     .setup = setup_auto_threads, .run = run_forward_context, .teardown = teardown_context},
    {.what = "forward_mask_1t", .label = "fwd_m1", .threads = "1",
     .arrays_moved = 2, .moves_mask = 1, .output = BENCH_WRITES_Y_RELU,
     .setup = setup_one_thread, .run = run_forward_context, .teardown = teardown_context},
    {.what = "forward_mask_2t", .label = "fwd_m2", .threads = "2",
     .arrays_moved = 2, .moves_mask = 1, .output = BENCH_WRITES_Y_RELU,
     .setup = setup_two_threads, .run = run_forward_context, .teardown = teardown_context},
    {.what = "backward_x", .label = "bwd_x", .threads = "auto",
     .arrays_moved = 3, .moves_mask = 0, .output = BENCH_WRITES_DX_RELU, .run = run_backward_x},
    {.what = "backward_mask", .label = "bwd_m", .threads = "auto",
     .arrays_moved = 2, .moves_mask = 1, .output = BENCH_WRITES_DX_RELU,
     .setup = setup_auto_threads, .run = run_backward_mask, .teardown = teardown_context},
};

const bench_row_group bench_crelu_rows = {
    .name = "libcrelu",
    .rows = rows,
    .count = sizeof rows / sizeof rows[0],
    /* The pool's workers may spin briefly (well under 1 ms) after a call
     * before they park; let them, so the next row has every core. */
    .settle_ms = 1,
};
