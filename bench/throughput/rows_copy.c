/* SPDX-License-Identifier: MIT */
/* The one-thread copies: memcpy of forward's bytes, the streaming copy
 * (non-temporal stores), and a vector loop of plain loads and stores. The
 * parallel ones are in rows_copy_parallel.c. */
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

/* The widest vectors the CPU has, four per iteration, ordinary stores: what
 * any kernel that reads and writes through the cache can reach. glibc's
 * memcpy is slower than this in L1 (its call and size dispatch), and faster
 * in L2 (`rep movsb` writes whole lines without reading them first, which
 * no load/store loop can do), so the ceiling needs both. */
__attribute__((target("avx512f"))) static void vector_copy_avx512(void *dst, const void *src,
                                                                    size_t bytes) {
    size_t blocks = bytes / 256;
    for (size_t i = 0; i < blocks; i++) {
        const char *s = (const char *)src + 256 * i;
        char *d = (char *)dst + 256 * i;
        __m512i a = _mm512_load_si512(s), b = _mm512_load_si512(s + 64);
        __m512i c = _mm512_load_si512(s + 128), e = _mm512_load_si512(s + 192);
        _mm512_store_si512(d, a);
        _mm512_store_si512(d + 64, b);
        _mm512_store_si512(d + 128, c);
        _mm512_store_si512(d + 192, e);
    }
    memcpy((char *)dst + blocks * 256, (const char *)src + blocks * 256, bytes - blocks * 256);
}

__attribute__((target("avx"))) static void vector_copy_avx(void *dst, const void *src,
                                                             size_t bytes) {
    __m256i *d = dst;
    const __m256i *s = src;
    size_t blocks = bytes / 128;
    for (size_t i = 0; i < blocks; i++) {
        for (size_t k = 0; k < 4; k++) {
            _mm256_store_si256(d + 4 * i + k, _mm256_load_si256(s + 4 * i + k));
        }
    }
    memcpy((char *)dst + blocks * 128, (const char *)src + blocks * 128, bytes - blocks * 128);
}

static void vector_copy_sse2(void *dst, const void *src, size_t bytes) {
    __m128i *d = dst;
    const __m128i *s = src;
    size_t blocks = bytes / 64;
    for (size_t i = 0; i < blocks; i++) {
        for (size_t k = 0; k < 4; k++) {
            _mm_store_si128(d + 4 * i + k, _mm_load_si128(s + 4 * i + k));
        }
    }
    memcpy((char *)dst + blocks * 64, (const char *)src + blocks * 64, bytes - blocks * 64);
}

static void run_vector_copy(bench_job *job, size_t calls) {
    size_t bytes = job->n * bench_dtype_size(job->dtype);
    void (*copy)(void *, const void *, size_t) =
        __builtin_cpu_supports("avx512f") ? vector_copy_avx512
        : __builtin_cpu_supports("avx")   ? vector_copy_avx
                                          : vector_copy_sse2;
    for (size_t c = 0; c < calls; c++) {
        copy(job->y, job->x, bytes);
        __asm__ volatile("" : : "r"(job->y) : "memory");
    }
}

static const bench_row rows[] = {
    {.what = "memcpy", .label = "memcpy", .threads = "1",
     .arrays_moved = 2, .moves_mask = 0, .output = BENCH_WRITES_Y_COPY, .run = run_memcpy},
    {.what = "stream_copy", .label = "stream", .threads = "1",
     .arrays_moved = 2, .moves_mask = 0, .output = BENCH_WRITES_Y_COPY, .run = run_stream_copy},
    {.what = "vector_copy", .label = "vcopy", .threads = "1",
     .arrays_moved = 2, .moves_mask = 0, .output = BENCH_WRITES_Y_COPY, .run = run_vector_copy},
};

const bench_row_group bench_copy_rows = {
    .name = "copies",
    .rows = rows,
    .count = sizeof rows / sizeof rows[0],
};
