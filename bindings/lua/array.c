/* SPDX-License-Identifier: MIT */
/*
 * crelu.array: a fixed-length flat buffer of float32, float64, bfloat16 or
 * float16 that the C library reads and writes in place (the zero-copy
 * path), with 1-based, bounds-checked element access from Lua: as numbers,
 * and as bit patterns (a:bits(i), a:set_bits(i, v)).
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crelu_lua.h"

/* By crelu_lua__dtype. */
static const char *const dtype_names[] = {"f32", "f64", "bf16", "f16", NULL};
static const char *const dtype_articles[] = {"an f32", "an f64", "a bf16", "an f16"};
static const size_t element_sizes[] = {sizeof(float), sizeof(double), sizeof(uint16_t),
                                       sizeof(uint16_t)};

static size_t element_size(crelu_lua__dtype dtype) {
    return element_sizes[dtype];
}

const char *crelu_lua__dtype_name(crelu_lua__dtype dtype) {
    return dtype_names[dtype];
}

const char *crelu_lua__dtype_article(crelu_lua__dtype dtype) {
    return dtype_articles[dtype];
}

crelu_lua__array *crelu_lua__push_array(lua_State *L, size_t length, crelu_lua__dtype dtype,
                                        const char *who) {
    size_t element = element_size(dtype);
    /* The byte count must fit in size_t, ptrdiff_t (C's pointer arithmetic,
     * which the C library checks too) and lua_Integer (Lua's allocator, #a). */
    size_t limit = SIZE_MAX;
    if ((uintmax_t)PTRDIFF_MAX < limit) {
        limit = (size_t)PTRDIFF_MAX;
    }
    if ((uintmax_t)LUA_MAXINTEGER < limit) {
        limit = (size_t)LUA_MAXINTEGER;
    }
    size_t header = sizeof(crelu_lua__array) + CRELU_LUA__ARRAY_ALIGN - 1;
    if (length > (limit - header) / element) {
        luaL_error(L, "%s: %I elements of %s do not fit in memory", who, (lua_Integer)length,
                   crelu_lua__dtype_name(dtype));
    }
    crelu_lua__array *array = lua_newuserdatauv(L, header + length * element, 0);
    array->length = length;
    array->dtype = dtype;
    uintptr_t start = (uintptr_t)(array + 1);
    array->data = (unsigned char *)(array + 1) +
                  ((CRELU_LUA__ARRAY_ALIGN - start % CRELU_LUA__ARRAY_ALIGN) % CRELU_LUA__ARRAY_ALIGN);
    memset(array->data, 0, length * element);
    lua_pushvalue(L, CRELU_LUA__ARRAY_MT);
    lua_setmetatable(L, -2);
    return array;
}

static crelu_lua__array *check_self(lua_State *L, const char *who) {
    crelu_lua__array *array = crelu_lua__to_array(L, 1);
    if (array == NULL) {
        luaL_error(L, "%s: self must be a crelu.array, got %s", who, crelu_lua__type_name(L, 1));
    }
    return array;
}

static double get_element(const crelu_lua__array *array, size_t i) {
    switch (array->dtype) {
    case CRELU_LUA__F32:
        return (double)((const float *)(const void *)array->data)[i];
    case CRELU_LUA__F64:
        return ((const double *)(const void *)array->data)[i];
    default:
        return crelu_lua__half_to_double(((const uint16_t *)(const void *)array->data)[i],
                                         array->dtype);
    }
}

/* Stores `value`: float32 rounds to nearest (the C conversion, as
 * string.pack("f") does; out of range gives inf), bfloat16 and float16
 * narrow straight from the double (half.c), never through float. */
static void set_element(crelu_lua__array *array, size_t i, double value) {
    switch (array->dtype) {
    case CRELU_LUA__F32:
        ((float *)(void *)array->data)[i] = (float)value;
        break;
    case CRELU_LUA__F64:
        ((double *)(void *)array->data)[i] = value;
        break;
    default:
        ((uint16_t *)(void *)array->data)[i] = crelu_lua__double_to_half(value, array->dtype);
        break;
    }
}

/* The 0-based position of Lua index `key_index` in the array, or an error. */
static size_t checked_position(lua_State *L, const crelu_lua__array *array, int key_index) {
    int is_integer = 0;
    lua_Integer i = lua_tointegerx(L, key_index, &is_integer);
    if (!is_integer) {
        luaL_error(L, "crelu.array: index must be an integer, got %s %s",
                   crelu_lua__type_name(L, key_index), luaL_tolstring(L, key_index, NULL));
    }
    if (i < 1 || (lua_Unsigned)i > array->length) {
        if (array->length == 0) {
            luaL_error(L, "crelu.array: index %I out of range (the array is empty)", i);
        }
        luaL_error(L, "crelu.array: index %I out of range 1..%I", i, (lua_Integer)array->length);
    }
    return (size_t)(i - 1);
}

/* a[i], a.dtype, and the methods (upvalue 3 is the methods table). */
static int array_index(lua_State *L) {
    crelu_lua__array *array = check_self(L, "crelu.array:__index");
    if (lua_type(L, 2) == LUA_TSTRING) {
        if (strcmp(lua_tostring(L, 2), "dtype") == 0) {
            lua_pushstring(L, crelu_lua__dtype_name(array->dtype));
            return 1;
        }
        /* A method, or nil for any other name, as for other Lua objects. */
        lua_pushvalue(L, 2);
        lua_rawget(L, lua_upvalueindex(3));
        return 1;
    }
    /* Reading an integer index outside 1..#a gives nil, as for a table, so
     * that ipairs(a) stops at the end; writing one stays an error. */
    int is_integer = 0;
    lua_Integer i = lua_tointegerx(L, 2, &is_integer);
    if (is_integer && lua_type(L, 2) == LUA_TNUMBER &&
        (i < 1 || (lua_Unsigned)i > array->length)) {
        lua_pushnil(L);
        return 1;
    }
    lua_pushnumber(L, get_element(array, checked_position(L, array, 2)));
    return 1;
}

/* The iterator of pairs(a): (a, i) -> i + 1, a[i + 1], or nil past #a. */
static int array_next(lua_State *L) {
    crelu_lua__array *array = check_self(L, "crelu.array:__pairs");
    lua_Integer i = luaL_checkinteger(L, 2);
    if (i < 0 || (lua_Unsigned)i >= array->length) {
        return 0;
    }
    lua_pushinteger(L, i + 1);
    lua_pushnumber(L, get_element(array, (size_t)i));
    return 2;
}

/* pairs(a) yields the elements 1..#a in order (a userdata has no keys of
 * its own for next to find). */
static int array_pairs(lua_State *L) {
    check_self(L, "crelu.array:__pairs");
    crelu_lua__push_closure(L, array_next, 0);
    lua_pushvalue(L, 1);
    lua_pushinteger(L, 0);
    return 3;
}

/* a[i] = v. */
static int array_newindex(lua_State *L) {
    crelu_lua__array *array = check_self(L, "crelu.array:__newindex");
    if (lua_type(L, 2) == LUA_TSTRING) {
        return luaL_error(L, "crelu.array: cannot set field '%s' (only elements 1..%I can be set)",
                          lua_tostring(L, 2), (lua_Integer)array->length);
    }
    size_t position = checked_position(L, array, 2);
    if (lua_type(L, 3) != LUA_TNUMBER) {
        return luaL_error(L, "crelu.array: element %I must be set to a number, got %s",
                          (lua_Integer)position + 1, crelu_lua__type_name(L, 3));
    }
    set_element(array, position, lua_tonumber(L, 3));
    return 0;
}

static int array_len(lua_State *L) {
    crelu_lua__array *array = check_self(L, "crelu.array:__len");
    lua_pushinteger(L, (lua_Integer)array->length);
    return 1;
}

/* Shows the data address, so that a caller can see where results go. */
static int array_tostring(lua_State *L) {
    crelu_lua__array *array = check_self(L, "crelu.array:__tostring");
    lua_pushfstring(L, "crelu.array(%s, %I): %p", crelu_lua__dtype_name(array->dtype),
                    (lua_Integer)array->length, (void *)array->data);
    return 1;
}

/* a:totable(): a new flat table of the elements, as Lua numbers. */
static int array_totable(lua_State *L) {
    crelu_lua__array *array = check_self(L, "crelu.array:totable");
    lua_createtable(L, array->length <= INT_MAX ? (int)array->length : 0, 0);
    for (size_t i = 0; i < array->length; i++) {
        lua_pushnumber(L, get_element(array, i));
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* a:bits(i): element i's bit pattern, as a non-negative integer (16 or 32
 * bits); for f64, the integer with the same 64 bits (string.pack("<i8")). */
static int array_bits(lua_State *L) {
    crelu_lua__array *array = check_self(L, "crelu.array:bits");
    size_t i = checked_position(L, array, 2);
    const void *data = array->data;
    switch (array->dtype) {
    case CRELU_LUA__F32: {
        uint32_t bits;
        memcpy(&bits, (const float *)data + i, sizeof bits);
        lua_pushinteger(L, (lua_Integer)bits);
        break;
    }
    case CRELU_LUA__F64: {
        int64_t bits;
        memcpy(&bits, (const double *)data + i, sizeof bits);
        lua_pushinteger(L, (lua_Integer)bits);
        break;
    }
    default:
        lua_pushinteger(L, (lua_Integer)((const uint16_t *)data)[i]);
        break;
    }
    return 1;
}

/* a:set_bits(i, v): stores the bit pattern v, unchanged (a signalling NaN
 * too): 0..0xffff for bf16 and f16, 0..0xffffffff for f32, any integer for
 * f64 (its 64 bits). */
static int array_set_bits(lua_State *L) {
    crelu_lua__array *array = check_self(L, "crelu.array:set_bits");
    size_t i = checked_position(L, array, 2);
    int is_integer = 0;
    lua_Integer bits = lua_tointegerx(L, 3, &is_integer);
    if (lua_type(L, 3) != LUA_TNUMBER || !is_integer) {
        return luaL_error(L, "crelu.array:set_bits: the bit pattern must be an integer, got %s",
                          lua_type(L, 3) == LUA_TNUMBER ? luaL_tolstring(L, 3, NULL)
                                                        : crelu_lua__type_name(L, 3));
    }
    void *data = array->data;
    lua_Integer max = array->dtype == CRELU_LUA__F32   ? (lua_Integer)UINT32_MAX
                      : array->dtype == CRELU_LUA__F64 ? LUA_MAXINTEGER
                                                       : (lua_Integer)UINT16_MAX;
    if (array->dtype != CRELU_LUA__F64 && (bits < 0 || bits > max)) {
        return luaL_error(L, "crelu.array:set_bits: %I is not a bit pattern of %s (0..%I)", bits,
                          crelu_lua__dtype_name(array->dtype), max);
    }
    switch (array->dtype) {
    case CRELU_LUA__F32: {
        uint32_t pattern = (uint32_t)bits;
        memcpy((float *)data + i, &pattern, sizeof pattern);
        break;
    }
    case CRELU_LUA__F64: {
        int64_t pattern = (int64_t)bits;
        memcpy((double *)data + i, &pattern, sizeof pattern);
        break;
    }
    default:
        ((uint16_t *)data)[i] = (uint16_t)bits;
        break;
    }
    return 0;
}

void crelu_lua__register_array(lua_State *L) {
    static const luaL_Reg methods[] = {
        {"totable", array_totable},
        {"bits", array_bits},
        {"set_bits", array_set_bits},
        {NULL, NULL},
    };
    static const luaL_Reg metamethods[] = {
        {"__newindex", array_newindex},
        {"__len", array_len},
        {"__tostring", array_tostring},
        {"__pairs", array_pairs},
        {NULL, NULL},
    };
    luaL_getmetatable(L, CRELU_LUA__ARRAY_TYPE);
    crelu_lua__set_functions(L, metamethods);
    lua_createtable(L, 0, 3);
    crelu_lua__set_functions(L, methods);
    crelu_lua__push_closure(L, array_index, 1);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
}

static crelu_lua__dtype check_dtype(lua_State *L, int index) {
    if (lua_isnoneornil(L, index)) {
        return CRELU_LUA__F64; /* Lua numbers are doubles */
    }
    if (lua_type(L, index) == LUA_TSTRING) {
        const char *name = lua_tostring(L, index);
        for (int i = 0; dtype_names[i] != NULL; i++) {
            if (strcmp(name, dtype_names[i]) == 0) {
                return (crelu_lua__dtype)i;
            }
        }
        luaL_error(L, "crelu.array: dtype must be \"f32\", \"f64\", \"bf16\" or \"f16\", "
                      "got \"%s\"",
                   name);
    }
    luaL_error(L, "crelu.array: dtype must be \"f32\", \"f64\", \"bf16\" or \"f16\", got %s",
               crelu_lua__type_name(L, index));
    return CRELU_LUA__F64;
}

/* crelu.array(n [, dtype]): n zeros; crelu.array(t [, dtype]): a copy of the
 * flat table t, each number stored as a[i] = v stores it. dtype defaults to
 * "f64". */
int crelu_lua__array_new(lua_State *L) {
    crelu_lua__dtype dtype = check_dtype(L, 2);
    if (lua_type(L, 1) == LUA_TNUMBER) {
        int is_integer = 0;
        lua_Integer length = lua_tointegerx(L, 1, &is_integer);
        if (!is_integer || length < 0) {
            return luaL_error(L, "crelu.array: length must be a non-negative integer, got %s",
                              luaL_tolstring(L, 1, NULL));
        }
        crelu_lua__push_array(L, (size_t)length, dtype, "crelu.array");
        return 1;
    }
    if (lua_type(L, 1) != LUA_TTABLE) {
        return luaL_error(L, "crelu.array: expected a length or a flat table of numbers, got %s",
                          crelu_lua__type_name(L, 1));
    }
    crelu_lua__shape shape = crelu_lua__table_shape(L, 1, "crelu.array");
    if (shape.nested) {
        return luaL_error(L, "crelu.array: expected a flat table of numbers, got a table of rows");
    }
    /* Read into a scratch buffer first: a non-number raises an error, and
     * every dtype but f64 needs a conversion anyway. */
    double *values = lua_newuserdatauv(L, shape.count * sizeof(double), 0);
    crelu_lua__table_read(L, 1, &shape, values, "crelu.array");
    crelu_lua__array *array = crelu_lua__push_array(L, shape.count, dtype, "crelu.array");
    for (size_t i = 0; i < shape.count; i++) {
        set_element(array, i, values[i]);
    }
    return 1;
}
