#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every source file carries "SPDX-License-Identifier: MIT" as its first line,
# or its second when the first is a shebang. Source files are:
#   C and headers (*.c, *.h) and the linker map (*.map):  /* SPDX-... */
#   JavaScript and TypeScript (*.js, *.mjs, *.cjs, *.ts):  // SPDX-...
#   Lua (*.lua) and rockspecs (*.rockspec):                 -- SPDX-...
#   Python (*.py, *.py.in), CMake (CMakeLists.txt, *.cmake, *.cmake.in),
#   shell (*.sh), gnuplot (*.gp), and any file starting with "#!"
#   (scripts/, abi/, .ci/):                                # SPDX-...
# Data is not: the fuzz corpora, bench/results, abi/'s baselines, JSON.
# The file list is `git ls-files` in a checkout (CI clones), else a find.
set -euo pipefail
root=$(cd "${1:-$(dirname "$0")/..}" && pwd)
cd "$root"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    list() { git ls-files; }
else
    list() { find . -path ./.git -prune -o -path './build*' -prune -o -type f -print | sed 's|^\./||'; }
fi
checked=0 missing=0
while IFS= read -r file; do
    case $file in
        tests/fuzz/corpus/* | tests/fuzz/grown/* | bench/results/*) continue ;;
    esac
    [ -f "$file" ] || continue  # deleted but not yet committed
    case $file in
        *.c | *.h | *.map) want='/* SPDX-License-Identifier: MIT */' ;;
        *.js | *.mjs | *.cjs | *.ts) want='// SPDX-License-Identifier: MIT' ;;
        *.lua | *.rockspec) want='-- SPDX-License-Identifier: MIT' ;;
        *.py | *.py.in | CMakeLists.txt | */CMakeLists.txt | *.cmake | *.cmake.in | *.sh | *.gp)
            want='# SPDX-License-Identifier: MIT' ;;
        *) want='' ;;
    esac
    # Bash's read, not head/sed: no process per file.
    first='' second=''
    { IFS= read -r first || true; IFS= read -r second || true; } <"$file"
    if [ -z "$want" ]; then
        # Any other file is a source file only when it is a script.
        case $first in '#!'*) want='# SPDX-License-Identifier: MIT' ;; *) continue ;; esac
    fi
    checked=$((checked + 1))
    line=$first
    case $first in '#!'*) line=$second ;; esac
    if [ "$line" != "$want" ]; then
        echo "$file: no '$want' as its first line (or second, after a shebang)" >&2
        missing=$((missing + 1))
    fi
done < <(list)
[ "$checked" -gt 0 ] || { echo "no source file found under $root" >&2; exit 1; }
if [ "$missing" -gt 0 ]; then
    echo "$missing of $checked source files lack their SPDX line" >&2
    exit 1
fi
echo "SPDX: all $checked source files carry 'SPDX-License-Identifier: MIT'"
