// SPDX-License-Identifier: MIT
'use strict';
// npm's install step: compiles the addon with the system C compiler, against
// the Node-API headers that came with this node and the libcrelu that
// pkg-config finds. node-gyp is not used: it would download headers from
// nodejs.org, and this must work offline.
//
//   node build.js            build unless a working addon is already there
//   node build.js --force    always build
//
// Environment: CC (default cc), PKG_CONFIG_PATH (where crelu.pc is).

const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const addon = path.join(__dirname, 'build', 'Release', 'crelu.node');
const sources = ['addon.c', 'errors.c', 'operands.c', 'options.c', 'relu_class.c', 'slots.c']
  .map((name) => path.join(__dirname, 'src', name));

function fail(message) {
  console.error(`crelu: ${message}`);
  process.exit(1);
}

// Loaded in a child, so that a broken addon cannot take this process down.
function addonLoads() {
  try {
    execFileSync(process.execPath, ['-e', `require(${JSON.stringify(addon)})`], { stdio: 'pipe' });
    return true;
  } catch (error) {
    return false;
  }
}

function pkgConfig(args) {
  try {
    return execFileSync('pkg-config', [...args, 'crelu'], { encoding: 'utf8', stdio: 'pipe' }).trim();
  } catch (error) {
    const reason = error.code === 'ENOENT' ? 'pkg-config is not installed' : String(error.stderr).trim();
    fail(`libcrelu not found (${reason}).\n` +
      'Install libcrelu, or point PKG_CONFIG_PATH at <prefix>/lib/pkgconfig of an installed one.');
  }
}

function nodeHeaders() {
  const dir = path.join(path.dirname(process.execPath), '..', 'include', 'node');
  if (!fs.existsSync(path.join(dir, 'node_api.h'))) {
    fail(`Node-API headers not found in ${dir} (Debian: apt install nodejs)`);
  }
  return dir;
}

function build() {
  const compiler = process.env.CC || 'cc';
  const flags = pkgConfig(['--cflags', '--libs']).split(/\s+/).filter(Boolean);
  const libdir = path.resolve(pkgConfig(['--variable=libdir']));
  const partial = `${addon}.partial`;
  fs.mkdirSync(path.dirname(addon), { recursive: true });
  const args = [
    '-std=c11', '-O2', '-fPIC', '-shared', '-fvisibility=hidden',
    '-isystem', nodeHeaders(), ...sources, '-o', partial, ...flags,
    // Found in its own prefix at run time, without LD_LIBRARY_PATH.
    `-Wl,-rpath,${libdir}`,
  ];
  try {
    execFileSync(compiler, args, { stdio: 'inherit' });
  } catch (error) {
    fail(`compiling the addon failed: ${compiler} ${args.join(' ')}`);
  }
  fs.renameSync(partial, addon); // never leave a half-written addon behind
  if (!addonLoads()) {
    fail(`the addon was built (${addon}) but does not load`);
  }
  console.log(`crelu: built ${addon}`);
}

if (process.argv.includes('--force') || !addonLoads()) {
  build();
}
