/* SPDX-License-Identifier: MIT */
/*
 * luaopen_crelu: the entry point require "crelu" calls. Makes the two
 * metatables and returns the module table; sets no globals.
 */
#include <crelu.h>

#include "crelu_lua.h"

/* The one exported symbol; everything else is hidden. */
__attribute__((visibility("default"))) int luaopen_crelu(lua_State *L);

int luaopen_crelu(lua_State *L) {
    static const luaL_Reg functions[] = {
        {"ReLU", crelu_lua__relu_new},
        {"relu", crelu_lua__relu_stateless},
        {"relu_backward", crelu_lua__relu_backward_stateless},
        {"array", crelu_lua__array_new},
        {NULL, NULL},
    };
    luaL_checkversion(L);
    /* A libcrelu of another major version would not keep this module's ABI. */
    if (crelu_version_number() / 10000 != CRELU_VERSION_MAJOR) {
        return luaL_error(L, "crelu: this module was built for libcrelu %d.x, but libcrelu %s "
                             "was loaded",
                          CRELU_VERSION_MAJOR, crelu_version_string());
    }
    crelu_lua__new_metatables(L);
    crelu_lua__register_array(L);
    crelu_lua__register_relu(L);
    lua_createtable(L, 0, 7);
    crelu_lua__set_functions(L, functions);
    lua_pushstring(L, crelu_version_string());
    lua_setfield(L, -2, "version");
    /* The module's own version, Lua's convention for a module: the header's
     * it was built from (the one checked above is the loaded library's). */
    lua_pushstring(L, CRELU_VERSION_STRING);
    lua_setfield(L, -2, "_VERSION");
    lua_pushstring(L, crelu_isa_name());
    lua_setfield(L, -2, "isa");
    return 1;
}
