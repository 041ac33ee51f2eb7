-- SPDX-License-Identifier: MIT
-- The Lua 5.4 binding as a rock. From the checkout's top directory:
--   luarocks --lua-version 5.4 make --local        (or --tree DIR)
-- The version is crelu.h's (test package.versions checks the file name and
-- the field): change both with it.
rockspec_format = "3.0"
package = "crelu"
version = "1.1.0-1"
source = {
   -- luarocks make builds the checkout it runs in; nothing is fetched.
   url = "git+file://./",
}
description = {
   summary = "ReLU and its backward pass, bit-exact with PyTorch 1.13 and NumPy",
   detailed = [[
A Lua 5.4 binding of libcrelu: crelu.ReLU{save = "mask", grad = "cs231n"}
called on tables (flat or rows) or on zero-copy float32/float64 arrays, then
asked for backward. libcrelu is compiled into the module.]],
   license = "MIT",
}
supported_platforms = { "linux" }
dependencies = {
   "lua >= 5.4, < 5.5",
}
-- The project's own CMake builds the module, because libcrelu's x86 kernel
-- files each need their own flag (-mavx2, -mavx512f: they run only after a
-- CPU check), which the builtin backend cannot give per file, and because
-- the source list and flags then live in one place. CRELU_LUA_ROCK links
-- libcrelu.a into crelu.so and builds nothing else; LuaRocks copies the
-- module from the build tree (install_pass = false: the project's install
-- rules are for a CMake prefix, not for a rock tree).
build = {
   type = "cmake",
   variables = {
      CMAKE_BUILD_TYPE = "Release",
      CMAKE_C_COMPILER = "$(CC)",
      CMAKE_C_FLAGS = "$(CFLAGS)",
      CRELU_LUA_ROCK = "ON",
      CRELU_LUA_INCDIR = "$(LUA_INCDIR)",
      CRELU_BUILD_LUA = "ON",
      CRELU_BUILD_NODE = "OFF",
      CRELU_BUILD_PYTHON = "OFF",
      CRELU_BUILD_DEMO = "OFF",
      CRELU_BUILD_BENCH = "OFF",
      BUILD_TESTING = "OFF",
   },
   install_pass = false,
   install = {
      lib = { crelu = "build.luarocks/bindings/lua/crelu.so" },
   },
}
