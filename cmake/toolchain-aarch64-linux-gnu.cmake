# SPDX-License-Identifier: MIT
# Cross build for aarch64-linux-gnu (Debian arm64): gcc-aarch64-linux-gnu, its tests run under qemu-aarch64.
# See CreluCrossToolchain.cmake; .ci/cross uses it.
set(crelu_cross_triple aarch64-linux-gnu)
set(crelu_cross_processor aarch64)
set(crelu_cross_arch arm64)
set(crelu_cross_qemu qemu-aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/CreluCrossToolchain.cmake)
