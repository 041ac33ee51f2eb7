/* SPDX-License-Identifier: MIT */
/* oneDNN's eltwise ReLU (alpha 0), forward_training and backward_data from
 * src, through its C API. The primitives are made per size and dtype in
 * setup, outside the timed region; oneDNN runs with its default threads.
 * Each row holds its own primitives, so that rows can be timed interleaved. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <oneapi/dnnl/dnnl.h>
#if DNNL_CPU_THREADING_RUNTIME == DNNL_RUNTIME_OMP
#include <omp.h>
#endif

#include "row.h"

typedef struct onednn_state {
    dnnl_primitive_desc_t forward_pd, backward_pd;
    dnnl_primitive_t forward, backward;
    dnnl_memory_t x, y, dy, dx;
} onednn_state;

static dnnl_engine_t engine;
static dnnl_stream_t stream;

/* One engine and stream for the whole run, made on first use. */
static int engine_ready(void) {
    if (engine == NULL && dnnl_engine_create(&engine, dnnl_cpu, 0) != dnnl_success) {
        return 0;
    }
    if (stream == NULL &&
        dnnl_stream_create(&stream, engine, dnnl_stream_default_flags) != dnnl_success) {
        return 0;
    }
    return 1;
}

static void teardown(bench_job *job) {
    onednn_state *state = job->state;
    if (state == NULL) return;
    dnnl_primitive_destroy(state->forward);
    dnnl_primitive_destroy(state->backward);
    dnnl_primitive_desc_destroy(state->forward_pd);
    dnnl_primitive_desc_destroy(state->backward_pd);
    dnnl_memory_destroy(state->x);
    dnnl_memory_destroy(state->y);
    dnnl_memory_destroy(state->dy);
    dnnl_memory_destroy(state->dx);
    free(state);
    job->state = NULL;
}

/* The benchmark's own buffers as oneDNN memory, without copying. oneDNN
 * takes a non-const pointer even for memory it only reads (x, dy). */
static dnnl_status_t wrap(dnnl_memory_t *memory, const dnnl_memory_desc_t *md, const void *data) {
    return dnnl_memory_create(memory, md, engine, (void *)(uintptr_t)data);
}

static const char *setup(bench_job *job) {
    if (job->dtype == BENCH_F64) {
        return "oneDNN 2.6 has no f64 data type";
    }
    if (job->dtype != BENCH_F32) {
        return "oneDNN's rows are float32 only";
    }
    if (!engine_ready()) {
        return "no oneDNN CPU engine";
    }
    onednn_state *state = calloc(1, sizeof *state);
    if (state == NULL) {
        return "out of memory";
    }
    job->state = state;
    dnnl_dims_t dims = {(dnnl_dim_t)job->n};
    dnnl_memory_desc_t md;
    dnnl_eltwise_desc_t forward_desc, backward_desc;
    dnnl_status_t status = dnnl_memory_desc_init_by_tag(&md, 1, dims, dnnl_f32, dnnl_a);
    if (status == dnnl_success) {
        status = dnnl_eltwise_forward_desc_init(&forward_desc, dnnl_forward_training,
                                                dnnl_eltwise_relu, &md, 0.0f, 0.0f);
    }
    if (status == dnnl_success) {
        status = dnnl_primitive_desc_create(&state->forward_pd, &forward_desc, NULL, engine, NULL);
    }
    if (status == dnnl_success) {
        status = dnnl_eltwise_backward_desc_init(&backward_desc, dnnl_eltwise_relu, &md, &md,
                                                 0.0f, 0.0f);
    }
    if (status == dnnl_success) {
        status = dnnl_primitive_desc_create(&state->backward_pd, &backward_desc, NULL, engine,
                                            state->forward_pd);
    }
    if (status == dnnl_success) {
        status = dnnl_primitive_create(&state->forward, state->forward_pd);
    }
    if (status == dnnl_success) {
        status = dnnl_primitive_create(&state->backward, state->backward_pd);
    }
    if (status == dnnl_success) status = wrap(&state->x, &md, job->x);
    if (status == dnnl_success) status = wrap(&state->y, &md, job->y);
    if (status == dnnl_success) status = wrap(&state->dy, &md, job->dy);
    if (status == dnnl_success) status = wrap(&state->dx, &md, job->dx);
    if (status != dnnl_success) {
        teardown(job);
        return "oneDNN setup failed";
    }
    return NULL;
}

static void run_forward(bench_job *job, size_t calls) {
    const onednn_state *state = job->state;
    dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, state->x}, {DNNL_ARG_DST, state->y}};
    int failed = 0;
    for (size_t c = 0; c < calls; c++) {
        failed |= dnnl_primitive_execute(state->forward, stream, 2, args) != dnnl_success;
        failed |= dnnl_stream_wait(stream) != dnnl_success;
    }
    job->status |= failed;
}

static void run_backward(bench_job *job, size_t calls) {
    const onednn_state *state = job->state;
    dnnl_exec_arg_t args[] = {
        {DNNL_ARG_SRC, state->x}, {DNNL_ARG_DIFF_DST, state->dy}, {DNNL_ARG_DIFF_SRC, state->dx}};
    int failed = 0;
    for (size_t c = 0; c < calls; c++) {
        failed |= dnnl_primitive_execute(state->backward, stream, 3, args) != dnnl_success;
        failed |= dnnl_stream_wait(stream) != dnnl_success;
    }
    job->status |= failed;
}

static const char *threads(void) {
    static char text[16];
#if DNNL_CPU_THREADING_RUNTIME == DNNL_RUNTIME_OMP
    snprintf(text, sizeof text, "%d", omp_get_max_threads());
#elif DNNL_CPU_THREADING_RUNTIME == DNNL_RUNTIME_SEQ
    snprintf(text, sizeof text, "1");
#else
    snprintf(text, sizeof text, "default");
#endif
    return text;
}

static const char *isa_name(dnnl_cpu_isa_t isa) {
    switch (isa) {
    case dnnl_cpu_isa_sse41: return "sse41";
    case dnnl_cpu_isa_avx: return "avx";
    case dnnl_cpu_isa_avx2: return "avx2";
    case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni";
    case dnnl_cpu_isa_avx512_core: return "avx512_core";
    case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
    default: return "other";
    }
}

static void describe(char *out, size_t size) {
    const dnnl_version_t *v = dnnl_version();
#if DNNL_CPU_THREADING_RUNTIME == DNNL_RUNTIME_OMP
    const char *runtime = "OpenMP (libgomp), omp_get_max_threads()";
#elif DNNL_CPU_THREADING_RUNTIME == DNNL_RUNTIME_SEQ
    const char *runtime = "sequential";
#else
    const char *runtime = "non-OpenMP runtime";
#endif
    snprintf(out, size,
             "oneDNN %d.%d.%d, CPU threading %s = %s (its default; OMP_NUM_THREADS overrides), "
             "ISA %s",
             v->major, v->minor, v->patch, runtime, threads(),
             isa_name(dnnl_get_effective_cpu_isa()));
}

static const bench_row rows[] = {
    {.what = "onednn_forward", .label = "dnnl_f", .threads = NULL,
     .arrays_moved = 2, .moves_mask = 0, .output = BENCH_WRITES_Y_RELU,
     .setup = setup, .run = run_forward, .teardown = teardown},
    {.what = "onednn_backward", .label = "dnnl_b", .threads = NULL,
     .arrays_moved = 3, .moves_mask = 0, .output = BENCH_WRITES_DX_RELU,
     .setup = setup, .run = run_backward, .teardown = teardown},
};

const bench_row_group bench_onednn_rows = {
    .name = "oneDNN",
    .rows = rows,
    .count = sizeof rows / sizeof rows[0],
    .threads = threads,
    .describe = describe,
    /* libgomp's workers spin for a while after a parallel region (its
     * default GOMP_SPINCOUNT, a few ms here) before they sleep. */
    .settle_ms = 10,
};
