// SPDX-License-Identifier: MIT
'use strict';
// npm's install step: compiles the addon with the system C compiler, against
// the Node-API headers that came with this node, with libcrelu compiled from
// the sources the package carries (libcrelu/) and linked in statically.
// node-gyp is not used: it would download headers from nodejs.org, and this
// must work offline. Nothing installed on the system is used but the C
// compiler and node's headers: no pkg-config, no libcrelu.so, no rpath.
//
// Why static and not a private libcrelu.so.1 beside the addon: the dynamic
// linker reuses any libcrelu.so.1 already loaded in the process (by SONAME,
// whatever its directory), and a library loaded with RTLD_GLOBAL or
// LD_PRELOAD could interpose crelu_* symbols. Linked in, with every symbol
// but the Node-API entry points local, the addon always runs the code it
// was built with, in one file. The addon's own sources still include only
// crelu.h: the library's internals are compiled apart (libcrelu/src).
//
//   node build.js            build unless a working addon is already there
//   node build.js --force    always build
//
// Environment: CC (default cc), CFLAGS (added after ours).

const { execFileSync, spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const here = __dirname;
const addon = path.join(here, 'build', 'Release', 'crelu.node');
const objects = path.join(here, 'build', 'objects');

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

// The libcrelu sources: the package's own copy (libcrelu/, put there by
// stage.js when the package is packed), or, in a checkout of the repository
// (this is bindings/node), the checkout's.
function libcreluDir() {
  const own = path.join(here, 'libcrelu');
  if (fs.existsSync(path.join(own, 'include', 'crelu.h'))) return own;
  const checkout = path.join(here, '..', '..', 'libcrelu');
  if (path.basename(here) === 'node' && path.basename(path.dirname(here)) === 'bindings' &&
      fs.existsSync(path.join(checkout, 'include', 'crelu.h'))) {
    return checkout;
  }
  return fail(`libcrelu's sources are missing (${own}): the package is incomplete`);
}

function nodeHeaders() {
  const dir = path.join(path.dirname(process.execPath), '..', 'include', 'node');
  if (!fs.existsSync(path.join(dir, 'node_api.h'))) {
    fail(`Node-API headers not found in ${dir} (Debian: apt install nodejs)`);
  }
  return dir;
}

// Per-file flags, as libcrelu/CMakeLists.txt sets them (test node.build_flags
// holds the two together): each AVX table is
// entered only after a runtime check of the CPU, so only its file gets the
// ISA flag; the portable kernels never read floating-point flags.
// On 32-bit x86 the SSE tables also round their scalar heads and tails in
// SSE registers, never on the x87. Each ISA's table is built only for its
// architecture.
const x86 = ['x64', 'ia32'].includes(process.arch);
const sseMath = process.arch === 'ia32' ? ['-mfpmath=sse'] : [];
const fileFlags = {
  'kernels_sse2.c': process.arch === 'ia32' ? ['-msse2', ...sseMath] : [],
  'kernels_avx2.c': ['-mavx2', '-mf16c', ...sseMath],
  'kernels_avx512.c': ['-mavx512f', '-mavx512bw', ...sseMath],
  'portable.c': ['-fno-trapping-math'],
};
const builtOn = {
  'kernels_sse2.c': x86,
  'kernels_avx2.c': x86,
  'kernels_avx512.c': x86,
  'kernels_neon.c': process.arch === 'arm64',
};

function compileJobs(compiler, library) {
  const common = ['-std=c11', '-O3', '-DNDEBUG', '-fPIC', '-fvisibility=hidden', '-pthread'];
  const extra = (process.env.CFLAGS || '').split(/\s+/).filter(Boolean);
  const jobs = [];
  const librarySources = fs.readdirSync(path.join(library, 'src'))
    .filter((name) => name.endsWith('.c') && builtOn[name] !== false).sort();
  for (const name of librarySources) {
    jobs.push([compiler, [...common, ...(fileFlags[name] || []),
      '-I', path.join(library, 'include'), '-I', path.join(library, 'src'), ...extra,
      '-c', path.join(library, 'src', name), '-o', path.join(objects, `libcrelu_${name}.o`)]]);
  }
  // The addon sees crelu.h only: its calls are the public API's.
  const addonSources = fs.readdirSync(path.join(here, 'src')).filter((name) => name.endsWith('.c')).sort();
  for (const name of addonSources) {
    jobs.push([compiler, [...common, '-isystem', nodeHeaders(), '-I', path.join(library, 'include'),
      ...extra, '-c', path.join(here, 'src', name), '-o', path.join(objects, `addon_${name}.o`)]]);
  }
  return jobs;
}

function run([command, args]) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'inherit' });
    child.on('error', (error) => reject(new Error(`${command}: ${error.message}`)));
    child.on('exit', (code, signal) => (code === 0 ? resolve()
      : reject(new Error(`${command} ${args.join(' ')} failed (${signal || `exit status ${code}`})`))));
  });
}

// Runs the jobs, as many at a time as there are CPUs; stops at the first failure.
async function runAll(jobs) {
  const width = Math.max(1, Math.min(jobs.length, (os.availableParallelism || (() => os.cpus().length))()));
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) await run(jobs[next++]);
  };
  await Promise.all(Array.from({ length: width }, worker));
}

async function build() {
  const compiler = process.env.CC || 'cc';
  const library = libcreluDir();
  fs.rmSync(objects, { recursive: true, force: true });
  fs.mkdirSync(objects, { recursive: true });
  fs.mkdirSync(path.dirname(addon), { recursive: true });
  const jobs = compileJobs(compiler, library);
  try {
    await runAll(jobs);
  } catch (error) {
    fail(`compiling failed: ${error.message}`);
  }
  // Only the Node-API entry points stay global; libcrelu's crelu_* symbols
  // become local, so nothing outside can bind to them or replace them.
  const script = path.join(objects, 'exports.map');
  fs.writeFileSync(script,
    '{\n  global: napi_register_module_v1; node_api_module_get_api_version_v1;\n  local: *;\n};\n');
  const partial = `${addon}.partial`;
  const link = [compiler, ['-shared', '-pthread', ...jobs.map(([, args]) => args[args.length - 1]),
    `-Wl,--version-script=${script}`, '-o', partial]];
  try {
    await run(link);
  } catch (error) {
    fail(`linking the addon failed: ${error.message}`);
  }
  fs.renameSync(partial, addon); // never leave a half-written addon behind
  fs.rmSync(objects, { recursive: true, force: true });
  if (!addonLoads()) {
    fail(`the addon was built (${addon}) but does not load`);
  }
  console.log(`crelu: built ${addon} (libcrelu from ${path.relative(here, library) || '.'}, linked in)`);
}

if (require.main === module) {
  if (process.argv.includes('--force') || !addonLoads()) {
    build().catch((error) => fail(error.stack || String(error)));
  }
}

// For tests/node/build_flags.js, which holds the table above to CMake's.
module.exports = { fileFlags, builtOn };
