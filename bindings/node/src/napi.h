/* SPDX-License-Identifier: MIT */
/* The one place node_api.h is included, so every file agrees on the
 * Node-API version it is written against (8: napi_type_tag_object). */
#ifndef CRELU_NODE_NAPI_H
#define CRELU_NODE_NAPI_H

#define NAPI_VERSION 8
#include <node_api.h>
#include <stdbool.h>

#endif /* CRELU_NODE_NAPI_H */
