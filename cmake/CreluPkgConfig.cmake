# SPDX-License-Identifier: MIT
# Run at install time (install(CODE) in CMakeLists.txt): writes crelu.pc with
# the prefix this install uses, CMAKE_INSTALL_PREFIX as cmake --install
# --prefix set it. Inputs: crelu_pc_template, crelu_pc_output,
# crelu_pc_version, crelu_pc_libdir, crelu_pc_includedir (the GNUInstallDirs
# values, relative to the prefix unless absolute).
set(CRELU_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
# pkg-config prints "//" as is; a prefix given as "/opt/crelu/" must not make one.
string(REGEX REPLACE "(.)/+$" "\\1" CRELU_PC_PREFIX "${CRELU_PC_PREFIX}")
set(CRELU_PC_VERSION "${crelu_pc_version}")
foreach(kind libdir includedir)
  set(dir "${crelu_pc_${kind}}")
  if(NOT IS_ABSOLUTE "${dir}")
    set(dir "\${prefix}/${dir}")
  endif()
  string(TOUPPER ${kind} upper)
  set(CRELU_PC_${upper} "${dir}")
endforeach()
configure_file("${crelu_pc_template}" "${crelu_pc_output}" @ONLY)
