/* Argument checks shared by the context and the stateless entry points. */
#include <stdint.h>

#include "crelu_internal.h"

int crelu__overlap_partially(const void *a, const void *b, size_t bytes) {
    /* Compared as integers: relational operators on pointers into different
     * objects are undefined in C. */
    uintptr_t pa = (uintptr_t)a;
    uintptr_t pb = (uintptr_t)b;
    if (pa == pb) {
        return 0;
    }
    return pa < pb ? pb - pa < bytes : pa - pb < bytes;
}

int crelu__check_buffers(const void *in, const void *out, size_t n, size_t elem_size) {
    if (in == NULL || out == NULL) {
        return CRELU_ERR_INVALID_ARGUMENT;
    }
    if (n > SIZE_MAX / elem_size) {
        return CRELU_ERR_OVERFLOW;
    }
    if (crelu__overlap_partially(in, out, n * elem_size)) {
        return CRELU_ERR_INVALID_ARGUMENT;
    }
    return CRELU_OK;
}
