#!/usr/bin/env bash
# The ABI surface of libcrelu.so: SONAME libcrelu.so.1, and the exported
# symbols are exactly the functions crelu.h declares with CRELU_API, each
# under the version node CRELU_1.
set -euo pipefail
library=$1 header=$2

soname=$(readelf -d "$library" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ "$soname" = "libcrelu.so.1" ] || { echo "SONAME is '$soname', want libcrelu.so.1" >&2; exit 1; }

exported=$(nm -D --defined-only "$library" | awk '$2 != "A" {print $3}' | sort)
declared=$(sed -n 's/^CRELU_API .*[ *]\(crelu_[a-z0-9_]*\)(.*/\1/p' "$header" | sort)
bad=0
while read -r sym; do
    case "$sym" in
        crelu_*@@CRELU_1) ;;
        *) echo "unexpected or unversioned export: $sym" >&2; bad=1 ;;
    esac
done <<<"$exported"
if [ "$(sed 's/@@CRELU_1$//' <<<"$exported")" != "$declared" ]; then
    echo "exports differ from the CRELU_API declarations in crelu.h:" >&2
    diff <(echo "$declared") <(sed 's/@@CRELU_1$//' <<<"$exported") >&2 || true
    bad=1
fi
[ "$bad" = 0 ] || exit 1
echo "SONAME $soname; $(wc -l <<<"$exported") exports, all crelu_*@@CRELU_1, matching crelu.h"
