#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the build tree into a fresh prefix: the fixture the install-side
# tests (consumers, differential) run against.
set -euo pipefail
build_dir=$1 prefix=$2
rm -rf "$prefix"
cmake --install "$build_dir" --prefix "$prefix" >/dev/null
echo "installed into $prefix"
