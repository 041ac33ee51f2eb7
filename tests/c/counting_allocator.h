/* SPDX-License-Identifier: MIT */
/* An allocator for crelu_create_with_allocator() that counts calls, tracks
 * live bytes, and can be told to fail, so tests can see every allocation. */
#ifndef CRELU_TEST_COUNTING_ALLOCATOR_H
#define CRELU_TEST_COUNTING_ALLOCATOR_H

#include <stddef.h>

typedef struct counting_allocator {
    size_t allocs;     /* successful allocations */
    size_t frees;      /* non-NULL frees */
    size_t live_bytes; /* bytes handed out and not yet freed */
    size_t refused;    /* allocations refused */
    /* Refuse allocation number `fail_at` (1-based, counting attempts); 0 = never. */
    size_t fail_at;
    size_t attempts;
} counting_allocator;

void *counting_alloc(void *opaque, size_t size);
void counting_free(void *opaque, void *ptr);

#endif
