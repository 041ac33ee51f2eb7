/* SPDX-License-Identifier: MIT */
/*
 * How the binding knows its own userdata: every Lua function of the module
 * is a C closure over the two metatables, so a type check compares the
 * value's metatable with an upvalue. luaL_testudata would instead look the
 * metatable up in the registry by name on every call, which hashes and
 * compares the name (strcmp in lua_getfield's string cache): about a fifth
 * of a 1,024-element call. The registry keeps the metatables under their
 * names too (luaL_newmetatable), which gives them __name for messages.
 */
#include "crelu_lua.h"

void crelu_lua__new_metatables(lua_State *L) {
    luaL_newmetatable(L, CRELU_LUA__ARRAY_TYPE);
    luaL_newmetatable(L, CRELU_LUA__RELU_TYPE);
    lua_pop(L, 2);
}

void crelu_lua__push_closure(lua_State *L, lua_CFunction function, int extra) {
    luaL_getmetatable(L, CRELU_LUA__ARRAY_TYPE);
    luaL_getmetatable(L, CRELU_LUA__RELU_TYPE);
    /* The two metatables go below the extra upvalues: upvalues 1 and 2. */
    lua_rotate(L, -(extra + 2), 2);
    lua_pushcclosure(L, function, 2 + extra);
}

void crelu_lua__set_functions(lua_State *L, const luaL_Reg *functions) {
    for (; functions->name != NULL; functions++) {
        crelu_lua__push_closure(L, functions->func, 0);
        lua_setfield(L, -2, functions->name);
    }
}
