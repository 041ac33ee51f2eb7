/* SPDX-License-Identifier: MIT */
/* The module: exports { ReLU, relu, version, isa }, and `internal` (the fast
 * entry points index.js dispatches to). Context-aware (NAPI_MODULE_INIT
 * with per-instance data, no mutable statics), so every worker thread that
 * requires it gets its own class. */
#include "errors.h"
#include "instance.h"
#include "operands.h"
#include "relu_class.h"

#include <crelu.h>
#include <stdlib.h>

static void free_instance(napi_env env, void *data, void *hint) {
    (void)hint;
    crelu_node_instance *instance = data;
    napi_ref refs[] = {instance->relu_class,    instance->slot_keeper,
                       instance->float32_array, instance->float64_array,
                       instance->uint16_array,  instance->float16_array,
                       instance->typed_array_at};
    for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++) {
        if (refs[i] != NULL) {
            (void)napi_delete_reference(env, refs[i]);
        }
    }
    crelu_node__slots_release(instance->slots); /* objects still alive keep it */
    free(instance);
}

/* The stateless ReLU of `dtype`. */
static int call_relu(crelu_node_dtype dtype, const void *input, void *result, size_t n) {
    switch (dtype) {
    case CRELU_NODE_F32: return crelu_relu_f32(input, result, n);
    case CRELU_NODE_F64: return crelu_relu_f64(input, result, n);
    case CRELU_NODE_BF16: return crelu_relu_bf16(input, result, n);
    default: return crelu_relu_f16(input, result, n);
    }
}

/* relu(x, out?, options?): plain ReLU with the default options, no
 * context; options.dtype says how a Uint16Array is read. */
static napi_value relu_stateless(napi_env env, napi_callback_info info) {
    size_t argc = 3;
    napi_value args[3];
    /* Arguments not passed read as undefined. */
    CRELU_NAPI_CALL(env, napi_get_cb_info(env, info, &argc, args, NULL, NULL), NULL);
    crelu_node_half half;
    crelu_node_operands operands;
    crelu_node_dtype dtype;
    const void *input;
    void *result;
    /* Options first: their getters run before any data pointer is taken. */
    if (!crelu_node__relu_options(env, args[2], &half) ||
        !crelu_node__operands_from_args(env, args[0], args[1], "relu", "x", &operands) ||
        !crelu_node__operands_dtype(env, "relu", "x", "as relu(x, out, options) with options",
                                    operands.type, half, &dtype) ||
        !crelu_node__operands_data(env, "relu", &operands, &input, &result)) {
        return NULL;
    }
    int status = call_relu(dtype, input, result, operands.length);
    if (status != CRELU_OK) {
        crelu_node__throw_status(env, status, "relu");
        return NULL;
    }
    return operands.result;
}

/* index.js's fast relu(x, out?), once it has found x, and out unless
 * undefined, to be `type` arrays (Float32Array, Float64Array or
 * Float16Array: a Uint16Array needs options, read by the checked path). Operands crelu_node__operands_typed
 * declines give undefined with nothing thrown, and index.js calls the
 * checked relu, which raises the usual error. Runs no JS. */
static napi_value relu_typed(napi_env env, napi_callback_info info, napi_typedarray_type type) {
    size_t argc = 2;
    napi_value args[2];
    CRELU_NAPI_CALL(env, napi_get_cb_info(env, info, &argc, args, NULL, NULL), NULL);
    crelu_node_operands operands;
    const void *input = NULL;
    void *result = NULL;
    switch (crelu_node__operands_typed(env, "relu", type, args[0], args[1], &operands, &input,
                                       &result)) {
    case CRELU_NODE_TYPED_READY:
        break;
    case CRELU_NODE_TYPED_FAILED:
    case CRELU_NODE_TYPED_DECLINED:
        return NULL;
    }
    int status = call_relu(type == napi_float32_array   ? CRELU_NODE_F32
                           : type == napi_float64_array ? CRELU_NODE_F64
                                                        : CRELU_NODE_F16,
                           input, result, operands.length);
    if (status != CRELU_OK) {
        crelu_node__throw_status(env, status, "relu");
        return NULL;
    }
    return operands.result;
}

static napi_value relu_float32(napi_env env, napi_callback_info info) {
    return relu_typed(env, info, napi_float32_array);
}

static napi_value relu_float64(napi_env env, napi_callback_info info) {
    return relu_typed(env, info, napi_float64_array);
}

static napi_value relu_float16(napi_env env, napi_callback_info info) {
    return relu_typed(env, info, CRELU_NODE_FLOAT16_ARRAY);
}

/* Keeps global[name], and the `at` of its prototype's prototype when
 * `at` is not NULL (see instance.h). Leaves *constructor NULL when there is
 * no such global function (Float16Array before Node 24 or so). */
static bool keep_intrinsics(napi_env env, const char *name, napi_ref *constructor,
                            napi_ref *at) {
    napi_value global, value, prototype, typed_array_prototype, function;
    napi_valuetype kind;
    CRELU_NAPI_CALL(env, napi_get_global(env, &global), false);
    CRELU_NAPI_CALL(env, napi_get_named_property(env, global, name, &value), false);
    CRELU_NAPI_CALL(env, napi_typeof(env, value, &kind), false);
    if (kind != napi_function) {
        return true;
    }
    CRELU_NAPI_CALL(env, napi_create_reference(env, value, 1, constructor), false);
    if (at == NULL) {
        return true;
    }
    CRELU_NAPI_CALL(env, napi_get_named_property(env, value, "prototype", &prototype), false);
    CRELU_NAPI_CALL(env, napi_get_prototype(env, prototype, &typed_array_prototype), false);
    CRELU_NAPI_CALL(env, napi_get_named_property(env, typed_array_prototype, "at", &function),
                    false);
    CRELU_NAPI_CALL(env, napi_typeof(env, function, &kind), false);
    if (kind == napi_function) {
        CRELU_NAPI_CALL(env, napi_create_reference(env, function, 1, at), false);
    }
    return true;
}

static bool check_library_version(napi_env env) {
    /* The addon was compiled against one header; a libcrelu.so.1 of another
     * major version loaded at run time would not keep its promises. */
    int loaded = crelu_version_number();
    if (loaded / 10000 != CRELU_VERSION_MAJOR) {
        return crelu_node__throw(env, CRELU_NODE_ERROR, "CRELU_ERR_VERSION",
                                 "crelu: loaded libcrelu %s, but the addon was built for "
                                 "version %d.x",
                                 crelu_version_string(), CRELU_VERSION_MAJOR);
    }
    return true;
}

/* node_api.h's NAPI_MODULE_INIT also defines the module's API-version
 * function without a prototype, which clang's -Wmissing-prototypes flags. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-prototypes"
NAPI_MODULE_INIT() {
    if (!check_library_version(env)) {
        return NULL;
    }
    crelu_node_instance *instance = calloc(1, sizeof *instance);
    if (instance != NULL && (instance->slots = crelu_node__slots_create()) == NULL) {
        free(instance);
        instance = NULL;
    }
    if (instance == NULL) {
        crelu_node__throw_status(env, CRELU_ERR_OUT_OF_MEMORY, "crelu");
        return NULL;
    }
    if (napi_set_instance_data(env, instance, free_instance, NULL) != napi_ok) {
        free_instance(env, instance, NULL);
        crelu_node__throw_napi_failure(env, "napi_set_instance_data");
        return NULL;
    }
    /* From here on Node-API frees `instance` with the environment. */

    if (!keep_intrinsics(env, "Float32Array", &instance->float32_array,
                         &instance->typed_array_at) ||
        !keep_intrinsics(env, "Float64Array", &instance->float64_array, NULL) ||
        !keep_intrinsics(env, "Uint16Array", &instance->uint16_array, NULL) ||
        !keep_intrinsics(env, "Float16Array", &instance->float16_array, NULL)) {
        return NULL;
    }
    napi_value relu_class, relu_function, version, isa, internal, float32, float64, float16;
    CRELU_NAPI_CALL(env, napi_create_object(env, &internal), NULL);
    if (!crelu_node__define_relu_class(env, instance, internal, &relu_class)) {
        return NULL;
    }
    CRELU_NAPI_CALL(env, napi_create_reference(env, relu_class, 1, &instance->relu_class), NULL);
    CRELU_NAPI_CALL(env, napi_create_function(env, "relu", NAPI_AUTO_LENGTH, relu_stateless,
                                              NULL, &relu_function),
                    NULL);
    CRELU_NAPI_CALL(env, napi_create_function(env, "reluFloat32", NAPI_AUTO_LENGTH, relu_float32,
                                              NULL, &float32),
                    NULL);
    CRELU_NAPI_CALL(env, napi_create_function(env, "reluFloat64", NAPI_AUTO_LENGTH, relu_float64,
                                              NULL, &float64),
                    NULL);
    CRELU_NAPI_CALL(env, napi_set_named_property(env, internal, "reluFloat32", float32), NULL);
    CRELU_NAPI_CALL(env, napi_set_named_property(env, internal, "reluFloat64", float64), NULL);
    CRELU_NAPI_CALL(env, napi_create_function(env, "reluFloat16", NAPI_AUTO_LENGTH, relu_float16,
                                              NULL, &float16),
                    NULL);
    CRELU_NAPI_CALL(env, napi_set_named_property(env, internal, "reluFloat16", float16), NULL);
    CRELU_NAPI_CALL(env, napi_create_string_utf8(env, crelu_version_string(), NAPI_AUTO_LENGTH,
                                                 &version),
                    NULL);
    CRELU_NAPI_CALL(env, napi_create_string_utf8(env, crelu_isa_name(), NAPI_AUTO_LENGTH, &isa),
                    NULL);
    const napi_property_descriptor exported[] = {
        {"ReLU", NULL, NULL, NULL, NULL, relu_class, napi_enumerable, NULL},
        {"relu", NULL, NULL, NULL, NULL, relu_function, napi_enumerable, NULL},
        {"version", NULL, NULL, NULL, NULL, version, napi_enumerable, NULL},
        {"isa", NULL, NULL, NULL, NULL, isa, napi_enumerable, NULL},
        /* What index.js builds the fast paths from; it does not re-export it. */
        {"internal", NULL, NULL, NULL, NULL, internal, napi_default, NULL},
    };
    CRELU_NAPI_CALL(env,
                    napi_define_properties(env, exports, sizeof exported / sizeof exported[0],
                                           exported),
                    NULL);
    return exports;
}
#pragma GCC diagnostic pop
