/* SPDX-License-Identifier: MIT */
/*
 * crelu.relu(x [, out]): plain ReLU without a context, through the C
 * library's stateless entry points.
 */
#include <crelu.h>

#include "crelu_lua.h"

static int relu_f32(void *unused, const void *x, void *y, size_t n) {
    (void)unused;
    return crelu_relu_f32(x, y, n);
}
static int relu_f64(void *unused, const void *x, void *y, size_t n) {
    (void)unused;
    return crelu_relu_f64(x, y, n);
}
static int relu_bf16(void *unused, const void *x, void *y, size_t n) {
    (void)unused;
    return crelu_relu_bf16(x, y, n);
}
static int relu_f16(void *unused, const void *x, void *y, size_t n) {
    (void)unused;
    return crelu_relu_f16(x, y, n);
}

int crelu_lua__relu_stateless(lua_State *L) {
    static const crelu_lua__kernel relu[CRELU_LUA__DTYPES] = {relu_f32, relu_f64, relu_bf16,
                                                              relu_f16};
    crelu_lua__op op = {"crelu.relu", "x", NULL, relu};
    return crelu_lua__apply(L, &op, 1, 2);
}
