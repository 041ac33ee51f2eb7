/* The arrays one call works on: the input (x or d), and the typed array the
 * result goes into and is returned as.
 *
 * Typed arrays are used in place (zero copy, byteOffset honoured). A plain
 * array of numbers is copied once into a new Float64Array. Data pointers are
 * fetched only by crelu_node__operands_data(), right before the C call:
 * converting a plain array runs JS (index getters), which could detach a
 * buffer or close the object, so nothing may be cached across it. */
#ifndef CRELU_NODE_OPERANDS_H
#define CRELU_NODE_OPERANDS_H

#include "napi.h"

#include <stddef.h>

typedef struct crelu_node_operands {
    napi_typedarray_type type; /* napi_float32_array or napi_float64_array */
    size_t length;             /* elements */
    napi_value input;          /* the caller's typed array, or a copy of its plain array */
    napi_value result;         /* `out`, a new typed array, or the copy (written in place) */
} crelu_node_operands;

/* Checks and converts `input` and the optional `out` (undefined = allocate)
 * of function `where` (for messages); `input_name` is "x" or "d". May run
 * JS. Returns false with a JS exception pending on bad input. */
bool crelu_node__operands_from_args(napi_env env, napi_value input, napi_value out,
                                    const char *where, const char *input_name,
                                    crelu_node_operands *operands);

/* The element pointers of an operands' input and result. Runs no JS. */
bool crelu_node__operands_data(napi_env env, const crelu_node_operands *operands,
                               const void **input, void **result);

#endif /* CRELU_NODE_OPERANDS_H */
