#include "relu_class.h"

#include "errors.h"
#include "operands.h"
#include "options.h"

#include <crelu.h>
#include <stdlib.h>

/* What napi_wrap attaches to each ReLU object. ctx is NULL once closed. */
typedef struct relu_object {
    crelu_ctx *ctx;
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

static bool open_context(napi_env env, napi_value self, const char *where, crelu_ctx **ctx) {
    relu_object *object;
    if (!unwrap_this(env, self, where, &object)) {
        return false;
    }
    if (object->ctx == NULL) {
        return crelu_node__throw(env, CRELU_NODE_ERROR, "CRELU_ERR_CLOSED",
                                 "%s: this ReLU object is closed", where);
    }
    *ctx = object->ctx;
    return true;
}

static napi_value relu_constructor(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value options, self, new_target;
    /* `options` reads as undefined when not passed. */
    CRELU_NAPI_CALL(env, napi_get_cb_info(env, info, &argc, &options, &self, NULL), NULL);
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
    if (!crelu_node__apply_options(env, options, ctx)) {
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
    if (napi_wrap(env, self, object, finalize_relu, NULL, NULL) != napi_ok) {
        crelu_node__throw_napi_failure(env, "napi_wrap(ReLU)");
        finalize_relu(env, object, NULL);
        return NULL;
    }
    /* From here on the finalizer owns `object`. */
    CRELU_NAPI_CALL(env, napi_type_tag_object(env, self, &relu_type_tag), NULL);
    return self;
}

/* forward(x, out?) and backward(d, out?) differ only in these. */
typedef struct pass {
    const char *where;
    const char *input_name;
    int (*f32)(crelu_ctx *, const float *, float *, size_t);
    int (*f64)(crelu_ctx *, const double *, double *, size_t);
} pass;

static napi_value run_pass(napi_env env, napi_callback_info info, const pass *p) {
    size_t argc = 2;
    napi_value args[2], self;
    /* Arguments not passed read as undefined. */
    CRELU_NAPI_CALL(env, napi_get_cb_info(env, info, &argc, args, &self, NULL), NULL);
    crelu_ctx *ctx = NULL;
    crelu_node_operands operands;
    const void *input;
    void *result;
    /* The context is looked up again after converting: index getters of a
     * plain array could have closed the object meanwhile. */
    if (!open_context(env, self, p->where, &ctx) ||
        !crelu_node__operands_from_args(env, args[0], args[1], p->where, p->input_name,
                                        &operands) ||
        !open_context(env, self, p->where, &ctx) ||
        !crelu_node__operands_data(env, &operands, &input, &result)) {
        return NULL;
    }
    int status = operands.type == napi_float32_array
                     ? p->f32(ctx, input, result, operands.length)
                     : p->f64(ctx, input, result, operands.length);
    if (status != CRELU_OK) {
        crelu_node__throw_status(env, status, p->where);
        return NULL;
    }
    return operands.result;
}

/* The same pass once index.js has found the operands to be `type` arrays:
 * `this` is checked as in every method, the operands by
 * crelu_node__operands_typed, and anything it declines goes the checked
 * way, so errors do not depend on which path saw the call. */
static napi_value run_typed_pass(napi_env env, napi_callback_info info, const pass *p,
                                 napi_typedarray_type type) {
    size_t argc = 2;
    napi_value args[2], self;
    CRELU_NAPI_CALL(env, napi_get_cb_info(env, info, &argc, args, &self, NULL), NULL);
    crelu_ctx *ctx = NULL;
    crelu_node_operands operands;
    const void *input = NULL;
    void *result = NULL;
    if (!open_context(env, self, p->where, &ctx)) {
        return NULL;
    }
    switch (crelu_node__operands_typed(env, type, args[0], args[1], &operands, &input, &result)) {
    case CRELU_NODE_TYPED_READY:
        break;
    case CRELU_NODE_TYPED_FAILED:
        return NULL;
    case CRELU_NODE_TYPED_DECLINED:
        if (!crelu_node__operands_from_args(env, args[0], args[1], p->where, p->input_name,
                                            &operands) ||
            !open_context(env, self, p->where, &ctx) || /* as in run_pass */
            !crelu_node__operands_data(env, &operands, &input, &result)) {
            return NULL;
        }
        break;
    }
    int status = operands.type == napi_float32_array
                     ? p->f32(ctx, input, result, operands.length)
                     : p->f64(ctx, input, result, operands.length);
    if (status != CRELU_OK) {
        crelu_node__throw_status(env, status, p->where);
        return NULL;
    }
    return operands.result;
}

static const pass forward_pass = {"ReLU.forward", "x", crelu_forward_f32, crelu_forward_f64};
static const pass backward_pass = {"ReLU.backward", "d", crelu_backward_f32, crelu_backward_f64};

static napi_value relu_forward_float32(napi_env env, napi_callback_info info) {
    return run_typed_pass(env, info, &forward_pass, napi_float32_array);
}

static napi_value relu_forward_float64(napi_env env, napi_callback_info info) {
    return run_typed_pass(env, info, &forward_pass, napi_float64_array);
}

static napi_value relu_backward_float32(napi_env env, napi_callback_info info) {
    return run_typed_pass(env, info, &backward_pass, napi_float32_array);
}

static napi_value relu_backward_float64(napi_env env, napi_callback_info info) {
    return run_typed_pass(env, info, &backward_pass, napi_float64_array);
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

/* A symbol for a method index.js reaches and users need not see. */
static bool internal_symbol(napi_env env, napi_value internal, const char *name,
                            napi_value *symbol) {
    napi_value description;
    CRELU_NAPI_CALL(env, napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &description),
                    false);
    CRELU_NAPI_CALL(env, napi_create_symbol(env, description, symbol), false);
    CRELU_NAPI_CALL(env, napi_set_named_property(env, internal, name, *symbol), false);
    return true;
}

bool crelu_node__define_relu_class(napi_env env, napi_value internal, napi_value *constructor) {
    napi_value forward_float32, forward_float64, backward_float32, backward_float64;
    if (!internal_symbol(env, internal, "forwardFloat32", &forward_float32) ||
        !internal_symbol(env, internal, "forwardFloat64", &forward_float64) ||
        !internal_symbol(env, internal, "backwardFloat32", &backward_float32) ||
        !internal_symbol(env, internal, "backwardFloat64", &backward_float64)) {
        return false;
    }
    /* The typed methods are class methods, so V8 checks `this` before
     * calling them (a signature), as it does for forward and backward. */
    const napi_property_descriptor properties[] = {
        {"forward", NULL, relu_forward, NULL, NULL, NULL, napi_default_method, NULL},
        {"backward", NULL, relu_backward, NULL, NULL, NULL, napi_default_method, NULL},
        {"close", NULL, relu_close, NULL, NULL, NULL, napi_default_method, NULL},
        {"closed", NULL, NULL, relu_closed, NULL, NULL, napi_configurable, NULL},
        {NULL, forward_float32, relu_forward_float32, NULL, NULL, NULL, napi_default, NULL},
        {NULL, forward_float64, relu_forward_float64, NULL, NULL, NULL, napi_default, NULL},
        {NULL, backward_float32, relu_backward_float32, NULL, NULL, NULL, napi_default, NULL},
        {NULL, backward_float64, relu_backward_float64, NULL, NULL, NULL, napi_default, NULL},
    };
    CRELU_NAPI_CALL(env,
                    napi_define_class(env, "ReLU", NAPI_AUTO_LENGTH, relu_constructor, NULL,
                                      sizeof properties / sizeof properties[0], properties,
                                      constructor),
                    false);
    return true;
}
