/* SPDX-License-Identifier: MIT */
#include "options.h"

#include "errors.h"

#include <math.h>
#include <string.h>

#define KNOWN_OPTIONS "save, grad, negativeSlope, maxValue, dtype"

static bool is_known(const char *name, const char *const *known) {
    for (; *known != NULL; known++) {
        if (strcmp(name, *known) == 0) {
            return true;
        }
    }
    return false;
}

/* Every own enumerable name of `options` is in `known` (NULL-terminated);
 * `listed` is the same names for the message. */
static bool check_names(napi_env env, napi_value options, const char *where,
                        const char *const *known, const char *listed) {
    napi_value names;
    CRELU_NAPI_CALL(env,
                    napi_get_all_property_names(env, options, napi_key_own_only,
                                                napi_key_enumerable | napi_key_skip_symbols,
                                                napi_key_numbers_to_strings, &names),
                    false);
    uint32_t count;
    CRELU_NAPI_CALL(env, napi_get_array_length(env, names, &count), false);
    for (uint32_t i = 0; i < count; i++) {
        napi_value key;
        char name[64];
        size_t length;
        CRELU_NAPI_CALL(env, napi_get_element(env, names, i, &key), false);
        CRELU_NAPI_CALL(env, napi_get_value_string_utf8(env, key, name, sizeof name, &length),
                        false);
        /* A name that fills the buffer was truncated, so cannot be a known one. */
        if (length + 1 >= sizeof name || !is_known(name, known)) {
            return crelu_node__throw(env, CRELU_NODE_TYPE_ERROR, "CRELU_ERR_INVALID_TYPE",
                                     "%s: unknown option '%s' (known: %s)", where, name, listed);
        }
    }
    return true;
}

/* Gets options[name] (running its getter, if any) and its type. */
static bool get_option(napi_env env, napi_value options, const char *name, napi_value *value,
                       napi_valuetype *kind) {
    CRELU_NAPI_CALL(env, napi_get_named_property(env, options, name, value), false);
    CRELU_NAPI_CALL(env, napi_typeof(env, *value, kind), false);
    return true;
}

/* A string option with two allowed values; *choice is 0 or 1, or -1 when undefined. */
static bool get_choice(napi_env env, napi_value options, const char *where, const char *name,
                       const char *first, const char *second, int *choice) {
    napi_value value;
    napi_valuetype kind;
    *choice = -1;
    if (!get_option(env, options, name, &value, &kind)) {
        return false;
    }
    if (kind == napi_undefined) {
        return true;
    }
    if (kind != napi_string) {
        return crelu_node__throw(env, CRELU_NODE_TYPE_ERROR, "CRELU_ERR_INVALID_TYPE",
                                 "%s: options.%s must be '%s' or '%s'; got a non-string", where,
                                 name, first, second);
    }
    char text[16];
    size_t length;
    CRELU_NAPI_CALL(env, napi_get_value_string_utf8(env, value, text, sizeof text, &length),
                    false);
    if (length + 1 < sizeof text && strcmp(text, first) == 0) {
        *choice = 0;
    } else if (length + 1 < sizeof text && strcmp(text, second) == 0) {
        *choice = 1;
    } else {
        return crelu_node__throw(env, CRELU_NODE_RANGE_ERROR, "CRELU_ERR_INVALID_ARGUMENT",
                                 "%s: options.%s must be '%s' or '%s'; got '%s%s'", where, name,
                                 first, second, text, length + 1 < sizeof text ? "" : "...");
    }
    return true;
}

/* A number option; *present is false when it is undefined. */
static bool get_number(napi_env env, napi_value options, const char *name, bool *present,
                       double *number) {
    napi_value value;
    napi_valuetype kind;
    if (!get_option(env, options, name, &value, &kind)) {
        return false;
    }
    *present = kind != napi_undefined;
    if (!*present) {
        return true;
    }
    if (kind != napi_number) {
        return crelu_node__throw(env, CRELU_NODE_TYPE_ERROR, "CRELU_ERR_INVALID_TYPE",
                                 "new ReLU: options.%s must be a number", name);
    }
    CRELU_NAPI_CALL(env, napi_get_value_double(env, value, number), false);
    return true;
}

/* get_choice's answer for dtype ('bf16' | 'f16'). */
static crelu_node_half half_of_choice(int choice) {
    return choice == 0 ? CRELU_NODE_HALF_BF16 : choice == 1 ? CRELU_NODE_HALF_F16
                                                            : CRELU_NODE_HALF_NONE;
}

static bool apply_status(napi_env env, int status, const char *what) {
    return status == CRELU_OK || crelu_node__throw_status(env, status, what);
}

bool crelu_node__apply_options(napi_env env, napi_value options, crelu_ctx *ctx,
                               crelu_node_options *applied) {
    *applied = (crelu_node_options){CRELU_SAVE_X, CRELU_GRAD_PYTORCH, 0.0, INFINITY,
                                    CRELU_NODE_HALF_NONE};
    napi_valuetype kind;
    CRELU_NAPI_CALL(env, napi_typeof(env, options, &kind), false);
    if (kind == napi_undefined) {
        return true;
    }
    if (kind != napi_object) {
        return crelu_node__throw(env, CRELU_NODE_TYPE_ERROR, "CRELU_ERR_INVALID_TYPE",
                                 "new ReLU: options must be an object");
    }
    static const char *const known[] = {"save", "grad", "negativeSlope", "maxValue", "dtype",
                                        NULL};
    if (!check_names(env, options, "new ReLU", known, KNOWN_OPTIONS)) {
        return false;
    }

    int save, grad, half;
    bool has_slope, has_cap;
    double slope = 0.0, cap = INFINITY;
    if (!get_choice(env, options, "new ReLU", "save", "x", "mask", &save) ||
        !get_choice(env, options, "new ReLU", "grad", "pytorch", "cs231n", &grad) ||
        !get_choice(env, options, "new ReLU", "dtype", "bf16", "f16", &half) ||
        !get_number(env, options, "negativeSlope", &has_slope, &slope) ||
        !get_number(env, options, "maxValue", &has_cap, &cap)) {
        return false;
    }
    /* The library decides what is valid; this only makes its answer readable. */
    if (save >= 0 &&
        !apply_status(env, crelu_set_save(ctx, save == 0 ? CRELU_SAVE_X : CRELU_SAVE_MASK),
                      "new ReLU: options.save")) {
        return false;
    }
    if (grad >= 0 &&
        !apply_status(env,
                      crelu_set_grad_rule(ctx, grad == 0 ? CRELU_GRAD_PYTORCH : CRELU_GRAD_CS231N),
                      "new ReLU: options.grad")) {
        return false;
    }
    if (has_slope &&
        !apply_status(env, crelu_set_negative_slope(ctx, slope),
                      "new ReLU: options.negativeSlope must be finite")) {
        return false;
    }
    if (has_cap) {
        const char *what = slope != 0.0 && isfinite(cap)
                               ? "new ReLU: options.maxValue cannot be combined with a "
                                 "non-zero negativeSlope"
                               : "new ReLU: options.maxValue must be > 0 (Infinity: no cap)";
        if (!apply_status(env, crelu_set_max_value(ctx, cap), what)) {
            return false;
        }
    }
    applied->save = save == 1 ? CRELU_SAVE_MASK : CRELU_SAVE_X;
    applied->grad = grad == 1 ? CRELU_GRAD_CS231N : CRELU_GRAD_PYTORCH;
    applied->slope = slope;
    applied->cap = cap;
    applied->half = half_of_choice(half);
    return true;
}

bool crelu_node__relu_options(napi_env env, napi_value options, crelu_node_half *half) {
    *half = CRELU_NODE_HALF_NONE;
    napi_valuetype kind;
    CRELU_NAPI_CALL(env, napi_typeof(env, options, &kind), false);
    if (kind == napi_undefined) {
        return true;
    }
    if (kind != napi_object) {
        return crelu_node__throw(env, CRELU_NODE_TYPE_ERROR, "CRELU_ERR_INVALID_TYPE",
                                 "relu: options must be an object");
    }
    static const char *const known[] = {"dtype", NULL};
    int choice;
    if (!check_names(env, options, "relu", known, "dtype") ||
        !get_choice(env, options, "relu", "dtype", "bf16", "f16", &choice)) {
        return false;
    }
    *half = half_of_choice(choice);
    return true;
}
