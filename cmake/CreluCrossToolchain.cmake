# SPDX-License-Identifier: MIT
# What every cmake/toolchain-<triple>.cmake shares: a Debian cross compiler
# (gcc-<triple>), the cross C library under /usr/<triple>, and qemu-user to
# run what is built, so that ctest runs the tests on the target:
#
#   cmake -S . -B build-arm64 --toolchain cmake/toolchain-aarch64-linux-gnu.cmake
#   cmake --build build-arm64 && ctest --test-dir build-arm64 -L unit
#
# Nothing else of the target is needed: the C suites build against their
# Criterion stand-in when cross compiling (tests/c/CMakeLists.txt says why).
# The including file sets crelu_cross_triple, crelu_cross_processor,
# crelu_cross_arch (Debian's name) and crelu_cross_qemu.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR ${crelu_cross_processor})
set(CMAKE_C_COMPILER ${crelu_cross_triple}-gcc)

set(crelu_cross_libc /usr/${crelu_cross_triple})
set(CMAKE_FIND_ROOT_PATH ${crelu_cross_libc})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config must not hand the host's .pc files (and so the host's headers)
# to a cross build: it sees the target's root only, which has none.
set(ENV{PKG_CONFIG_LIBDIR} "${crelu_cross_libc}/lib/pkgconfig")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${crelu_cross_libc}")
unset(ENV{PKG_CONFIG_PATH})

# ctest runs every test program through this: qemu-user, with the target's
# dynamic loader and C library from the cross toolchain.
set(CMAKE_CROSSCOMPILING_EMULATOR ${crelu_cross_qemu} -L ${crelu_cross_libc})

# The bindings load into the host's interpreters (Lua, Node.js, Python),
# which a cross build cannot run, and their headers here are the host's:
# off unless asked for.
foreach(crelu_cross_binding LUA NODE PYTHON)
  set(CRELU_BUILD_${crelu_cross_binding} OFF CACHE STRING
    "Build the ${crelu_cross_binding} binding: AUTO, ON or OFF (OFF when cross compiling)")
endforeach()
