# SPDX-License-Identifier: MIT
# Shared settings for the language bindings under bindings/.
#
# Each binding has a tri-state option CRELU_BUILD_<LANG>: AUTO (the default)
# builds it when what it needs is found and skips it with a warning when not;
# ON makes a missing dependency a configure error, so that scripts/test can
# never silently run fewer suites; OFF skips it.

set(CRELU_INSTALL_LUADIR "lib/lua/5.4" CACHE STRING
  "Where the Lua 5.4 C module goes, relative to the prefix (LUA_CPATH)")
set(CRELU_INSTALL_NODEDIR "lib/node_modules/crelu" CACHE STRING
  "Where the Node.js package goes, relative to the prefix (NODE_PATH is its parent)")
# The Python package goes where the configured interpreter (CRELU_PYTHON,
# /usr/bin/python3 by default) looks under a prefix: its default scheme's
# purelib relative to the scheme's prefix. Debian's python3 gives
# lib/python3.11/dist-packages, which it searches under /usr/local, so the
# default install needs no PYTHONPATH (Debian's own packages, prefix /usr,
# pass lib/python3/dist-packages); a venv's python gives lib/python3.X/site-packages.
# CRELU_PYTHON_DEFAULT_DIR (internal) keeps that value for tests/python.
if(DEFINED CRELU_PYTHON)
  set(crelu_python_for_dir "${CRELU_PYTHON}")
else()
  set(crelu_python_for_dir /usr/bin/python3)
endif()
execute_process(
  COMMAND "${crelu_python_for_dir}" -c
    "import os, sysconfig; p = sysconfig.get_paths(); print(os.path.relpath(p['purelib'], p['data']))"
  OUTPUT_VARIABLE crelu_python_dir RESULT_VARIABLE crelu_python_status
  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT crelu_python_status EQUAL 0 OR crelu_python_dir STREQUAL "" OR crelu_python_dir MATCHES "^\\.\\.")
  set(crelu_python_dir "lib/python3/dist-packages")
  message(STATUS "${crelu_python_for_dir} gave no package directory: "
                 "the Python package's default is ${crelu_python_dir}")
endif()
set(CRELU_PYTHON_DEFAULT_DIR "${crelu_python_dir}" CACHE INTERNAL "CRELU_INSTALL_PYTHONDIR's default")
set(CRELU_INSTALL_PYTHONDIR "${CRELU_PYTHON_DEFAULT_DIR}" CACHE STRING
  "Where the Python package goes, relative to the prefix (default: where CRELU_PYTHON looks under a prefix)")

# crelu_binding_enabled(<LANG> <found> <what is missing>)
# Sets CRELU_<LANG>_ENABLED in the caller and records enabled bindings in the
# global property CRELU_BINDINGS, which tests/ reads to add their suites.
function(crelu_binding_enabled lang found missing)
  set(option CRELU_BUILD_${lang})
  # Embedded in another project (see CRELU_IS_TOP_LEVEL), OFF unless asked for.
  set(default AUTO)
  if(NOT CRELU_IS_TOP_LEVEL)
    set(default OFF)
  endif()
  set(${option} ${default} CACHE STRING "Build the ${lang} binding: AUTO, ON or OFF")
  set_property(CACHE ${option} PROPERTY STRINGS AUTO ON OFF)
  set(enabled OFF)
  if(${option} STREQUAL "AUTO")
    if(found)
      set(enabled ON)
    else()
      message(WARNING "${lang} binding skipped: ${missing} not found. "
                      "Pass -D${option}=ON to require it.")
    endif()
  elseif(${option})
    if(NOT found)
      message(FATAL_ERROR "${option}=ON but ${missing} was not found")
    endif()
    set(enabled ON)
  endif()
  if(enabled)
    string(TOLOWER ${lang} name)
    set_property(GLOBAL APPEND PROPERTY CRELU_BINDINGS ${name})
  endif()
  set(CRELU_${lang}_ENABLED ${enabled} PARENT_SCOPE)
endfunction()

# crelu_rpath_from(<out-var> <install dir relative to the prefix>)
# An $ORIGIN-relative RPATH from that directory to the library's, so an
# installed binding finds libcrelu.so.1 in its own prefix wherever the
# prefix is moved, without LD_LIBRARY_PATH.
function(crelu_rpath_from out dir)
  file(RELATIVE_PATH rel "/prefix/${dir}" "/prefix/${CMAKE_INSTALL_LIBDIR}")
  if(rel STREQUAL "")
    set(${out} "$ORIGIN" PARENT_SCOPE)
  else()
    set(${out} "$ORIGIN/${rel}" PARENT_SCOPE)
  endif()
endfunction()
