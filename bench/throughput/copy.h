/* SPDX-License-Identifier: MIT */
/* The streaming copy both copy groups use: non-temporal stores, which skip
 * the read-for-ownership of the destination's lines, then a store fence. */
#ifndef BENCH_COPY_H
#define BENCH_COPY_H

#include <stddef.h>

/* dst and src 64-byte aligned; AVX stores where the CPU has AVX, SSE2
 * otherwise. The tail (under 64 bytes) goes through memcpy. */
void bench_stream_copy(void *dst, const void *src, size_t bytes);

#endif /* BENCH_COPY_H */
