/* SPDX-License-Identifier: MIT */
#include "operands.h"

#include "errors.h"
#include "instance.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* What napi_get_typedarray_info's type is preset to: for a typed array kind
 * its Node-API does not know (a Float16Array on some runtimes), node reports
 * napi_ok and leaves the type unwritten. */
#define UNNAMED_ARRAY ((napi_typedarray_type)0x7fff)

static const char *typedarray_name(napi_typedarray_type type) {
    switch ((int)type) { /* int: Float16Array's number is not in older headers' enum */
    case napi_int8_array: return "Int8Array";
    case napi_uint8_array: return "Uint8Array";
    case napi_uint8_clamped_array: return "Uint8ClampedArray";
    case napi_int16_array: return "Int16Array";
    case napi_uint16_array: return "Uint16Array";
    case napi_int32_array: return "Int32Array";
    case napi_uint32_array: return "Uint32Array";
    case napi_float32_array: return "Float32Array";
    case napi_float64_array: return "Float64Array";
    case napi_bigint64_array: return "BigInt64Array";
    case napi_biguint64_array: return "BigUint64Array";
    case CRELU_NODE_FLOAT16_ARRAY: return "Float16Array";
    default: return "a typed array this Node-API does not name";
    }
}

/* A short description of what a value is, for "got ..." in messages. */
static const char *describe(napi_env env, napi_value value) {
    napi_valuetype kind;
    if (napi_typeof(env, value, &kind) != napi_ok) {
        return "an unknown value";
    }
    switch (kind) {
    case napi_undefined: return "undefined";
    case napi_null: return "null";
    case napi_boolean: return "a boolean";
    case napi_number: return "a number";
    case napi_string: return "a string";
    case napi_symbol: return "a symbol";
    case napi_bigint: return "a bigint";
    case napi_function: return "a function";
    default: break;
    }
    bool is = false;
    if (napi_is_typedarray(env, value, &is) == napi_ok && is) {
        napi_typedarray_type type = UNNAMED_ARRAY;
        size_t length;
        if (napi_get_typedarray_info(env, value, &type, &length, NULL, NULL, NULL) == napi_ok) {
            return typedarray_name(type);
        }
    }
    if (napi_is_dataview(env, value, &is) == napi_ok && is) {
        return "a DataView";
    }
    if (napi_is_arraybuffer(env, value, &is) == napi_ok && is) {
        return "an ArrayBuffer";
    }
    return "an object";
}

static size_t element_size(napi_typedarray_type type) {
    switch (type) {
    case napi_float32_array: return sizeof(float);
    case napi_float64_array: return sizeof(double);
    default: return sizeof(uint16_t); /* Uint16Array, Float16Array */
    }
}

static bool is_operand_type(napi_typedarray_type type) {
    return type == napi_float32_array || type == napi_float64_array ||
           type == napi_uint16_array || type == CRELU_NODE_FLOAT16_ARRAY;
}

bool crelu_node__operands_dtype(napi_env env, const char *where, const char *name,
                                const char *how, napi_typedarray_type type,
                                crelu_node_half half, crelu_node_dtype *dtype) {
    switch ((int)type) {
    case napi_float32_array: *dtype = CRELU_NODE_F32; return true;
    case napi_float64_array: *dtype = CRELU_NODE_F64; return true;
    case CRELU_NODE_FLOAT16_ARRAY: *dtype = CRELU_NODE_F16; return true;
    default: break;
    }
    if (half == CRELU_NODE_HALF_NONE) {
        return crelu_node__throw(env, CRELU_NODE_TYPE_ERROR, "CRELU_ERR_INVALID_TYPE",
                                 "%s: %s is a Uint16Array, which may hold bfloat16 or float16 "
                                 "bits: say which, %s { dtype: 'bf16' } or { dtype: 'f16' }",
                                 where, name, how);
    }
    *dtype = half == CRELU_NODE_HALF_BF16 ? CRELU_NODE_BF16 : CRELU_NODE_F16;
    return true;
}

/* Throws the RangeError for a result that could not be made, carrying the
 * engine's reason: the exception its constructor threw, cleared here. */
static bool throw_allocation_failure(napi_env env, const char *where,
                                     napi_typedarray_type type, size_t length) {
    char reason[128] = "out of memory";
    bool pending = false;
    napi_value exception, message;
    napi_valuetype kind;
    /* The engine's own RangeError: `message` is an own data property, read
     * without running JS. */
    if (napi_is_exception_pending(env, &pending) == napi_ok && pending &&
        napi_get_and_clear_last_exception(env, &exception) == napi_ok &&
        napi_typeof(env, exception, &kind) == napi_ok && kind == napi_object &&
        napi_get_named_property(env, exception, "message", &message) == napi_ok &&
        napi_typeof(env, message, &kind) == napi_ok && kind == napi_string) {
        (void)napi_get_value_string_utf8(env, message, reason, sizeof reason, NULL);
    }
    return crelu_node__throw(env, CRELU_NODE_RANGE_ERROR, "CRELU_ERR_OUT_OF_MEMORY",
                             "%s: cannot allocate a %s of %zu elements for the result (%s)",
                             where, typedarray_name(type), length, reason);
}

/* A new zeroed `type` array of `length` elements, the result of `where`,
 * and its data pointer if `data` is not NULL. Made by the engine's own
 * constructor (kept at load, instance.h), which throws when memory runs
 * out, where napi_create_arraybuffer would abort the process. A count whose
 * byte size breaks the C rules (n * size must fit a ptrdiff_t) is refused
 * before anything is asked for. */
static bool new_typedarray(napi_env env, const char *where, napi_typedarray_type type,
                           size_t length, napi_value *array, void **data) {
    size_t element = element_size(type);
    if (length > (size_t)PTRDIFF_MAX / element) {
        return crelu_node__throw(env, CRELU_NODE_RANGE_ERROR, "CRELU_ERR_OVERFLOW",
                                 "%s: %zu elements of %zu bytes overflow the address space",
                                 where, length, element);
    }
    crelu_node_instance *instance;
    napi_value constructor, count;
    CRELU_NAPI_CALL(env, napi_get_instance_data(env, (void **)&instance), false);
    napi_ref kept = type == napi_float32_array   ? instance->float32_array
                    : type == napi_float64_array ? instance->float64_array
                    : type == napi_uint16_array  ? instance->uint16_array
                                                 : instance->float16_array;
    if (kept == NULL) {
        /* A Float16Array operand where there was no global Float16Array at load. */
        return crelu_node__throw(env, CRELU_NODE_TYPE_ERROR, "CRELU_ERR_INVALID_TYPE",
                                 "%s: cannot make a %s for the result: there was no global %s "
                                 "when crelu loaded; pass out",
                                 where, typedarray_name(type), typedarray_name(type));
    }
    CRELU_NAPI_CALL(env, napi_get_reference_value(env, kept, &constructor), false);
    CRELU_NAPI_CALL(env, napi_create_double(env, (double)length, &count), false);
    if (napi_new_instance(env, constructor, 1, &count, array) != napi_ok) {
        return throw_allocation_failure(env, where, type, length);
    }
    if (data != NULL) {
        CRELU_NAPI_CALL(env, napi_get_typedarray_info(env, *array, NULL, NULL, data, NULL, NULL),
                        false);
    }
    return true;
}

/* Reads a plain array's first `length` elements, each once in index order,
 * into *elements (malloc'd; the caller frees it, on failure too). The copy
 * grows as numbers arrive instead of being sized by `length` first: a
 * length says nothing of a sparse array's data (2^32 - 1 holes take no
 * memory), so its first hole is reported before much is allocated. Index
 * getters may run; they cannot reach this buffer. */
static bool read_numbers(napi_env env, napi_value array, uint32_t length, const char *where,
                         const char *name, double **elements) {
    size_t capacity = 0;
    for (uint32_t i = 0; i < length; i++) {
        if (i == capacity) {
            /* Doubling, from 1024, up to length (never past: 2 * capacity
             * could wrap a 32-bit size_t). */
            size_t grown = capacity == 0 ? 1024 : capacity > length / 2 ? length : 2 * capacity;
            grown = grown < length ? grown : length;
            if (grown > (size_t)PTRDIFF_MAX / sizeof **elements) {
                return crelu_node__throw(env, CRELU_NODE_RANGE_ERROR, "CRELU_ERR_OVERFLOW",
                                         "%s: %s has %u elements, more than the address space "
                                         "holds as float64",
                                         where, name, length);
            }
            double *more = realloc(*elements, grown * sizeof **elements);
            if (more == NULL) {
                return crelu_node__throw(env, CRELU_NODE_RANGE_ERROR, "CRELU_ERR_OUT_OF_MEMORY",
                                         "%s: cannot allocate a copy of %s's %u elements", where,
                                         name, length);
            }
            *elements = more;
            capacity = grown;
        }
        napi_value element;
        CRELU_NAPI_CALL(env, napi_get_element(env, array, i, &element), false);
        napi_valuetype kind;
        CRELU_NAPI_CALL(env, napi_typeof(env, element, &kind), false);
        if (kind != napi_number) {
            /* No coercion: "1" or an object with valueOf is a mistake, not data. */
            return crelu_node__throw(env, CRELU_NODE_TYPE_ERROR, "CRELU_ERR_INVALID_TYPE",
                                     "%s: %s[%u] must be a number; got %s", where, name, i,
                                     describe(env, element));
        }
        CRELU_NAPI_CALL(env, napi_get_value_double(env, element, &(*elements)[i]), false);
    }
    return true;
}

/* Copies a plain array of numbers into a new Float64Array. */
static bool copy_plain_array(napi_env env, napi_value array, const char *where,
                             const char *name, crelu_node_operands *operands) {
    uint32_t length;
    CRELU_NAPI_CALL(env, napi_get_array_length(env, array, &length), false);
    double *elements = NULL;
    void *data;
    bool ok = read_numbers(env, array, length, where, name, &elements) &&
              new_typedarray(env, where, napi_float64_array, length, &operands->input, &data);
    if (ok && length > 0) {
        memcpy(data, elements, (size_t)length * sizeof *elements);
    }
    free(elements);
    if (!ok) {
        return false;
    }
    operands->type = napi_float64_array;
    operands->length = length;
    operands->result = operands->input; /* a private copy: safe to write in place */
    return true;
}

/* Whether `view` lies within its buffer: %TypedArray%.prototype.at (kept
 * at load) throws for a view a resizable buffer shrank below, and runs no
 * user code. */
static bool view_in_bounds(napi_env env, napi_value view, bool *in_bounds) {
    crelu_node_instance *instance;
    napi_value at, index, ignored;
    *in_bounds = true;
    CRELU_NAPI_CALL(env, napi_get_instance_data(env, (void **)&instance), false);
    if (instance->typed_array_at == NULL) {
        return true; /* a runtime without `at` has no resizable buffers either */
    }
    CRELU_NAPI_CALL(env, napi_get_reference_value(env, instance->typed_array_at, &at), false);
    CRELU_NAPI_CALL(env, napi_create_uint32(env, 0, &index), false);
    if (napi_call_function(env, view, at, 1, &index, &ignored) != napi_ok) {
        napi_value exception;
        CRELU_NAPI_CALL(env, napi_get_and_clear_last_exception(env, &exception), false);
        *in_bounds = false;
    }
    return true;
}

/* Refuses a typed array operand that reads as empty because no call can
 * use it: its buffer was detached (transferred), or it is a view that its
 * resizable buffer shrank below (also read as length 0). Either would
 * otherwise pass as an empty array and give an empty result. Only empty
 * views pay for the check: a non-empty one is neither. */
static bool check_usable(napi_env env, napi_value view, size_t length, const char *where,
                         const char *name) {
    if (length != 0) {
        return true;
    }
    napi_value buffer;
    bool detached, in_bounds;
    CRELU_NAPI_CALL(env, napi_get_typedarray_info(env, view, NULL, NULL, NULL, &buffer, NULL),
                    false);
    CRELU_NAPI_CALL(env, napi_is_detached_arraybuffer(env, buffer, &detached), false);
    if (detached) {
        return crelu_node__throw(env, CRELU_NODE_TYPE_ERROR, "CRELU_ERR_DETACHED",
                                 "%s: %s's ArrayBuffer is detached (transferred); it has no "
                                 "elements to use",
                                 where, name);
    }
    if (!view_in_bounds(env, view, &in_bounds)) {
        return false;
    }
    if (!in_bounds) {
        return crelu_node__throw(env, CRELU_NODE_TYPE_ERROR, "CRELU_ERR_DETACHED",
                                 "%s: %s is out of bounds of its ArrayBuffer, which was resized "
                                 "smaller than the view",
                                 where, name);
    }
    return true;
}

static bool check_out(napi_env env, napi_value out, const char *where, const char *name,
                      crelu_node_operands *operands) {
    const char *wanted = typedarray_name(operands->type);
    bool is_typedarray;
    CRELU_NAPI_CALL(env, napi_is_typedarray(env, out, &is_typedarray), false);
    if (!is_typedarray) {
        return crelu_node__throw(env, CRELU_NODE_TYPE_ERROR, "CRELU_ERR_INVALID_TYPE",
                                 "%s: out must be a %s (like %s's result); got %s", where,
                                 wanted, name, describe(env, out));
    }
    napi_typedarray_type type = UNNAMED_ARRAY;
    size_t length;
    CRELU_NAPI_CALL(env, napi_get_typedarray_info(env, out, &type, &length, NULL, NULL, NULL),
                    false);
    if (type != operands->type) {
        return crelu_node__throw(env, CRELU_NODE_TYPE_ERROR, "CRELU_ERR_INVALID_TYPE",
                                 "%s: out must be a %s (like %s's result); got %s", where,
                                 wanted, name, typedarray_name(type));
    }
    if (!check_usable(env, out, length, where, "out")) {
        return false;
    }
    if (length != operands->length) {
        return crelu_node__throw(env, CRELU_NODE_RANGE_ERROR, "CRELU_ERR_SIZE_MISMATCH",
                                 "%s: out has %zu elements but %s has %zu", where, length, name,
                                 operands->length);
    }
    operands->result = out;
    return true;
}

bool crelu_node__operands_from_args(napi_env env, napi_value input, napi_value out,
                                    const char *where, const char *input_name,
                                    crelu_node_operands *operands) {
    bool is_typedarray, is_array;
    CRELU_NAPI_CALL(env, napi_is_typedarray(env, input, &is_typedarray), false);
    CRELU_NAPI_CALL(env, napi_is_array(env, input, &is_array), false);
    if (is_typedarray) {
        operands->type = UNNAMED_ARRAY;
        CRELU_NAPI_CALL(env, napi_get_typedarray_info(env, input, &operands->type,
                                                      &operands->length, NULL, NULL, NULL),
                        false);
        if (!is_operand_type(operands->type)) {
            return crelu_node__throw(env, CRELU_NODE_TYPE_ERROR, "CRELU_ERR_INVALID_TYPE",
                                     "%s: %s must be a Float32Array, a Float64Array, a "
                                     "Uint16Array or a Float16Array; got %s",
                                     where, input_name, typedarray_name(operands->type));
        }
        if (!check_usable(env, input, operands->length, where, input_name)) {
            return false;
        }
        operands->input = input;
        operands->result = NULL;
    } else if (is_array) {
        if (!copy_plain_array(env, input, where, input_name, operands)) {
            return false;
        }
    } else {
        return crelu_node__throw(env, CRELU_NODE_TYPE_ERROR, "CRELU_ERR_INVALID_TYPE",
                                 "%s: %s must be a Float32Array, a Float64Array, a Uint16Array, "
                                 "a Float16Array or an array of numbers; got %s",
                                 where, input_name, describe(env, input));
    }

    napi_valuetype out_kind;
    CRELU_NAPI_CALL(env, napi_typeof(env, out, &out_kind), false);
    if (out_kind != napi_undefined) {
        return check_out(env, out, where, input_name, operands);
    }
    if (operands->result == NULL) {
        return new_typedarray(env, where, operands->type, operands->length, &operands->result,
                              NULL);
    }
    return true;
}

crelu_node_typed crelu_node__operands_allocate(napi_env env, const char *where, napi_value out,
                                               crelu_node_operands *operands,
                                               const void **input_data, void **result_data) {
    napi_valuetype out_kind;
    if (napi_typeof(env, out, &out_kind) != napi_ok || out_kind != napi_undefined) {
        return CRELU_NODE_TYPED_DECLINED;
    }
    if (!new_typedarray(env, where, operands->type, operands->length, &operands->result,
                        result_data)) {
        return CRELU_NODE_TYPED_FAILED;
    }
    /* Allocating may collect garbage: fetch x's pointer after it rather
     * than reason about which typed arrays V8 may move. */
    void *input_pointer;
    CRELU_NAPI_CALL(env, napi_get_buffer_info(env, operands->input, &input_pointer, NULL),
                    CRELU_NODE_TYPED_FAILED);
    *input_data = input_pointer;
    return CRELU_NODE_TYPED_READY;
}

bool crelu_node__operands_data(napi_env env, const char *where,
                               const crelu_node_operands *operands, const void **input,
                               void **result) {
    /* The lengths are checked again although no JS runs between the checks
     * and here today: a detached or shrunk buffer reads shorter, and if the
     * order of conversions ever changes, a stale length must not reach C. */
    napi_typedarray_type type;
    size_t input_length, result_length;
    void *input_data;
    CRELU_NAPI_CALL(env, napi_get_typedarray_info(env, operands->input, &type, &input_length,
                                                  &input_data, NULL, NULL),
                    false);
    CRELU_NAPI_CALL(env, napi_get_typedarray_info(env, operands->result, &type, &result_length,
                                                  result, NULL, NULL),
                    false);
    if (input_length != operands->length || result_length != operands->length) {
        return crelu_node__throw(env, CRELU_NODE_TYPE_ERROR, "CRELU_ERR_DETACHED",
                                 "%s: an operand's ArrayBuffer was detached or resized during "
                                 "the call",
                                 where);
    }
    *input = input_data;
    return true;
}
