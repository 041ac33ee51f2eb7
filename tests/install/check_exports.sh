#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The ABI surface of libcrelu.so: SONAME libcrelu.so.1, and the exported
# symbols are exactly abi/exports.txt, name and version, the committed list
# (abi/update-baseline writes it). The list in turn names exactly the
# functions crelu.h declares with CRELU_API, so the header, the list and the
# library cannot drift apart. tests/ffi checks the library against the same
# list again, reading the ELF file itself.
set -euo pipefail
library=$1 header=$2 exports_file=$3

soname=$(readelf -d "$library" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ "$soname" = "libcrelu.so.1" ] || { echo "SONAME is '$soname', want libcrelu.so.1" >&2; exit 1; }

listed=$(grep -v '^#' "$exports_file" | LC_ALL=C sort)
exported=$(nm -D --defined-only "$library" | awk '$2 != "A" {print $3}' | LC_ALL=C sort)
declared=$(sed -n 's/^CRELU_API .*[ *]\(crelu_[a-z0-9_]*\)(.*/\1/p' "$header" | LC_ALL=C sort)
bad=0
while read -r entry; do
    case "$entry" in
        crelu_*@@CRELU_*) ;;
        *) echo "abi/exports.txt: '$entry' is not crelu_NAME@@CRELU_VERSION" >&2; bad=1 ;;
    esac
done <<<"$listed"
if [ "$exported" != "$listed" ]; then
    echo "exports differ from abi/exports.txt (< listed, > exported):" >&2
    diff <(echo "$listed") <(echo "$exported") >&2 || true
    bad=1
fi
if [ "$(sed 's/@.*$//' <<<"$listed")" != "$declared" ]; then
    echo "abi/exports.txt differs from the CRELU_API declarations in crelu.h" \
         "(< declared, > listed):" >&2
    diff <(echo "$declared") <(sed 's/@.*$//' <<<"$listed") >&2 || true
    bad=1
fi
[ "$bad" = 0 ] || exit 1
echo "SONAME $soname; $(wc -l <<<"$exported") exports, exactly abi/exports.txt and crelu.h's CRELU_API functions"
