/* SPDX-License-Identifier: MIT */
#include "relu_class.h"

#include "errors.h"
#include "instance.h"
#include "operands.h"
#include "options.h"

#include <crelu.h>
#include <stdlib.h>

/* What napi_wrap attaches to each ReLU object. ctx is NULL once closed. */
typedef struct relu_object {
    crelu_ctx *ctx;
    crelu_node_slots *slots; /* the object's instance's table, */
    uint32_t slot;           /* and its slot there (see slots.h) */
    crelu_node_options options; /* as made, for util.inspect */
} relu_object;

/* Marks objects made by this constructor, so that a method called on any
 * other object is rejected before napi_unwrap guesses. (V8 rejects such
 * calls itself, "Illegal invocation"; this does not rely on it.) Constant,
 * so safe to share between workers. */
static const napi_type_tag relu_type_tag = {0x63f1e2d4a5b60798u, 0x1a2b3c4d5e6f7081u};

static void finalize_relu(napi_env env, void *data, void *hint) {
    (void)env;
    (void)hint;
    relu_object *object = data;
    crelu_destroy(object->ctx); /* NULL (closed) is a no-op */
    crelu_node__slots_remove(object->slots, object->slot);
    free(object);
}

/* The relu_object behind `this`; TypeError when `this` is not a ReLU. Does
 * not check for closed: close() must work on a closed object. */
static bool unwrap_this(napi_env env, napi_value self, const char *where,
                        relu_object **object) {
    napi_valuetype kind;
    bool tagged = false;
    CRELU_NAPI_CALL(env, napi_typeof(env, self, &kind), false);
    if (kind == napi_object) {
        CRELU_NAPI_CALL(env, napi_check_object_type_tag(env, self, &relu_type_tag, &tagged),
                        false);
    }
    if (!tagged) {
        return crelu_node__throw(env, CRELU_NODE_TYPE_ERROR, "CRELU_ERR_INVALID_TYPE",
                                 "%s: `this` is not a ReLU object", where);
    }
    CRELU_NAPI_CALL(env, napi_unwrap(env, self, (void **)object), false);
    return true;
}

/* The open object behind `this`: an Error (CRELU_ERR_CLOSED) once closed. */
static bool open_object(napi_env env, napi_value self, const char *where,
                        const relu_object **open) {
    relu_object *object;
    if (!unwrap_this(env, self, where, &object)) {
        return false;
    }
    if (object->ctx == NULL) {
        return crelu_node__throw(env, CRELU_NODE_ERROR, "CRELU_ERR_CLOSED",
                                 "%s: this ReLU object is closed", where);
    }
    *open = object;
    return true;
}

/* Hands the new object's slot to index.js's keeper, once it has one. */
static bool keep_slot(napi_env env, const crelu_node_instance *instance, napi_value self,
                      uint32_t slot) {
    if (instance->slot_keeper == NULL) {
        return true;
    }
    napi_value keeper, undefined, args[2];
    CRELU_NAPI_CALL(env, napi_get_reference_value(env, instance->slot_keeper, &keeper), false);
    CRELU_NAPI_CALL(env, napi_get_undefined(env, &undefined), false);
    args[0] = self;
    CRELU_NAPI_CALL(env, napi_create_uint32(env, slot, &args[1]), false);
    CRELU_NAPI_CALL(env, napi_call_function(env, undefined, keeper, 2, args, NULL), false);
    return true;
}

static napi_value relu_constructor(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value options, self, new_target;
    void *data;
    /* `options` reads as undefined when not passed. */
    CRELU_NAPI_CALL(env, napi_get_cb_info(env, info, &argc, &options, &self, &data), NULL);
    const crelu_node_instance *instance = data;
    CRELU_NAPI_CALL(env, napi_get_new_target(env, info, &new_target), NULL);
    if (new_target == NULL) {
        crelu_node__throw(env, CRELU_NODE_TYPE_ERROR, "CRELU_ERR_INVALID_TYPE",
                          "ReLU: class constructor cannot be invoked without 'new'");
        return NULL;
    }

    crelu_ctx *ctx = NULL;
    int status = crelu_create(&ctx);
    if (status != CRELU_OK) {
        crelu_node__throw_status(env, status, "new ReLU");
        return NULL;
    }
    crelu_node_options applied;
    if (!crelu_node__apply_options(env, options, ctx, &applied)) {
        crelu_destroy(ctx);
        return NULL;
    }
    relu_object *object = malloc(sizeof *object);
    if (object == NULL) {
        crelu_destroy(ctx);
        crelu_node__throw_status(env, CRELU_ERR_OUT_OF_MEMORY, "new ReLU");
        return NULL;
    }
    object->ctx = ctx;
    object->options = applied;
    object->slots = instance->slots;
    if (!crelu_node__slots_add(object->slots, object, &object->slot)) {
        crelu_destroy(ctx);
        free(object);
        crelu_node__throw_status(env, CRELU_ERR_OUT_OF_MEMORY, "new ReLU");
        return NULL;
    }
    if (napi_wrap(env, self, object, finalize_relu, NULL, NULL) != napi_ok) {
        crelu_node__throw_napi_failure(env, "napi_wrap(ReLU)");
        finalize_relu(env, object, NULL);
        return NULL;
    }
    /* From here on the finalizer owns `object`. */
    CRELU_NAPI_CALL(env, napi_type_tag_object(env, self, &relu_type_tag), NULL);
    if (!keep_slot(env, instance, self, object->slot)) {
        return NULL;
    }
    return self;
}

/* forward(x, out?) and backward(d, out?) differ only in these. */
typedef struct pass {
    const char *where;
    const char *input_name;
    int (*f32)(crelu_ctx *, const float *, float *, size_t);
    int (*f64)(crelu_ctx *, const double *, double *, size_t);
    int (*bf16)(crelu_ctx *, const uint16_t *, uint16_t *, size_t);
    int (*f16)(crelu_ctx *, const uint16_t *, uint16_t *, size_t);
} pass;

/* The pass's C call for `dtype`. */
static int call_pass(const pass *p, crelu_node_dtype dtype, crelu_ctx *ctx, const void *input,
                     void *result, size_t n) {
    switch (dtype) {
    case CRELU_NODE_F32: return p->f32(ctx, input, result, n);
    case CRELU_NODE_F64: return p->f64(ctx, input, result, n);
    case CRELU_NODE_BF16: return p->bf16(ctx, input, result, n);
    default: return p->f16(ctx, input, result, n);
    }
}

static napi_value run_pass(napi_env env, napi_callback_info info, const pass *p) {
    size_t argc = 2;
    napi_value args[2], self;
    /* Arguments not passed read as undefined. */
    CRELU_NAPI_CALL(env, napi_get_cb_info(env, info, &argc, args, &self, NULL), NULL);
    const relu_object *object = NULL;
    crelu_node_operands operands;
    crelu_node_dtype dtype;
    const void *input;
    void *result;
    /* The object is looked up again after converting: index getters of a
     * plain array could have closed it meanwhile. */
    if (!open_object(env, self, p->where, &object) ||
        !crelu_node__operands_from_args(env, args[0], args[1], p->where, p->input_name,
                                        &operands) ||
        !open_object(env, self, p->where, &object) ||
        !crelu_node__operands_dtype(env, p->where, p->input_name, "make the ReLU with",
                                    operands.type, object->options.half, &dtype) ||
        !crelu_node__operands_data(env, p->where, &operands, &input, &result)) {
        return NULL;
    }
    int status = call_pass(p, dtype, object->ctx, input, result, operands.length);
    if (status != CRELU_OK) {
        crelu_node__throw_status(env, status, p->where);
        return NULL;
    }
    return operands.result;
}

static const pass forward_pass = {"ReLU.forward",   "x",
                                  crelu_forward_f32, crelu_forward_f64,
                                  crelu_forward_bf16, crelu_forward_f16};
static const pass backward_pass = {"ReLU.backward",   "d",
                                   crelu_backward_f32, crelu_backward_f64,
                                   crelu_backward_bf16, crelu_backward_f16};

/* crelu_node__operands_dtype without the throw: false for a Uint16Array
 * without the dtype option. */
static bool slot_dtype(napi_typedarray_type type, crelu_node_half half, crelu_node_dtype *dtype) {
    switch (type) {
    case napi_float32_array: *dtype = CRELU_NODE_F32; return true;
    case napi_float64_array: *dtype = CRELU_NODE_F64; return true;
    case napi_uint16_array: break;
    default: *dtype = CRELU_NODE_F16; return true; /* Float16Array */
    }
    *dtype = half == CRELU_NODE_HALF_BF16 ? CRELU_NODE_BF16 : CRELU_NODE_F16;
    return half != CRELU_NODE_HALF_NONE;
}

/* index.js's fast entry point for a pass: (slot, x, out) once it has found
 * x, and out unless undefined, to be `type` arrays (an operand type,
 * operands.h; a Uint16Array is read as the object's dtype option says, and
 * declined without one). The object comes from
 * its slot, the operands from crelu_node__operands_typed. Anything else
 * (no live object in the slot, a closed one, operands it declines) returns
 * undefined with nothing thrown, and index.js calls the checked method,
 * which raises the usual error: errors have one source. Runs no JS. */
static napi_value run_slot_pass(napi_env env, napi_callback_info info, const pass *p,
                                napi_typedarray_type type) {
    size_t argc = 3;
    napi_value args[3];
    void *data;
    CRELU_NAPI_CALL(env, napi_get_cb_info(env, info, &argc, args, NULL, &data), NULL);
    const crelu_node_instance *instance = data;
    uint32_t slot;
    if (napi_get_value_uint32(env, args[0], &slot) != napi_ok) {
        return NULL;
    }
    const relu_object *object = crelu_node__slots_get(instance->slots, slot);
    if (object == NULL || object->ctx == NULL) {
        return NULL;
    }
    crelu_node_dtype dtype;
    if (!slot_dtype(type, object->options.half, &dtype)) {
        return NULL; /* a Uint16Array and no dtype option: the checked path says so */
    }
    crelu_node_operands operands;
    const void *input = NULL;
    void *result = NULL;
    switch (crelu_node__operands_typed(env, p->where, type, args[1], args[2], &operands, &input,
                                       &result)) {
    case CRELU_NODE_TYPED_READY:
        break;
    case CRELU_NODE_TYPED_FAILED:
    case CRELU_NODE_TYPED_DECLINED:
        return NULL;
    }
    int status = call_pass(p, dtype, object->ctx, input, result, operands.length);
    if (status != CRELU_OK) {
        crelu_node__throw_status(env, status, p->where);
        return NULL;
    }
    return operands.result;
}

static napi_value forward_float32(napi_env env, napi_callback_info info) {
    return run_slot_pass(env, info, &forward_pass, napi_float32_array);
}

static napi_value forward_float64(napi_env env, napi_callback_info info) {
    return run_slot_pass(env, info, &forward_pass, napi_float64_array);
}

static napi_value backward_float32(napi_env env, napi_callback_info info) {
    return run_slot_pass(env, info, &backward_pass, napi_float32_array);
}

static napi_value backward_float64(napi_env env, napi_callback_info info) {
    return run_slot_pass(env, info, &backward_pass, napi_float64_array);
}

static napi_value forward_uint16(napi_env env, napi_callback_info info) {
    return run_slot_pass(env, info, &forward_pass, napi_uint16_array);
}

static napi_value forward_float16(napi_env env, napi_callback_info info) {
    return run_slot_pass(env, info, &forward_pass, CRELU_NODE_FLOAT16_ARRAY);
}

static napi_value backward_uint16(napi_env env, napi_callback_info info) {
    return run_slot_pass(env, info, &backward_pass, napi_uint16_array);
}

static napi_value backward_float16(napi_env env, napi_callback_info info) {
    return run_slot_pass(env, info, &backward_pass, CRELU_NODE_FLOAT16_ARRAY);
}

/* internal.setSlotKeeper(keep): from then on each new ReLU object is passed
 * to keep(object, slot). Once only: index.js sets it as it loads. */
static napi_value set_slot_keeper(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value keeper;
    void *data;
    CRELU_NAPI_CALL(env, napi_get_cb_info(env, info, &argc, &keeper, NULL, &data), NULL);
    crelu_node_instance *instance = data;
    napi_valuetype kind;
    CRELU_NAPI_CALL(env, napi_typeof(env, keeper, &kind), NULL);
    if (kind != napi_function || instance->slot_keeper != NULL) {
        crelu_node__throw(env, CRELU_NODE_ERROR, "CRELU_ERR_INVALID_ARGUMENT",
                          "setSlotKeeper: a function, once");
        return NULL;
    }
    CRELU_NAPI_CALL(env, napi_create_reference(env, keeper, 1, &instance->slot_keeper), NULL);
    return NULL;
}

static napi_value relu_forward(napi_env env, napi_callback_info info) {
    return run_pass(env, info, &forward_pass);
}

static napi_value relu_backward(napi_env env, napi_callback_info info) {
    return run_pass(env, info, &backward_pass);
}

static napi_value relu_close(napi_env env, napi_callback_info info) {
    napi_value self;
    relu_object *object;
    CRELU_NAPI_CALL(env, napi_get_cb_info(env, info, NULL, NULL, &self, NULL), NULL);
    if (!unwrap_this(env, self, "ReLU.close", &object)) {
        return NULL;
    }
    crelu_destroy(object->ctx);
    object->ctx = NULL;
    return NULL;
}

static napi_value relu_closed(napi_env env, napi_callback_info info) {
    napi_value self, closed;
    relu_object *object;
    CRELU_NAPI_CALL(env, napi_get_cb_info(env, info, NULL, NULL, &self, NULL), NULL);
    if (!unwrap_this(env, self, "ReLU.closed", &object)) {
        return NULL;
    }
    CRELU_NAPI_CALL(env, napi_get_boolean(env, object->ctx == NULL, &closed), NULL);
    return closed;
}

/* internal.describe(relu): the options the object was made with, as
 * { save, grad, negativeSlope, maxValue, dtype (when given), closed }; what index.js's
 * util.inspect shows. TypeError for anything but a ReLU object. */
static napi_value describe(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value self, result, value;
    relu_object *object;
    CRELU_NAPI_CALL(env, napi_get_cb_info(env, info, &argc, &self, NULL, NULL), NULL);
    if (!unwrap_this(env, self, "ReLU inspect", &object)) {
        return NULL;
    }
    const crelu_node_options *o = &object->options;
    CRELU_NAPI_CALL(env, napi_create_object(env, &result), NULL);
    CRELU_NAPI_CALL(env, napi_create_string_utf8(env, o->save == CRELU_SAVE_MASK ? "mask" : "x",
                                                 NAPI_AUTO_LENGTH, &value),
                    NULL);
    CRELU_NAPI_CALL(env, napi_set_named_property(env, result, "save", value), NULL);
    CRELU_NAPI_CALL(env,
                    napi_create_string_utf8(env, o->grad == CRELU_GRAD_CS231N ? "cs231n" : "pytorch",
                                            NAPI_AUTO_LENGTH, &value),
                    NULL);
    CRELU_NAPI_CALL(env, napi_set_named_property(env, result, "grad", value), NULL);
    CRELU_NAPI_CALL(env, napi_create_double(env, o->slope, &value), NULL);
    CRELU_NAPI_CALL(env, napi_set_named_property(env, result, "negativeSlope", value), NULL);
    CRELU_NAPI_CALL(env, napi_create_double(env, o->cap, &value), NULL);
    CRELU_NAPI_CALL(env, napi_set_named_property(env, result, "maxValue", value), NULL);
    if (o->half != CRELU_NODE_HALF_NONE) {
        CRELU_NAPI_CALL(env,
                        napi_create_string_utf8(env, o->half == CRELU_NODE_HALF_BF16 ? "bf16" : "f16",
                                                NAPI_AUTO_LENGTH, &value),
                        NULL);
        CRELU_NAPI_CALL(env, napi_set_named_property(env, result, "dtype", value), NULL);
    }
    CRELU_NAPI_CALL(env, napi_get_boolean(env, object->ctx == NULL, &value), NULL);
    CRELU_NAPI_CALL(env, napi_set_named_property(env, result, "closed", value), NULL);
    return result;
}

/* Sets a function on `internal`. */
static bool internal_function(napi_env env, napi_value internal, const char *name,
                              napi_callback callback, crelu_node_instance *instance) {
    napi_value function;
    CRELU_NAPI_CALL(env, napi_create_function(env, name, NAPI_AUTO_LENGTH, callback, instance,
                                              &function),
                    false);
    CRELU_NAPI_CALL(env, napi_set_named_property(env, internal, name, function), false);
    return true;
}

bool crelu_node__define_relu_class(napi_env env, crelu_node_instance *instance,
                                   napi_value internal, napi_value *constructor) {
    const napi_property_descriptor properties[] = {
        {"forward", NULL, relu_forward, NULL, NULL, NULL, napi_default_method, NULL},
        {"backward", NULL, relu_backward, NULL, NULL, NULL, napi_default_method, NULL},
        {"close", NULL, relu_close, NULL, NULL, NULL, napi_default_method, NULL},
        {"closed", NULL, NULL, relu_closed, NULL, NULL, napi_configurable, NULL},
    };
    CRELU_NAPI_CALL(env,
                    napi_define_class(env, "ReLU", NAPI_AUTO_LENGTH, relu_constructor, instance,
                                      sizeof properties / sizeof properties[0], properties,
                                      constructor),
                    false);
    return internal_function(env, internal, "forwardFloat32", forward_float32, instance) &&
           internal_function(env, internal, "forwardFloat64", forward_float64, instance) &&
           internal_function(env, internal, "backwardFloat32", backward_float32, instance) &&
           internal_function(env, internal, "backwardFloat64", backward_float64, instance) &&
           internal_function(env, internal, "forwardUint16", forward_uint16, instance) &&
           internal_function(env, internal, "forwardFloat16", forward_float16, instance) &&
           internal_function(env, internal, "backwardUint16", backward_uint16, instance) &&
           internal_function(env, internal, "backwardFloat16", backward_float16, instance) &&
           internal_function(env, internal, "setSlotKeeper", set_slot_keeper, instance) &&
           internal_function(env, internal, "describe", describe, instance);
}
