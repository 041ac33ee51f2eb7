# SPDX-License-Identifier: MIT
# Cross build for i686-linux-gnu (Debian i386): gcc-i686-linux-gnu, its tests run under qemu-i386.
# See CreluCrossToolchain.cmake; .ci/cross uses it.
set(crelu_cross_triple i686-linux-gnu)
set(crelu_cross_processor i686)
set(crelu_cross_arch i386)
set(crelu_cross_qemu qemu-i386)
include(${CMAKE_CURRENT_LIST_DIR}/CreluCrossToolchain.cmake)
