/* SPDX-License-Identifier: MIT */
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
#include "options.h"

#include <stddef.h>

/* napi_float16_array, the type Node-API gives a Float16Array where it knows
 * one (Node 24.22's headers name it; Node 20's do not).
 * Enum values are ABI: the number is the same in every node that has it. */
#define CRELU_NODE_FLOAT16_ARRAY ((napi_typedarray_type)11)

/* Operand types: napi_float32_array, napi_float64_array, napi_uint16_array
 * (bfloat16 or float16 bits, as the dtype option says) and
 * CRELU_NODE_FLOAT16_ARRAY. Plain arrays become a Float64Array. */
typedef struct crelu_node_operands {
    napi_typedarray_type type; /* one of the operand types above */
    size_t length;             /* elements */
    napi_value input;          /* the caller's typed array, or a copy of its plain array */
    napi_value result;         /* `out`, a new typed array, or the copy (written in place) */
} crelu_node_operands;

/* Checks and converts `input` and the optional `out` (undefined = allocate)
 * of function `where` (for messages); `input_name` is "x" or "d". May run
 * JS. Returns false with a JS exception pending on bad input: a detached
 * buffer or a view out of bounds of a shrunk one is a TypeError (code
 * CRELU_ERR_DETACHED), never an empty array; a result or copy that cannot
 * be allocated is a RangeError (CRELU_ERR_OUT_OF_MEMORY). */
bool crelu_node__operands_from_args(napi_env env, napi_value input, napi_value out,
                                    const char *where, const char *input_name,
                                    crelu_node_operands *operands);

/* What crelu_node__operands_typed() found. */
typedef enum crelu_node_typed {
    CRELU_NODE_TYPED_READY,    /* operands and data pointers are set: make the C call */
    CRELU_NODE_TYPED_DECLINED, /* not the common case: the checked path decides */
    CRELU_NODE_TYPED_FAILED,   /* a JS exception is pending */
} crelu_node_typed;

/* What crelu_node__operands_typed() does when `out` is not a typed array:
 * makes the result when `out` is undefined (READY, or FAILED with a
 * RangeError naming `where` when it cannot be allocated), else DECLINED.
 * `operands` holds the input, its type and length. */
crelu_node_typed crelu_node__operands_allocate(napi_env env, const char *where, napi_value out,
                                               crelu_node_operands *operands,
                                               const void **input_data, void **result_data);

/* The common call, after index.js found `input` to be a `type` array
 * (one of the operand types) and `out` undefined (a new
 * array is made) or an array of the same type: one Node-API call per
 * operand instead of the checked path's dozen. Sizes are checked here, in
 * bytes, so a caller that misstates the type (only one that bypasses
 * index.js can) reinterprets bytes but never reaches outside a buffer.
 * Anything unexpected, an empty input included (it may be detached), is
 * declined without throwing: the checked path
 * (crelu_node__operands_from_args) then raises the usual error. Only a
 * result that cannot be allocated fails here (a RangeError naming `where`).
 * Runs no user JS, so the pointers stay valid until the C call.
 *
 * Inline, so that each entry point, which passes a constant `type`, gets
 * its own copy: the element size is a constant shift (out of line it was a
 * 64-bit `div` by a size known only at run time, 20 to 40 cycles), and a
 * call with `out` given runs no function of the addon's besides the entry
 * point: what is left is Node-API's own cost (the call, napi_get_cb_info,
 * napi_get_buffer_info twice; README.md, "Speed"). */
static inline crelu_node_typed crelu_node__operands_typed(napi_env env, const char *where,
                                                          napi_typedarray_type type,
                                                          napi_value input, napi_value out,
                                                          crelu_node_operands *operands,
                                                          const void **input_data,
                                                          void **result_data) {
    /* napi_get_buffer_info takes any typed array and, unlike
     * napi_get_typedarray_info, does not test the value against each of
     * the eleven typed array kinds in turn: that test is the slow part. A
     * failed call throws nothing. */
    void *input_pointer;
    size_t input_bytes, out_bytes;
    if (napi_get_buffer_info(env, input, &input_pointer, &input_bytes) != napi_ok) {
        return CRELU_NODE_TYPED_DECLINED;
    }
    /* log2 of the element size: Uint16Array and Float16Array hold 2 bytes. */
    unsigned shift = type == napi_float64_array ? 3 : type == napi_float32_array ? 2 : 1;
    operands->type = type;
    operands->length = input_bytes >> shift;
    if (operands->length == 0) {
        /* Detached, out of bounds or really empty: the checked path tells
         * them apart. */
        return CRELU_NODE_TYPED_DECLINED;
    }
    operands->input = input;
    if (napi_get_buffer_info(env, out, result_data, &out_bytes) != napi_ok) {
        return crelu_node__operands_allocate(env, where, out, operands, input_data, result_data);
    }
    if (out_bytes != input_bytes) {
        return CRELU_NODE_TYPED_DECLINED;
    }
    operands->result = out;
    *input_data = input_pointer;
    return CRELU_NODE_TYPED_READY;
}

/* The libcrelu element type a call runs on. */
typedef enum crelu_node_dtype {
    CRELU_NODE_F32,
    CRELU_NODE_F64,
    CRELU_NODE_BF16,
    CRELU_NODE_F16,
} crelu_node_dtype;

/* The dtype of operands of `type` under the dtype option `half`: a
 * Uint16Array's is the option's, and one without it is a TypeError
 * (CRELU_ERR_INVALID_TYPE) naming `where` and `name`, and saying `how` to
 * give the option: bfloat16 and float16 bits look alike, so there is no
 * guessing. Runs no JS. */
bool crelu_node__operands_dtype(napi_env env, const char *where, const char *name,
                                const char *how, napi_typedarray_type type,
                                crelu_node_half half, crelu_node_dtype *dtype);

/* The element pointers of an operands' input and result, for function
 * `where`; a TypeError if either was detached or resized since it was
 * checked. Runs no JS. */
bool crelu_node__operands_data(napi_env env, const char *where,
                               const crelu_node_operands *operands, const void **input,
                               void **result);

#endif /* CRELU_NODE_OPERANDS_H */
