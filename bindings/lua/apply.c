/* SPDX-License-Identifier: MIT */
/*
 * Runs one C entry point on what Lua passed: a crelu.array goes to the C
 * library as it is (zero copy); a table is converted to float64, computed in
 * a GC-owned scratch buffer, and returned as a new table of the same shape.
 */
#include <crelu.h>

#include "crelu_lua.h"

const char *crelu_lua__type_name(lua_State *L, int index) {
    index = lua_absindex(L, index);
    int type = luaL_getmetafield(L, index, "__name");
    if (type == LUA_TSTRING) {
        /* The metatable keeps the string alive after the pop. */
        const char *name = lua_tostring(L, -1);
        lua_pop(L, 1);
        return name;
    }
    if (type != LUA_TNIL) {
        lua_pop(L, 1); /* a __name that is not a string */
    }
    return luaL_typename(L, index);
}

/* Raises "<who>: <crelu_strerror(status)><detail>". */
static int status_error(lua_State *L, const char *who, int status, const char *detail) {
    if (status == CRELU_LUA__CLOSED) {
        return luaL_error(L, "%s: this crelu.ReLU was closed during the call (by a __gc "
                             "finalizer that ran meanwhile)",
                          who);
    }
    return luaL_error(L, "%s: %s%s", who, crelu_strerror(status), detail);
}

static int run(const crelu_lua__op *op, crelu_lua__dtype dtype, const void *in, void *out,
               size_t n) {
    return op->run[dtype](op->state, in, out, n);
}

static int apply_array(lua_State *L, const crelu_lua__op *op, crelu_lua__array *in,
                       int out_index) {
    const char *dtype = crelu_lua__dtype_name(in->dtype);
    /* The array first: that is the hot path, one check. */
    crelu_lua__array *out = crelu_lua__to_array(L, out_index);
    if (out == NULL && lua_isnoneornil(L, out_index)) {
        /* Made before the call, so an error after it leaves only garbage. */
        out = crelu_lua__push_array(L, in->length, in->dtype, op->who);
    } else {
        if (out == NULL) {
            return luaL_error(L, "%s: out must be a crelu.array (%s, %I elements, like %s), got %s",
                              op->who, dtype, (lua_Integer)in->length, op->in_name,
                              crelu_lua__type_name(L, out_index));
        }
        if (out->dtype != in->dtype) {
            return luaL_error(L, "%s: out is %s array but %s is %s; they must match", op->who,
                              crelu_lua__dtype_article(out->dtype), op->in_name, dtype);
        }
        if (out->length != in->length) {
            return luaL_error(L, "%s: out has %I elements but %s has %I; they must match",
                              op->who, (lua_Integer)out->length, op->in_name,
                              (lua_Integer)in->length);
        }
        lua_pushvalue(L, out_index);
    }
    int status = run(op, in->dtype, in->data, out->data, in->length);
    if (status != CRELU_OK) {
        return status_error(L, op->who, status,
                            lua_pushfstring(L, " (%s: %s array of %I elements)", op->in_name,
                                            crelu_lua__dtype_article(in->dtype),
                                            (lua_Integer)in->length));
    }
    return 1;
}

static int apply_table(lua_State *L, const crelu_lua__op *op, int in_index, int out_index) {
    if (!lua_isnoneornil(L, out_index)) {
        return luaL_error(L, "%s: out is only for crelu.array input (a table %s gives a new "
                             "table), got %s",
                          op->who, op->in_name, crelu_lua__type_name(L, out_index));
    }
    crelu_lua__shape shape = crelu_lua__table_shape(L, in_index, op->who);
    /* crelu_lua__table_shape bounded the count, so the byte count fits.
     * In place: the C API allows y == x. */
    double *values = lua_newuserdatauv(L, shape.count * sizeof(double), 0);
    crelu_lua__table_read(L, in_index, &shape, values, op->who);
    int status = op->run[CRELU_LUA__F64](op->state, values, values, shape.count);
    if (status != CRELU_OK) {
        return status_error(L, op->who, status,
                            lua_pushfstring(L, " (%s: a table of %I numbers, computed as f64)",
                                            op->in_name, (lua_Integer)shape.count));
    }
    crelu_lua__table_push(L, &shape, values);
    return 1;
}

/* The zero-copy call on two arrays of the same dtype and length, in seven
 * API calls instead of nine: both metatables are pushed and compared, and
 * one lua_settop drops them and leaves out on top, to return. Returns 0 for
 * anything else (the stack as it was), which the general path handles. */
static int apply_pair(lua_State *L, const crelu_lua__op *op, int in_index, int out_index) {
    crelu_lua__array *in = lua_touserdata(L, in_index);
    crelu_lua__array *out = lua_touserdata(L, out_index);
    if (in == NULL || out == NULL) {
        return 0;
    }
    /* Both are userdata, so the stack reaches out_index: settop only pops. */
    if (!lua_getmetatable(L, in_index) || !lua_getmetatable(L, out_index) ||
        !lua_rawequal(L, -1, CRELU_LUA__ARRAY_MT) || !lua_rawequal(L, -2, CRELU_LUA__ARRAY_MT) ||
        in->dtype != out->dtype || in->length != out->length) {
        lua_settop(L, out_index);
        return 0;
    }
    lua_settop(L, out_index);
    int status = run(op, in->dtype, in->data, out->data, in->length);
    if (status != CRELU_OK) {
        return status_error(L, op->who, status,
                            lua_pushfstring(L, " (%s: %s array of %I elements)", op->in_name,
                                            crelu_lua__dtype_article(in->dtype),
                                            (lua_Integer)in->length));
    }
    return 1;
}

int crelu_lua__apply(lua_State *L, const crelu_lua__op *op, int in_index, int out_index) {
    if (apply_pair(L, op, in_index, out_index)) {
        return 1;
    }
    crelu_lua__array *in = crelu_lua__to_array(L, in_index);
    if (in != NULL) {
        return apply_array(L, op, in, out_index);
    }
    if (lua_type(L, in_index) == LUA_TTABLE) {
        return apply_table(L, op, in_index, out_index);
    }
    return luaL_error(L, "%s: %s must be a table of numbers or a crelu.array, got %s", op->who,
                      op->in_name, crelu_lua__type_name(L, in_index));
}
