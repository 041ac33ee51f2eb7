# SPDX-License-Identifier: MIT
# Reads CRELU_VERSION_MAJOR/MINOR/PATCH from crelu.h, the one place the
# version is written, into CRELU_VERSION (as zstd's GetZstdLibraryVersion).
function(crelu_read_version header out_var)
  file(STRINGS "${header}" lines REGEX "^#define CRELU_VERSION_(MAJOR|MINOR|PATCH) +[0-9]+")
  foreach(part MAJOR MINOR PATCH)
    string(REGEX MATCH "CRELU_VERSION_${part} +([0-9]+)" _ "${lines}")
    set(${part} "${CMAKE_MATCH_1}")
    if(${part} STREQUAL "")
      message(FATAL_ERROR "CRELU_VERSION_${part} not found in ${header}")
    endif()
  endforeach()
  set(${out_var} "${MAJOR}.${MINOR}.${PATCH}" PARENT_SCOPE)
endfunction()
