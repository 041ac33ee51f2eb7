#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The uninstall target removes every file an install wrote: install the build
# tree into a fresh prefix, uninstall, and find no file or link left.
# Runs under CTest's RESOURCE_LOCK with every other install from this build
# tree, since they all write the same install_manifest.txt.
set -euo pipefail
build_dir=$1 prefix=$2
rm -rf "$prefix"
cmake --install "$build_dir" --prefix "$prefix" >/dev/null
installed=$(find "$prefix" ! -type d | wc -l)
[ "$installed" -gt 0 ] || { echo "the install wrote nothing into $prefix" >&2; exit 1; }
cmake --build "$build_dir" --target uninstall >/dev/null
left=$(find "$prefix" ! -type d)
if [ -n "$left" ]; then
    echo "uninstall left these files behind:" >&2
    echo "$left" >&2
    exit 1
fi
echo "uninstall removed all $installed files from $prefix"
rm -rf "$prefix"
