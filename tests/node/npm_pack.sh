#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The package installs with npm, offline, the two ways a user would:
#   1. npm pack, then npm install <tarball> into an empty project;
#   2. npm install <source directory> (copied, not linked: --install-links).
# Each time npm's install step (build.js) compiles the addon and the libcrelu
# sources the package carries, and links libcrelu in: the installed package
# must load and compute with no libcrelu, pkg-config or checkout in reach,
# and depend on no absolute path. npm packs a copy of the checkout's parts
# (bindings/node, libcrelu, LICENSE), so the source tree is never written to.
#
#   npm_pack.sh <checkout> <scratch directory>
set -euo pipefail
checkout=$(cd "$1" && pwd) scratch=$2

rm -rf "$scratch"
mkdir -p "$scratch"
scratch=$(cd "$scratch" && pwd)
# A private cache, and nothing that could reach the network.
export npm_config_cache=$scratch/npm-cache npm_config_offline=true \
    npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
unset NODE_PATH LD_LIBRARY_PATH PKG_CONFIG_PATH

copy_checkout() { # <dir>: the parts of the checkout the package is made of
    mkdir -p "$1/bindings/node" "$1/libcrelu"
    tar -C "$checkout/bindings/node" --exclude=./build --exclude=./node_modules \
        --exclude=./libcrelu --exclude=./LICENSE --exclude='./*.tgz' -cf - . | tar -C "$1/bindings/node" -xf -
    cp -R "$checkout/libcrelu/include" "$checkout/libcrelu/src" "$1/libcrelu/"
    cp "$checkout/LICENSE" "$1/"
}

check() { # <project>: npm built the addon; it stands alone, loads and computes
    local addon=$1/node_modules/crelu/build/Release/crelu.node
    test -f "$addon" || { echo "npm_pack.sh: npm's install step did not build $addon" >&2; exit 1; }
    local dynamic
    dynamic=$(readelf -d "$addon")
    if grep -q 'NEEDED.*libcrelu' <<<"$dynamic"; then
        echo "npm_pack.sh: $addon links a shared libcrelu:" >&2; echo "$dynamic" >&2; exit 1
    fi
    if grep -E '\((RPATH|RUNPATH)\)' <<<"$dynamic" | grep -vq 'path: \[\$ORIGIN\]$'; then
        echo "npm_pack.sh: $addon has a search path other than \$ORIGIN:" >&2; echo "$dynamic" >&2; exit 1
    fi
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
        console.log(`${where}: crelu ${crelu.version} works (require)`);
    ' && node --input-type=module -e '
        import assert from "node:assert/strict";
        import { ReLU, relu } from "crelu";
        assert.deepEqual(new ReLU().forward(Float32Array.of(-1, 2)), Float32Array.of(0, 2));
        assert.deepEqual(relu([-3, 3]), Float64Array.of(0, 3));
        console.log("crelu works (import)");
    ')
}

new_project() { # <dir>
    mkdir -p "$1"
    echo '{ "name": "scratch", "version": "0.0.0", "private": true }' >"$1/package.json"
}

echo "== npm pack + npm install <tarball>"
copy_checkout "$scratch/checkout"
tarball=$(cd "$scratch" && npm pack --silent "$scratch/checkout/bindings/node")
contents=$(tar -tzf "$scratch/$tarball")
for file in README.md LICENSE package.json index.js index.mjs index.d.ts index.d.mts build.js \
        src/addon.c libcrelu/include/crelu.h libcrelu/src/context.c; do
    grep -qx "package/$file" <<<"$contents" || { echo "npm_pack.sh: $tarball has no $file" >&2; exit 1; }
done
# The checkout copy goes before the install: nothing may use it.
rm -rf "$scratch/checkout"
new_project "$scratch/from-tarball"
(cd "$scratch/from-tarball" && npm install --no-save "$scratch/$tarball")
check "$scratch/from-tarball"

echo "== npm install <directory>"
copy_checkout "$scratch/checkout"
new_project "$scratch/from-directory"
(cd "$scratch/from-directory" && npm install --no-save --install-links "$scratch/checkout/bindings/node")
rm -rf "$scratch/checkout"
check "$scratch/from-directory"
echo "npm_pack.sh: both installs stand alone"
