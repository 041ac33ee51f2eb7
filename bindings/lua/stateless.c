/* SPDX-License-Identifier: MIT */
/*
 * crelu.relu(x [, out]): plain ReLU without a context, through the C
 * library's stateless entry points.
 */
#include <crelu.h>

#include "crelu_lua.h"

static int relu_f32(void *unused, const float *x, float *y, size_t n) {
    (void)unused;
    return crelu_relu_f32(x, y, n);
}

static int relu_f64(void *unused, const double *x, double *y, size_t n) {
    (void)unused;
    return crelu_relu_f64(x, y, n);
}

int crelu_lua__relu_stateless(lua_State *L) {
    crelu_lua__op op = {"crelu.relu", "x", NULL, relu_f32, relu_f64};
    return crelu_lua__apply(L, &op, 1, 2);
}
