#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The package installs with npm, offline, the two ways a user would:
#   1. npm pack of the package's source, then npm install <tarball>;
#   2. npm install <source directory> (copied, not linked: --install-links).
# Each time npm's install step (build.js) compiles the addon from the
# package's C source against the installed libcrelu, found by pkg-config;
# then the installed package must load and compute.
#
#   npm_pack.sh <bindings/node> <crelu.pc's directory> <scratch directory>
set -euo pipefail
source_dir=$1 pkgconfig_dir=$2 scratch=$3

rm -rf "$scratch"
mkdir -p "$scratch"
export PKG_CONFIG_PATH=$pkgconfig_dir
# A private cache, and nothing that could reach the network.
export npm_config_cache=$scratch/npm-cache npm_config_offline=true \
    npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
unset NODE_PATH LD_LIBRARY_PATH

check() { # <project>: npm built the addon, and the package loads and computes
    test -f "$1/node_modules/crelu/build/Release/crelu.node" || {
        echo "npm_pack.sh: npm's install step did not build $1/node_modules/crelu/build/Release/crelu.node" >&2
        exit 1
    }
    (cd "$1" && node -e '
        const assert = require("node:assert/strict");
        const path = require("node:path");
        const crelu = require("crelu");
        const where = require.resolve("crelu");
        assert.ok(where.startsWith(path.join(process.cwd(), "node_modules") + path.sep), where);
        assert.equal(crelu.version, require("crelu/package.json").version);
        const r = new crelu.ReLU({ grad: "cs231n" });
        assert.deepEqual(r.forward([-1, 0, 2]), Float64Array.of(0, 0, 2));
        assert.deepEqual(r.backward([5, -3, 7]), Float64Array.of(0, -3, 7));
        console.log(`${where}: crelu ${crelu.version} works`);
    ')
}

new_project() { # <dir>
    mkdir -p "$1"
    echo '{ "name": "scratch", "version": "0.0.0", "private": true }' >"$1/package.json"
}

echo "== npm pack + npm install <tarball>"
tarball=$(cd "$scratch" && npm pack --silent "$source_dir")
new_project "$scratch/from-tarball"
(cd "$scratch/from-tarball" && npm install --no-save "$scratch/$tarball")
check "$scratch/from-tarball"

echo "== npm install <directory>"
new_project "$scratch/from-directory"
(cd "$scratch/from-directory" && npm install --no-save --install-links "$source_dir")
check "$scratch/from-directory"
