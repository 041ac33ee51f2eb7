/* SPDX-License-Identifier: MIT */
/*
 * crelu.relu(x [, out]) and crelu.relu_backward(x, d [, out]): plain ReLU
 * and its PyTorch-rule backward without a context, through the C library's
 * stateless entry points.
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

/* ---- crelu.relu_backward(x, d [, out]) ---- */

typedef int (*backward_kernel)(const void *x, const void *dy, void *dx, size_t n);

static int relu_backward_f32(const void *x, const void *dy, void *dx, size_t n) {
    return crelu_relu_backward_f32(x, dy, dx, n);
}
static int relu_backward_f64(const void *x, const void *dy, void *dx, size_t n) {
    return crelu_relu_backward_f64(x, dy, dx, n);
}
static int relu_backward_bf16(const void *x, const void *dy, void *dx, size_t n) {
    return crelu_relu_backward_bf16(x, dy, dx, n);
}
static int relu_backward_f16(const void *x, const void *dy, void *dx, size_t n) {
    return crelu_relu_backward_f16(x, dy, dx, n);
}

/* By crelu_lua__dtype. */
static const backward_kernel relu_backward[CRELU_LUA__DTYPES] = {
    relu_backward_f32, relu_backward_f64, relu_backward_bf16, relu_backward_f16};

#define WHO "crelu.relu_backward"

static int backward_status_error(lua_State *L, int status) {
    return luaL_error(L, WHO ": %s", crelu_strerror(status));
}

/* Two arrays of one dtype and length; out, if given, the same again. */
static int backward_arrays(lua_State *L, crelu_lua__array *x, crelu_lua__array *d) {
    if (d->dtype != x->dtype) {
        return luaL_error(L, WHO ": d is %s array but x is %s; they must match",
                          crelu_lua__dtype_article(d->dtype), crelu_lua__dtype_name(x->dtype));
    }
    if (d->length != x->length) {
        return luaL_error(L, WHO ": d has %I elements but x has %I; they must match",
                          (lua_Integer)d->length, (lua_Integer)x->length);
    }
    crelu_lua__array *out = crelu_lua__to_array(L, 3);
    if (out == NULL && lua_isnoneornil(L, 3)) {
        out = crelu_lua__push_array(L, d->length, d->dtype, WHO);
    } else {
        if (out == NULL) {
            return luaL_error(L, WHO ": out must be a crelu.array (%s, %I elements, like d), got %s",
                              crelu_lua__dtype_name(d->dtype), (lua_Integer)d->length,
                              crelu_lua__type_name(L, 3));
        }
        if (out->dtype != d->dtype) {
            return luaL_error(L, WHO ": out is %s array but d is %s; they must match",
                              crelu_lua__dtype_article(out->dtype), crelu_lua__dtype_name(d->dtype));
        }
        if (out->length != d->length) {
            return luaL_error(L, WHO ": out has %I elements but d has %I; they must match",
                              (lua_Integer)out->length, (lua_Integer)d->length);
        }
        lua_pushvalue(L, 3);
    }
    int status = relu_backward[d->dtype](x->data, d->data, out->data, d->length);
    if (status != CRELU_OK) {
        return backward_status_error(L, status);
    }
    return 1;
}

/* "3 rows of 7", "1 row of 7" or "5 elements", for messages (pushed on the stack). */
static const char *shape_text(lua_State *L, const crelu_lua__shape *shape) {
    if (shape->nested) {
        return lua_pushfstring(L, "%I row%s of %I", (lua_Integer)shape->rows,
                               shape->rows == 1 ? "" : "s", (lua_Integer)shape->cols);
    }
    return lua_pushfstring(L, "%I element%s", (lua_Integer)shape->count,
                           shape->count == 1 ? "" : "s");
}

/* Two tables of one shape, computed in float64; the result is a new table. */
static int backward_tables(lua_State *L) {
    if (!lua_isnoneornil(L, 3)) {
        return luaL_error(L, WHO ": out is only for crelu.array input (tables give a new "
                             "table), got %s",
                          crelu_lua__type_name(L, 3));
    }
    crelu_lua__shape x_shape = crelu_lua__table_shape(L, 1, WHO);
    crelu_lua__shape d_shape = crelu_lua__table_shape(L, 2, WHO);
    if (x_shape.nested != d_shape.nested || x_shape.rows != d_shape.rows ||
        x_shape.cols != d_shape.cols) {
        return luaL_error(L, WHO ": x and d must have the same shape (x: %s, d: %s)",
                          shape_text(L, &x_shape), shape_text(L, &d_shape));
    }
    /* One scratch buffer for both: table_shape bounded each count to
     * PTRDIFF_MAX bytes, so twice that fits in size_t (and more than the
     * allocator can give raises Lua's own memory error). */
    double *x = lua_newuserdatauv(L, 2 * x_shape.count * sizeof(double), 0);
    double *d = x + x_shape.count;
    crelu_lua__table_read(L, 1, &x_shape, x, WHO);
    crelu_lua__table_read(L, 2, &d_shape, d, WHO);
    int status = crelu_relu_backward_f64(x, d, d, d_shape.count);
    if (status != CRELU_OK) {
        return backward_status_error(L, status);
    }
    crelu_lua__table_push(L, &d_shape, d);
    return 1;
}

int crelu_lua__relu_backward_stateless(lua_State *L) {
    crelu_lua__array *x = crelu_lua__to_array(L, 1);
    crelu_lua__array *d = crelu_lua__to_array(L, 2);
    if (x != NULL && d != NULL) {
        return backward_arrays(L, x, d);
    }
    if (lua_type(L, 1) == LUA_TTABLE && lua_type(L, 2) == LUA_TTABLE) {
        return backward_tables(L);
    }
    return luaL_error(L, WHO ": x and d must be two crelu.arrays or two tables of numbers, got "
                         "%s and %s",
                      crelu_lua__type_name(L, 1), crelu_lua__type_name(L, 2));
}
