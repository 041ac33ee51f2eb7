#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every ```python block of the README runs as written, each in a fresh
# interpreter, from an empty directory outside the checkout, and exits with
# status 0. Which crelu it imports is the caller's: PYTHONPATH to an install
# prefix (ctest), or a venv's python (.ci/package-python).
#
#   tests/docs/readme_python.sh README.md <work dir> <python>
set -euo pipefail
readme=$1 work=$2 python=$3
rm -rf "$work" && mkdir -p "$work"
# Block k goes to block<k>.py; a fence is "```python" alone on its line.
awk -v dir="$work" '
    /^```python[ \t]*$/ { n++; file = sprintf("%s/block%d.py", dir, n); inside = 1; next }
    /^```/ && inside { inside = 0; close(file); next }
    inside { print > file }
' "$readme"
shopt -s nullglob
blocks=("$work"/block*.py)
[ ${#blocks[@]} -gt 0 ] || { echo "no \`\`\`python block in $readme" >&2; exit 1; }
cd "$work"
for block in "${blocks[@]}"; do
    if ! "$python" "$block"; then
        echo "README block $(basename "$block") failed:" >&2
        cat -n "$block" >&2
        exit 1
    fi
done
echo "README: ${#blocks[@]} Python block(s) ran"
