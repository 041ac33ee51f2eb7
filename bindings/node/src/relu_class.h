/* class ReLU: a libcrelu context wrapped in a JS object. */
#ifndef CRELU_NODE_RELU_CLASS_H
#define CRELU_NODE_RELU_CLASS_H

#include "napi.h"

/* Defines the class; *constructor receives it. The symbols of its typed
 * methods (forwardFloat32, ..., backwardFloat64: see index.js) are set on
 * `internal`. */
bool crelu_node__define_relu_class(napi_env env, napi_value internal, napi_value *constructor);

#endif /* CRELU_NODE_RELU_CLASS_H */
