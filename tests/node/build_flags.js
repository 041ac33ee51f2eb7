// SPDX-License-Identifier: MIT
'use strict';
// build.js (npm's install step) compiles libcrelu without CMake, so it keeps
// its own copy of libcrelu/CMakeLists.txt's per-file flags. This holds the
// copy to the original for the architecture it runs on (x86-64 or i686 in
// CI): every file CMake gives options to gets the same from build.js, and
// build.js gives none that CMake does not. Usage:
//   node build_flags.js <checkout>
const assert = require('assert');
const fs = require('fs');
const path = require('path');

const root = process.argv[2];
const { fileFlags } = require(path.join(root, 'bindings', 'node', 'build.js'));
const cmake = fs.readFileSync(path.join(root, 'libcrelu', 'CMakeLists.txt'), 'utf8');

// set_source_files_properties(src/NAME PROPERTIES COMPILE_OPTIONS "a;b") or a
// bare single option; each occurrence is one branch's options.
const branches = {};
const pattern = /set_source_files_properties\(src\/(\S+)\s+PROPERTIES\s+COMPILE_OPTIONS\s+("([^"]*)"|([^)\s]+))\)/g;
for (const match of cmake.matchAll(pattern)) {
  const options = (match[3] !== undefined ? match[3] : match[4]).split(';').filter(Boolean);
  (branches[match[1]] = branches[match[1]] || []).push(options);
}
assert(Object.keys(branches).length >= 3, `found too few per-file options in CMakeLists.txt: ${JSON.stringify(branches)}`);

// CMake's i686 branch is the one whose options carry -mfpmath=sse (or
// -msse2); on x86-64 the other branch, or none, applies.
const i686 = process.arch === 'ia32';
const names = new Set([...Object.keys(branches), ...Object.keys(fileFlags)]);
for (const name of names) {
  const candidates = (branches[name] || []).filter((options) =>
    i686 === options.some((option) => option === '-mfpmath=sse' || option === '-msse2') ||
    !options.some((option) => option.startsWith('-m')));
  assert(candidates.length <= 1, `${name}: more than one CMake branch applies: ${JSON.stringify(candidates)}`);
  const want = candidates[0] || [];
  const got = fileFlags[name] || [];
  assert.deepStrictEqual(got, want, `${name}: build.js compiles with ${JSON.stringify(got)}, ` +
    `libcrelu/CMakeLists.txt with ${JSON.stringify(want)} on ${process.arch}`);
}
console.log(`build.js's flags match libcrelu/CMakeLists.txt on ${process.arch} for ${names.size} files`);
