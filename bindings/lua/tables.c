/* SPDX-License-Identifier: MIT */
/*
 * Lua tables of numbers <-> C arrays of doubles: flat tables {1, 2, 3} and
 * nested row tables {{1, 2}, {3, 4}} (the seed's 3x7), read raw (metamethods
 * are not consulted) and checked element by element.
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "crelu_lua.h"

static int table_size_hint(size_t length) {
    return length <= INT_MAX ? (int)length : 0;
}

/* The most float64 values one buffer can hold: the byte count must fit in
 * size_t, ptrdiff_t (C's pointer arithmetic) and lua_Integer (Lua's
 * allocator). */
static size_t max_count(void) {
    size_t bytes = SIZE_MAX;
    if ((uintmax_t)PTRDIFF_MAX < bytes) {
        bytes = (size_t)PTRDIFF_MAX;
    }
    if ((uintmax_t)LUA_MAXINTEGER < bytes) {
        bytes = (size_t)LUA_MAXINTEGER;
    }
    return bytes / sizeof(double);
}

crelu_lua__shape crelu_lua__table_shape(lua_State *L, int index, const char *who) {
    crelu_lua__shape shape = {0, 0, 0, 0};
    index = lua_absindex(L, index);
    /* #t is a border, not a count: a table holding t[1], t[2], t[4], ...,
     * t[2^61] (64 entries) has #t = 2^61. So every length is checked
     * against max_count() before anything is allocated for it. */
    size_t limit = max_count();
    size_t length = (size_t)lua_rawlen(L, index);
    lua_rawgeti(L, index, 1);
    shape.nested = lua_type(L, -1) == LUA_TTABLE;
    lua_pop(L, 1);

    if (!shape.nested) {
        if (length > limit) {
            luaL_error(L, "%s: a table of length %I (#t) is more than the %I numbers a buffer "
                          "can hold",
                       who, (lua_Integer)length, (lua_Integer)limit);
        }
        shape.cols = length;
        shape.count = length;
        return shape;
    }
    shape.rows = length;
    for (size_t r = 1; r <= shape.rows; r++) {
        lua_rawgeti(L, index, (lua_Integer)r);
        if (lua_type(L, -1) != LUA_TTABLE) {
            luaL_error(L, "%s: row %I: expected a table of numbers (as row 1 is), got %s", who,
                       (lua_Integer)r, crelu_lua__type_name(L, -1));
        }
        size_t row_length = (size_t)lua_rawlen(L, -1);
        if (r == 1) {
            shape.cols = row_length;
        } else if (row_length != shape.cols) {
            luaL_error(L, "%s: ragged rows: row %I has %I elements, row 1 has %I", who,
                       (lua_Integer)r, (lua_Integer)row_length, (lua_Integer)shape.cols);
        }
        lua_pop(L, 1);
    }
    /* Rows may share one table, and a row's length may be such a border. */
    if (shape.cols != 0 && shape.rows > limit / shape.cols) {
        luaL_error(L, "%s: %I rows of length %I (#row) are more than the %I numbers a buffer "
                      "can hold",
                   who, (lua_Integer)shape.rows, (lua_Integer)shape.cols, (lua_Integer)limit);
    }
    shape.count = shape.rows * shape.cols;
    return shape;
}

/* Raises the error for the value on top of the stack, which is not a
 * number. `row` is 0 in a flat table; both are 1-based, for the message. */
static void not_a_number(lua_State *L, const char *who, size_t row, size_t col) {
    if (row == 0) {
        luaL_error(L, "%s: element [%I]: expected a number, got %s", who, (lua_Integer)col,
                   crelu_lua__type_name(L, -1));
    }
    luaL_error(L, "%s: element [%I][%I]: expected a number, got %s", who, (lua_Integer)row,
               (lua_Integer)col, crelu_lua__type_name(L, -1));
}

/* Raises the error for a key of the table being read that is not one of
 * its elements 1..count: the key is at -2 (its value above it). */
static void not_an_element(lua_State *L, const char *who, size_t row, size_t count) {
    const char *what = row == 0 ? "table" : "row";
    const char *length = row == 0 ? "#t" : "#row";
    if (lua_isinteger(L, -2) && lua_tointeger(L, -2) > (lua_Integer)count) {
        lua_Integer key = lua_tointeger(L, -2);
        if (row == 0) {
            luaL_error(L, "%s: element [%I] is set but the table's length (#t) is %I: "
                          "a table with holes is not a list of numbers",
                       who, key, (lua_Integer)count);
        }
        luaL_error(L, "%s: element [%I][%I] is set but the row's length (#row) is %I: "
                      "a row with holes is not a list of numbers",
                   who, (lua_Integer)row, key, (lua_Integer)count);
    }
    /* A string key is quoted, so that "1.5" and 1.5 differ; any other (1.5,
     * true, a table) is shown as tostring shows it. */
    const char *key = lua_type(L, -2) == LUA_TSTRING
                          ? lua_pushfstring(L, "\"%s\"", lua_tostring(L, -2))
                          : luaL_tolstring(L, -2, NULL);
    if (row == 0) {
        luaL_error(L, "%s: key %s is not an element 1..%s (%I): a %s with other keys is "
                      "not a list of numbers",
                   who, key, length, (lua_Integer)count, what);
    }
    luaL_error(L, "%s: row %I: key %s is not an element 1..%s (%I): a %s with other keys is "
                  "not a list of numbers",
               who, (lua_Integer)row, key, length, (lua_Integer)count, what);
}

static void changed_during_call(lua_State *L, const char *who);

/* Values read are left on the stack and popped this many at a time: the
 * Lua C API has no bulk read, so each element costs API calls, and this
 * saves one of the three (lua_rawgeti's result is the type check). */
#define READ_BATCH 64

/* Raises an error unless the table at absolute `index`, whose elements
 * 1..count were all read as numbers, has no other key. #t is any border:
 * {[1] = 1, [3] = 3} may have #t = 1, and reading 1..#t alone would drop
 * t[3] without a word. Counting every key (lua_next visits each one,
 * whether Lua stores it in the array or the hash part) proves it: count
 * keys, all present, leave no room for another. Only when the count is
 * wrong is each key checked, to name the offending one. */
static void check_sequence(lua_State *L, int index, size_t count, const char *who,
                           size_t row) {
    size_t keys = 0;
    lua_pushnil(L);
    while (lua_next(L, index) != 0) {
        keys++;
        lua_pop(L, 1);
    }
    if (keys == count) {
        return;
    }
    lua_pushnil(L);
    while (lua_next(L, index) != 0) {
        lua_Integer key = lua_isinteger(L, -2) ? lua_tointeger(L, -2) : 0;
        if (key < 1 || (lua_Unsigned)key > count) {
            not_an_element(L, who, row, count);
        }
        lua_pop(L, 1);
    }
    changed_during_call(L, who); /* not reached: count keys, all in 1..count */
}

/* Reads elements 1..count of the table at absolute `index` into `values`
 * (row `row`, 0 if flat, for messages). Strings are not coerced. */
static void read_numbers(lua_State *L, int index, double *values, size_t count,
                         const char *who, size_t row) {
    int base = lua_gettop(L);
    int pending = 0;
    for (size_t i = 0; i < count; i++) {
        if (lua_rawgeti(L, index, (lua_Integer)i + 1) != LUA_TNUMBER) {
            not_a_number(L, who, row, i + 1);
        }
        values[i] = lua_tonumberx(L, -1, NULL);
        if (++pending == READ_BATCH) {
            lua_settop(L, base);
            pending = 0;
        }
    }
    lua_settop(L, base);
    check_sequence(L, index, count, who, row);
}

/* The caller allocated `values` between crelu_lua__table_shape and here, and
 * an allocation can run a __gc finalizer that changes the table: a row that
 * is no longer a table, or a length that moved, is an error (reading on
 * would hand lua_rawgeti a non-table, or miss elements). */
static void changed_during_call(lua_State *L, const char *who) {
    luaL_error(L, "%s: the table changed during the call (a __gc finalizer that ran meanwhile "
                  "changed it)",
               who);
}

void crelu_lua__table_read(lua_State *L, int index, const crelu_lua__shape *shape,
                           double *values, const char *who) {
    index = lua_absindex(L, index);
    luaL_checkstack(L, READ_BATCH + 4, who);
    size_t length = (size_t)lua_rawlen(L, index);
    if (!shape->nested) {
        if (length != shape->count) {
            changed_during_call(L, who);
        }
        read_numbers(L, index, values, shape->count, who, 0);
        return;
    }
    if (length != shape->rows) {
        changed_during_call(L, who);
    }
    for (size_t r = 0; r < shape->rows; r++) {
        if (lua_rawgeti(L, index, (lua_Integer)r + 1) != LUA_TTABLE ||
            (size_t)lua_rawlen(L, -1) != shape->cols) {
            changed_during_call(L, who);
        }
        read_numbers(L, lua_gettop(L), values + r * shape->cols, shape->cols, who, r + 1);
        lua_pop(L, 1);
    }
    /* Rows 1..rows were all read as tables: the outer table must hold
     * nothing else either. */
    check_sequence(L, index, shape->rows, who, 0);
}

static void push_flat(lua_State *L, const double *values, size_t count) {
    lua_createtable(L, table_size_hint(count), 0);
    for (size_t i = 0; i < count; i++) {
        lua_pushnumber(L, values[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
}

void crelu_lua__table_push(lua_State *L, const crelu_lua__shape *shape, const double *values) {
    if (!shape->nested) {
        push_flat(L, values, shape->count);
        return;
    }
    lua_createtable(L, table_size_hint(shape->rows), 0);
    for (size_t r = 0; r < shape->rows; r++) {
        push_flat(L, values + r * shape->cols, shape->cols);
        lua_rawseti(L, -2, (lua_Integer)r + 1);
    }
}
