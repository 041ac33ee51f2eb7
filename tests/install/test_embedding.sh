#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Embedded with add_subdirectory, libcrelu defines only its library targets:
# no tests, benchmarks, demo or bindings (built or registered with CTest),
# and a consumer links the `crelu` target and runs.
set -euo pipefail
source_dir=$1 work=$2
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work" && mkdir -p "$work"
cmake -S "$here/embedder" -B "$work" -DCRELU_SOURCE_DIR="$source_dir" >"$work/configure.log" 2>&1 ||
    { cat "$work/configure.log" >&2; exit 1; }
# Every target the Makefiles know, without the generic ones and per-file ones.
targets=$(cmake --build "$work" --target help | sed -n 's/^\.\.\. \([^ ]*\).*/\1/p' |
    grep -v -E '\.(o|i|s)$' |
    grep -v -x -E 'all|clean|depend|edit_cache|rebuild_cache|install(/local|/strip)?|list_install_components' |
    sort | tr '\n' ' ')
expected="crelu crelu_reference crelu_static embedder "
if [ "$targets" != "$expected" ]; then
    echo "embedded build's targets: $targets" >&2
    echo "expected only:            $expected" >&2
    exit 1
fi
if grep -q -i warning "$work/configure.log"; then
    echo "configure warned when embedded:" >&2
    cat "$work/configure.log" >&2
    exit 1
fi
cmake --build "$work" -j2 >/dev/null
# crelu_reference is the tests' oracle: defined, but not built by default.
if find "$work" -path '*/crelu_reference.dir/*.o' | grep -q .; then
    echo "the embedded build compiled the tests' reference kernels" >&2
    exit 1
fi
tests=$(cd "$work" && ctest -N | sed -n 's/^Total Tests: //p')
[ "${tests:-0}" = 0 ] || { echo "the embedded build registered $tests tests" >&2; exit 1; }
"$work/embedder"
echo "embedded: targets $targets, embedder runs"
rm -rf "$work"
