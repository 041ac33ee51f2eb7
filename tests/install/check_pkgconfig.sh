#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# crelu.pc in an installed prefix prints clean absolute paths: no "..", no
# "${pcfiledir}" left over, and the directories are the prefix's own.
set -euo pipefail
prefix=$1
prefix=$(cd "$prefix" && pwd)
pcdir=$(ls -d "$prefix"/lib*/pkgconfig | head -n 1)
export PKG_CONFIG_PATH=$pcdir
unset PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_ALLOW_SYSTEM_CFLAGS PKG_CONFIG_ALLOW_SYSTEM_LIBS
flags=$(pkg-config --cflags --libs crelu)
libdir=$(pkg-config --variable=libdir crelu)
includedir=$(pkg-config --variable=includedir crelu)
echo "pkg-config --cflags --libs crelu: $flags"
echo "libdir=$libdir includedir=$includedir"
status=0
for text in "$flags" "$libdir" "$includedir"; do
    case $text in
        *..*) echo "'..' in pkg-config's output: $text" >&2; status=1 ;;
    esac
done
[ "$libdir" = "$(dirname "$pcdir")" ] || { echo "libdir is not $(dirname "$pcdir")" >&2; status=1; }
[ "$includedir" = "$prefix/include" ] || { echo "includedir is not $prefix/include" >&2; status=1; }
[ -f "$includedir/crelu.h" ] || { echo "no crelu.h in $includedir" >&2; status=1; }
exit $status
