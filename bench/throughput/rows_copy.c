/* SPDX-License-Identifier: MIT */
/* The one-thread copies: memcpy of forward's bytes, and the streaming copy
 * (non-temporal stores). The parallel ones are in rows_copy_parallel.c. */
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "copy.h"
#include "row.h"

static void run_memcpy(bench_job *job, size_t calls) {
    size_t bytes = job->n * bench_dtype_size(job->dtype);
    for (size_t c = 0; c < calls; c++) {
        memcpy(job->y, job->x, bytes);
        /* memcpy's result is never read: keep the compiler from dropping
         * or merging the calls. */
        __asm__ volatile("" : : "r"(job->y) : "memory");
    }
}

/* 64-byte blocks; the buffers are 64-byte aligned. */
__attribute__((target("avx"))) static void stream_copy_avx(void *dst, const void *src,
                                                             size_t bytes) {
    __m256i *d = dst;
    const __m256i *s = src;
    size_t blocks = bytes / 64;
    for (size_t i = 0; i < blocks; i++) {
        __m256i a = _mm256_load_si256(s + 2 * i);
        __m256i b = _mm256_load_si256(s + 2 * i + 1);
        _mm256_stream_si256(d + 2 * i, a);
        _mm256_stream_si256(d + 2 * i + 1, b);
    }
    memcpy((char *)dst + blocks * 64, (const char *)src + blocks * 64, bytes - blocks * 64);
    _mm_sfence();
}

static void stream_copy_sse2(void *dst, const void *src, size_t bytes) {
    __m128i *d = dst;
    const __m128i *s = src;
    size_t blocks = bytes / 64;
    for (size_t i = 0; i < blocks; i++) {
        for (size_t k = 0; k < 4; k++) {
            _mm_stream_si128(d + 4 * i + k, _mm_load_si128(s + 4 * i + k));
        }
    }
    memcpy((char *)dst + blocks * 64, (const char *)src + blocks * 64, bytes - blocks * 64);
    _mm_sfence();
}

void bench_stream_copy(void *dst, const void *src, size_t bytes) {
    if (__builtin_cpu_supports("avx")) {
        stream_copy_avx(dst, src, bytes);
    } else {
        stream_copy_sse2(dst, src, bytes);
    }
}

static void run_stream_copy(bench_job *job, size_t calls) {
    size_t bytes = job->n * bench_dtype_size(job->dtype);
    for (size_t c = 0; c < calls; c++) {
        bench_stream_copy(job->y, job->x, bytes);
        __asm__ volatile("" : : "r"(job->y) : "memory");
    }
}

static const bench_row rows[] = {
    {.what = "memcpy", .label = "memcpy", .threads = "1",
     .arrays_moved = 2, .moves_mask = 0, .output = BENCH_WRITES_Y_COPY, .run = run_memcpy},
    {.what = "stream_copy", .label = "stream", .threads = "1",
     .arrays_moved = 2, .moves_mask = 0, .output = BENCH_WRITES_Y_COPY, .run = run_stream_copy},
};

const bench_row_group bench_copy_rows = {
    .name = "copies",
    .rows = rows,
    .count = sizeof rows / sizeof rows[0],
};
