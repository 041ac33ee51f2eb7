/* class ReLU: a libcrelu context wrapped in a JS object. */
#ifndef CRELU_NODE_RELU_CLASS_H
#define CRELU_NODE_RELU_CLASS_H

#include "napi.h"

/* Defines the class; *constructor receives it. */
bool crelu_node__define_relu_class(napi_env env, napi_value *constructor);

#endif /* CRELU_NODE_RELU_CLASS_H */
