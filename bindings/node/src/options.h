/* SPDX-License-Identifier: MIT */
/* The options object of `new ReLU({...})`, applied to a fresh context. */
#ifndef CRELU_NODE_OPTIONS_H
#define CRELU_NODE_OPTIONS_H

#include "napi.h"

#include <crelu.h>

/* Applies `options` (undefined = all defaults) to `ctx`: save ('x' | 'mask'),
 * grad ('pytorch' | 'cs231n'), negativeSlope (finite number), maxValue
 * (number > 0, or undefined / Infinity for no cap). An option set to
 * undefined keeps its default. Unknown names are a TypeError, so a typo
 * (or snake_case `negative_slope`) is not silently ignored. May run JS
 * (getters). Returns false with a JS exception pending. */
bool crelu_node__apply_options(napi_env env, napi_value options, crelu_ctx *ctx);

#endif /* CRELU_NODE_OPTIONS_H */
