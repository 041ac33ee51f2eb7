/* SPDX-License-Identifier: MIT */
/* The options object of `new ReLU({...})`, applied to a fresh context. */
#ifndef CRELU_NODE_OPTIONS_H
#define CRELU_NODE_OPTIONS_H

#include "napi.h"

#include <crelu.h>

/* How a Uint16Array's elements are read (the dtype option): there is no
 * default, a Uint16Array without it is refused. */
typedef enum crelu_node_half {
    CRELU_NODE_HALF_NONE, /* not given */
    CRELU_NODE_HALF_BF16, /* 'bf16': bfloat16 bit patterns */
    CRELU_NODE_HALF_F16,  /* 'f16': IEEE binary16 bit patterns */
} crelu_node_half;

/* The options a context was made with, as applied: what util.inspect shows
 * (libcrelu has setters only, so the binding remembers them). */
typedef struct crelu_node_options {
    int save;      /* CRELU_SAVE_X or CRELU_SAVE_MASK */
    int grad;      /* CRELU_GRAD_PYTORCH or CRELU_GRAD_CS231N */
    double slope;  /* negativeSlope */
    double cap;    /* maxValue, INFINITY for none */
    crelu_node_half half; /* dtype */
} crelu_node_options;

/* Applies `options` (undefined = all defaults) to `ctx`: save ('x' | 'mask'),
 * grad ('pytorch' | 'cs231n'), negativeSlope (finite number), maxValue
 * (number > 0, or undefined / Infinity for no cap), dtype ('bf16' | 'f16':
 * how a Uint16Array is read). An option set to
 * undefined keeps its default. Unknown names are a TypeError, so a typo
 * (or snake_case `negative_slope`) is not silently ignored. May run JS
 * (getters). On success *applied holds every option's value, defaults
 * included. Returns false with a JS exception pending. */
bool crelu_node__apply_options(napi_env env, napi_value options, crelu_ctx *ctx,
                               crelu_node_options *applied);

/* The options of relu(x, out, options): undefined, or an object whose only
 * known name is dtype ('bf16' | 'f16'). May run JS (getters). Returns false
 * with a JS exception pending. */
bool crelu_node__relu_options(napi_env env, napi_value options, crelu_node_half *half);

#endif /* CRELU_NODE_OPTIONS_H */
