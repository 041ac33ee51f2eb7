# SPDX-License-Identifier: MIT
# Cross build for s390x-linux-gnu (Debian s390x): gcc-s390x-linux-gnu, its tests run under qemu-s390x.
# See CreluCrossToolchain.cmake; .ci/cross uses it.
set(crelu_cross_triple s390x-linux-gnu)
set(crelu_cross_processor s390x)
set(crelu_cross_arch s390x)
set(crelu_cross_qemu qemu-s390x)
include(${CMAKE_CURRENT_LIST_DIR}/CreluCrossToolchain.cmake)
