/* SPDX-License-Identifier: MIT */
/*
 * Private declarations shared by the files of the Lua binding. Nothing here
 * is visible to Lua code except through luaopen_crelu.
 *
 * Error handling: every Lua error raised by the binding (lua_error is a
 * longjmp) happens either before the C library is called or after it has
 * returned; every buffer the binding needs is a GC-owned userdata, so an
 * error never leaks memory and never leaves an output half-written.
 */
#ifndef CRELU_LUA_H
#define CRELU_LUA_H

#include <stddef.h>
#include <stdint.h>

#include <lauxlib.h>
#include <lua.h>

/* Registry names of the two userdata metatables; luaL_checkudata-style
 * messages and tostring() show them. */
#define CRELU_LUA__ARRAY_TYPE "crelu.array"
#define CRELU_LUA__RELU_TYPE "crelu.ReLU"

/* ---- the two metatables, as upvalues of every function (types.c) ---- */

/* Every Lua function of the module is made by crelu_lua__push_closure or
 * crelu_lua__set_functions, so these two upvalues are always there. */
#define CRELU_LUA__ARRAY_MT lua_upvalueindex(1)
#define CRELU_LUA__RELU_MT lua_upvalueindex(2)

/* Makes the two (empty) metatables in the registry; luaopen_crelu calls it
 * first. */
void crelu_lua__new_metatables(lua_State *L);

/* Pushes `function` as a closure whose upvalues are the two metatables and
 * then the `extra` values on top of the stack (which it pops). */
void crelu_lua__push_closure(lua_State *L, lua_CFunction function, int extra);

/* luaL_setfuncs(L, functions, 0) with crelu_lua__push_closure's closures:
 * sets them into the table on top of the stack. */
void crelu_lua__set_functions(lua_State *L, const luaL_Reg *functions);

/* The userdata at `index` if its metatable is the one at `metatable`
 * (CRELU_LUA__ARRAY_MT or CRELU_LUA__RELU_MT), or NULL: luaL_testudata
 * without the registry lookup. Inline: a 1,024-element call takes about
 * 40 ns in C, and the checks are a good part of what the binding adds. */
static inline void *crelu_lua__test_udata(lua_State *L, int index, int metatable) {
    void *data = lua_touserdata(L, index);
    if (data == NULL || !lua_getmetatable(L, index)) {
        return NULL;
    }
    int same = lua_rawequal(L, -1, metatable);
    lua_pop(L, 1);
    return same ? data : NULL;
}

/* ---- crelu.array: a flat, fixed-length buffer of one dtype ---- */

/* The order is that of the names in array.c and of every kernel row. */
typedef enum crelu_lua__dtype {
    CRELU_LUA__F32 = 0,
    CRELU_LUA__F64 = 1,
    CRELU_LUA__BF16 = 2, /* stored as uint16_t bit patterns, as crelu.h takes them */
    CRELU_LUA__F16 = 3,
    CRELU_LUA__DTYPES = 4
} crelu_lua__dtype;

/* Where an array's elements start: a multiple of this. Lua's userdata are
 * only 16-byte aligned, and the C kernels' 64-byte vectors that straddle
 * two cache lines made a 1,024-element f32 call about a fifth slower. */
#define CRELU_LUA__ARRAY_ALIGN 64

typedef struct crelu_lua__array {
    size_t length;
    crelu_lua__dtype dtype;
    /* `length` elements of `dtype`, in the same block as this header, at
     * its first CRELU_LUA__ARRAY_ALIGN boundary after it (userdata never
     * move, so the pointer stays valid). */
    unsigned char *data;
} crelu_lua__array;

/* "f32", "f64", "bf16" or "f16". */
const char *crelu_lua__dtype_name(crelu_lua__dtype dtype);

/* "an f32", "a bf16", ...: the name with its article, for messages. */
const char *crelu_lua__dtype_article(crelu_lua__dtype dtype);

/* Pushes a new zero-filled array; `who` names the Lua function for errors. */
crelu_lua__array *crelu_lua__push_array(lua_State *L, size_t length, crelu_lua__dtype dtype,
                                        const char *who);

/* The array at `index`, or NULL if that value is not one. */
static inline crelu_lua__array *crelu_lua__to_array(lua_State *L, int index) {
    return crelu_lua__test_udata(L, index, CRELU_LUA__ARRAY_MT);
}

/* Fills the array metatable; luaopen_crelu calls it once. */
void crelu_lua__register_array(lua_State *L);

/* Lua function crelu.array(n | table [, dtype]). */
int crelu_lua__array_new(lua_State *L);

/* ---- bfloat16 and float16 <-> Lua numbers (half.c) ---- */

/* The value of the 16-bit pattern `bits` of `dtype` (CRELU_LUA__BF16 or
 * CRELU_LUA__F16) as a double: exact, a NaN keeping its sign and payload
 * (a signalling one stays signalling). */
double crelu_lua__half_to_double(uint16_t bits, crelu_lua__dtype dtype);

/* `value` narrowed once to `dtype` (CRELU_LUA__BF16 or CRELU_LUA__F16),
 * round-to-nearest-even, overflow to infinity, subnormals kept; a NaN keeps
 * its sign and the top payload bits that fit (or the lowest payload bit, if
 * those are all zero). */
uint16_t crelu_lua__double_to_half(double value, crelu_lua__dtype dtype);

/* ---- tables of numbers: flat {1, 2} or nested rows {{1, 2}, {3, 4}} ---- */

typedef struct crelu_lua__shape {
    int nested;   /* 0: a flat table; 1: a table of equal-length row tables */
    size_t rows;  /* nested only */
    size_t cols;  /* nested: the length of each row; flat: the length */
    size_t count; /* the number of elements */
} crelu_lua__shape;

/* Reads the shape of the table at `index`: flat, or rows (if element 1 is a
 * table), checking that every row is a table, that all have the same
 * length, and that the element count times 8 bytes fits one buffer; raises a
 * Lua error naming `who` otherwise. */
crelu_lua__shape crelu_lua__table_shape(lua_State *L, int index, const char *who);

/* Copies the table at `index`, of shape `shape`, into `values` as doubles;
 * raises a Lua error naming `who` and the element at the first non-number,
 * at an integer key found past a table's or row's length, or if the shape
 * changed since crelu_lua__table_shape (`values` is then partly written:
 * pass a scratch buffer). */
void crelu_lua__table_read(lua_State *L, int index, const crelu_lua__shape *shape,
                           double *values, const char *who);

/* Pushes a new table of shape `shape` holding `values`. */
void crelu_lua__table_push(lua_State *L, const crelu_lua__shape *shape, const double *values);

/* ---- running a C entry point on whatever Lua passed ---- */

/* A status the binding's own entry points return besides crelu's: the
 * object was closed during the call, after its arguments were checked. */
#define CRELU_LUA__CLOSED (-1)

/* One C entry point on `in` and `out`, n elements of one dtype each (the
 * kernel's row says which), with the state it needs (a crelu.ReLU object or
 * nothing). Returns a crelu status or CRELU_LUA__CLOSED. It reads what it
 * needs of `state` itself, when called: the binding allocates before that,
 * and an allocation can run a __gc that closes the object in mid-call. */
typedef int (*crelu_lua__kernel)(void *state, const void *in, void *out, size_t n);

/* One C entry point in every dtype, with its state. */
typedef struct crelu_lua__op {
    const char *who;     /* "crelu.ReLU:forward", for error messages */
    const char *in_name; /* what the input is called in messages: "x" or "d" */
    void *state;
    const crelu_lua__kernel *run; /* CRELU_LUA__DTYPES entries, by dtype */
} crelu_lua__op;

/* Applies `op` to the value at `in_index`, a crelu.array or a table, and
 * returns 1 result on the stack: for an array, a new array of the same dtype
 * or the array at `out_index` (which must then be a crelu.array of the same
 * dtype and length; nil means none); for a table, a new table of the same
 * shape, computed in float64. */
int crelu_lua__apply(lua_State *L, const crelu_lua__op *op, int in_index, int out_index);

/* The Lua type name of the value at `index`, or its metatable's __name
 * (e.g. "crelu.array") if it has one. */
const char *crelu_lua__type_name(lua_State *L, int index);

/* ---- crelu.ReLU, crelu.relu and crelu.relu_backward ---- */

/* Fills the crelu.ReLU metatable; luaopen_crelu calls it once. */
void crelu_lua__register_relu(lua_State *L);

/* Lua function crelu.ReLU([options]). */
int crelu_lua__relu_new(lua_State *L);

/* Lua function crelu.relu(x [, out]). */
int crelu_lua__relu_stateless(lua_State *L);

/* Lua function crelu.relu_backward(x, d [, out]). */
int crelu_lua__relu_backward_stateless(lua_State *L);

#endif /* CRELU_LUA_H */
