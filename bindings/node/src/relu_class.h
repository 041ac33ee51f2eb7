/* SPDX-License-Identifier: MIT */
/* class ReLU: a libcrelu context wrapped in a JS object. */
#ifndef CRELU_NODE_RELU_CLASS_H
#define CRELU_NODE_RELU_CLASS_H

#include "instance.h"
#include "napi.h"

/* Defines the class for `instance`; *constructor receives it. Sets the
 * fast entry points index.js uses (forwardFloat32, forwardFloat64,
 * backwardFloat32, backwardFloat64, setSlotKeeper) and describe (the options,
 * for util.inspect) on `internal`. */
bool crelu_node__define_relu_class(napi_env env, crelu_node_instance *instance,
                                   napi_value internal, napi_value *constructor);

#endif /* CRELU_NODE_RELU_CLASS_H */
