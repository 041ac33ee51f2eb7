#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every ```c block of the README compiles as written, warning-free, against
# the installed library (found by pkg-config, as the README says), and runs
# with exit status 0. Only the C blocks: the Lua, JavaScript and Python
# blocks are not checked here yet.
set -euo pipefail
readme=$1 prefix=$2 work=$3 cc=${CC:-cc}
rm -rf "$work" && mkdir -p "$work"
# Block k goes to block<k>.c; a fence is "```c" alone on its line.
awk -v dir="$work" '
    /^```c[ \t]*$/ { n++; file = sprintf("%s/block%d.c", dir, n); inside = 1; next }
    /^```/ && inside { inside = 0; close(file); next }
    inside { print > file }
' "$readme"
shopt -s nullglob
blocks=("$work"/block*.c)
[ ${#blocks[@]} -gt 0 ] || { echo "no \`\`\`c block in $readme" >&2; exit 1; }
export PKG_CONFIG_PATH=$(ls -d "$prefix"/lib*/pkgconfig | head -n 1)
unset LD_LIBRARY_PATH
for block in "${blocks[@]}"; do
    exe=${block%.c}
    # shellcheck disable=SC2046 # word splitting of pkg-config's flags is intended
    if ! "$cc" -std=c11 -Wall -Wextra -Wpedantic -Werror -o "$exe" "$block" \
            $(pkg-config --cflags --libs crelu) -Wl,-rpath,"$(pkg-config --variable=libdir crelu)"; then
        echo "README block $(basename "$block") does not compile:" >&2
        cat -n "$block" >&2
        exit 1
    fi
    "$exe" || { echo "README block $(basename "$block") exited with status $?" >&2; exit 1; }
done
echo "README: ${#blocks[@]} C block(s) compiled and ran"
