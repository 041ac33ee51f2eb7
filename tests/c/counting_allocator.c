/* SPDX-License-Identifier: MIT */
#include "counting_allocator.h"

#include <stdint.h>
#include <stdlib.h>

/* Each block carries its size in a header aligned for any type. */
typedef union header {
    size_t size;
    max_align_t align;
} header;

void *counting_alloc(void *opaque, size_t size) {
    counting_allocator *a = opaque;
    a->attempts++;
    if (a->fail_at != 0 && a->attempts == a->fail_at) {
        a->refused++;
        return NULL;
    }
    if (size > SIZE_MAX - sizeof(header)) {
        a->refused++;
        return NULL;
    }
    header *h = malloc(sizeof(header) + size);
    if (h == NULL) {
        a->refused++;
        return NULL;
    }
    h->size = size;
    a->allocs++;
    a->live_bytes += size;
    return h + 1;
}

void counting_free(void *opaque, void *ptr) {
    counting_allocator *a = opaque;
    if (ptr == NULL) {
        return;
    }
    header *h = (header *)ptr - 1;
    a->frees++;
    a->live_bytes -= h->size;
    free(h);
}
