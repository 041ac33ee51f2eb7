#include "operands.h"

#include "errors.h"

static const char *typedarray_name(napi_typedarray_type type) {
    switch (type) {
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
    default: return "typed array";
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
        napi_typedarray_type type;
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

static bool new_typedarray(napi_env env, napi_typedarray_type type, size_t length,
                           napi_value *array, void **data) {
    size_t element = type == napi_float32_array ? sizeof(float) : sizeof(double);
    napi_value buffer;
    CRELU_NAPI_CALL(env, napi_create_arraybuffer(env, length * element, data, &buffer), false);
    CRELU_NAPI_CALL(env, napi_create_typedarray(env, type, length, buffer, 0, array), false);
    return true;
}

/* Copies a plain array of numbers into a new Float64Array. Index getters
 * may run, but no JS can reach the new buffer, so `data` stays valid. */
static bool copy_plain_array(napi_env env, napi_value array, const char *where,
                             const char *name, crelu_node_operands *operands) {
    uint32_t length;
    CRELU_NAPI_CALL(env, napi_get_array_length(env, array, &length), false);
    void *data;
    if (!new_typedarray(env, napi_float64_array, length, &operands->input, &data)) {
        return false;
    }
    double *elements = data;
    for (uint32_t i = 0; i < length; i++) {
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
        CRELU_NAPI_CALL(env, napi_get_value_double(env, element, &elements[i]), false);
    }
    operands->type = napi_float64_array;
    operands->length = length;
    operands->result = operands->input; /* a private copy: safe to write in place */
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
    napi_typedarray_type type;
    size_t length;
    CRELU_NAPI_CALL(env, napi_get_typedarray_info(env, out, &type, &length, NULL, NULL, NULL),
                    false);
    if (type != operands->type) {
        return crelu_node__throw(env, CRELU_NODE_TYPE_ERROR, "CRELU_ERR_INVALID_TYPE",
                                 "%s: out must be a %s (like %s's result); got %s", where,
                                 wanted, name, typedarray_name(type));
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
        CRELU_NAPI_CALL(env, napi_get_typedarray_info(env, input, &operands->type,
                                                      &operands->length, NULL, NULL, NULL),
                        false);
        if (operands->type != napi_float32_array && operands->type != napi_float64_array) {
            return crelu_node__throw(env, CRELU_NODE_TYPE_ERROR, "CRELU_ERR_INVALID_TYPE",
                                     "%s: %s must be a Float32Array or a Float64Array; got %s",
                                     where, input_name, typedarray_name(operands->type));
        }
        operands->input = input;
        operands->result = NULL;
    } else if (is_array) {
        if (!copy_plain_array(env, input, where, input_name, operands)) {
            return false;
        }
    } else {
        return crelu_node__throw(env, CRELU_NODE_TYPE_ERROR, "CRELU_ERR_INVALID_TYPE",
                                 "%s: %s must be a Float32Array, a Float64Array or an array of "
                                 "numbers; got %s",
                                 where, input_name, describe(env, input));
    }

    napi_valuetype out_kind;
    CRELU_NAPI_CALL(env, napi_typeof(env, out, &out_kind), false);
    if (out_kind != napi_undefined) {
        return check_out(env, out, where, input_name, operands);
    }
    if (operands->result == NULL) {
        void *unused;
        return new_typedarray(env, operands->type, operands->length, &operands->result, &unused);
    }
    return true;
}

crelu_node_typed crelu_node__operands_typed(napi_env env, napi_typedarray_type type,
                                            napi_value input, napi_value out,
                                            crelu_node_operands *operands,
                                            const void **input_data, void **result_data) {
    /* napi_get_buffer_info takes any typed array and, unlike
     * napi_get_typedarray_info, does not test the value against each of
     * the eleven typed array kinds in turn: that test is the slow part. A
     * failed call throws nothing. */
    size_t element = type == napi_float32_array ? sizeof(float) : sizeof(double);
    void *input_pointer;
    size_t input_bytes, out_bytes;
    if (napi_get_buffer_info(env, input, &input_pointer, &input_bytes) != napi_ok) {
        return CRELU_NODE_TYPED_DECLINED;
    }
    operands->type = type;
    operands->length = input_bytes / element;
    operands->input = input;
    if (napi_get_buffer_info(env, out, result_data, &out_bytes) == napi_ok) {
        if (out_bytes != input_bytes) {
            return CRELU_NODE_TYPED_DECLINED;
        }
        operands->result = out;
        *input_data = input_pointer;
        return CRELU_NODE_TYPED_READY;
    }
    napi_valuetype out_kind;
    if (napi_typeof(env, out, &out_kind) != napi_ok || out_kind != napi_undefined) {
        return CRELU_NODE_TYPED_DECLINED;
    }
    if (!new_typedarray(env, type, operands->length, &operands->result, result_data)) {
        return CRELU_NODE_TYPED_FAILED;
    }
    /* Allocating may collect garbage: fetch x's pointer after it rather
     * than reason about which typed arrays V8 may move. */
    CRELU_NAPI_CALL(env, napi_get_buffer_info(env, input, &input_pointer, NULL),
                    CRELU_NODE_TYPED_FAILED);
    *input_data = input_pointer;
    return CRELU_NODE_TYPED_READY;
}

bool crelu_node__operands_data(napi_env env, const crelu_node_operands *operands,
                               const void **input, void **result) {
    /* The lengths are checked again although no JS runs between the checks
     * and here today: a detached buffer reads as length 0, and if the order
     * of conversions ever changes, a stale length must not reach C. */
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
        return crelu_node__throw(env, CRELU_NODE_ERROR, "CRELU_ERR_DETACHED",
                                 "an array's buffer was detached during the call");
    }
    *input = input_data;
    return true;
}
