#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds and runs a consumer of the installed library twice, the two ways a C
# user links it: pkg-config, and CMake's find_package. No LD_LIBRARY_PATH:
# the consumer must find libcrelu.so.1 by its RPATH.
set -euo pipefail
prefix=$1 work=$2 cc=${CC:-cc}
here=$(cd "$(dirname "$0")" && pwd)
libdir=$(ls -d "$prefix"/lib*/pkgconfig | head -n 1)
unset LD_LIBRARY_PATH
rm -rf "$work" && mkdir -p "$work"

export PKG_CONFIG_PATH=$libdir
echo "pkg-config --cflags --libs crelu: $(pkg-config --cflags --libs crelu)"
# shellcheck disable=SC2046 # word splitting of pkg-config's flags is intended
"$cc" -o "$work/consumer_pkgconfig" "$here/consumer.c" $(pkg-config --cflags --libs crelu) \
    -Wl,-rpath,"$(pkg-config --variable=libdir crelu)"
"$work/consumer_pkgconfig"

cmake -S "$here/cmake-consumer" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/cmake" >/dev/null
"$work/cmake/consumer_shared"
"$work/cmake/consumer_static"
if ldd "$work/cmake/consumer_static" | grep -q libcrelu; then
    echo "consumer_static links libcrelu.so: crelu::crelu_static is not static" >&2
    exit 1
fi
echo "consumers: pkg-config, find_package shared and static: OK"
