#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The typings match what runs: tsc --strict (TypeScript from npm, pinned by
# types/package-lock.json) compiles the clients in types/ against a crelu
# package, and node runs what it wrote, as CommonJS and as an ES module.
# bare.mts is type-checked with neither @types/node nor a recent library.
# No npm, or no TypeScript from it, is a failure, never a skip.
#
#   types.sh <crelu package directory> <scratch directory>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
package=$(cd "$1" && pwd) work=$2

command -v npm >/dev/null || { echo "types.sh: npm not found; tsc comes from npm (Debian: npm)" >&2; exit 1; }
rm -rf "$work"
mkdir -p "$work"
cp "$here"/types/* "$work"/
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
if ! (cd "$work" && npm ci --prefer-offline --loglevel=error); then
    echo "types.sh: npm ci could not install TypeScript (types/package-lock.json) into $work" >&2
    exit 1
fi
ln -s "$package" "$work/node_modules/crelu"
unset NODE_PATH
cd "$work"
node_modules/.bin/tsc --version
node_modules/.bin/tsc -p tsconfig.json
node_modules/.bin/tsc -p tsconfig.bare.json
node out/client.cjs
node out/client.mjs
echo "types.sh: tsc --strict passed, and the clients ran"
