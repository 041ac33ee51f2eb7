/* SPDX-License-Identifier: MIT */
/* The one place that picks which kernel implementation the library runs. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "crelu_internal.h"

const crelu__kernels *const crelu__kernel_tables[] = {
#ifdef CRELU__X86
    &crelu__kernels_avx512,
    &crelu__kernels_avx2,
    &crelu__kernels_sse2,
#endif
#ifdef CRELU__NEON
    &crelu__kernels_neon,
#endif
    &crelu__kernels_portable,
    &crelu__kernels_reference, /* named "scalar" */
    NULL,
};

_Atomic(const crelu__kernels *) crelu__kernels_picked;
static pthread_once_t picked_once = PTHREAD_ONCE_INIT;

/* The first table of `tables` (NULL-terminated, best first) that is
 * supported, but none above the one `wanted` names: CRELU_ISA can only lower
 * the choice (to compare paths, or to work around a CPU problem). An unknown
 * name is ignored. */
const crelu__kernels *crelu__pick_from(const crelu__kernels *const *tables, const char *wanted) {
    size_t first = 0;
    if (wanted != NULL) {
        for (size_t i = 0; tables[i] != NULL; i++) {
            if (strcmp(tables[i]->name, wanted) == 0) {
                first = i;
                break;
            }
        }
    }
    for (size_t i = first; tables[i] != NULL; i++) {
        if (tables[i]->supported()) {
            return tables[i];
        }
    }
    return NULL;
}

static void pick(void) {
    atomic_store_explicit(&crelu__kernels_picked,
                          crelu__pick_from(crelu__kernel_tables, getenv("CRELU_ISA")),
                          memory_order_release);
}

const crelu__kernels *crelu__pick_kernels(void) {
    pthread_once(&picked_once, pick);
    return atomic_load_explicit(&crelu__kernels_picked, memory_order_acquire);
}

const char *crelu_isa_name(void) {
    return crelu__active_kernels()->name;
}
