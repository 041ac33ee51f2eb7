// SPDX-License-Identifier: MIT
'use strict';
// The package as an ES module: named imports and the default import through
// package.json's exports map, the same objects as require() gives. ES
// modules ignore NODE_PATH, so each case runs in a child whose directory
// has node_modules/crelu, a link to the package NODE_PATH points at.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

let work;
before(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'crelu-esm-'));
  fs.mkdirSync(path.join(work, 'node_modules'));
  fs.symlinkSync(path.dirname(require.resolve('crelu')), path.join(work, 'node_modules', 'crelu'), 'dir');
});
after(() => fs.rmSync(work, { recursive: true, force: true }));

// Runs `source` as <name> in the scratch directory, without NODE_PATH; its stdout.
function run(name, source) {
  const file = path.join(work, name);
  fs.writeFileSync(file, source);
  const env = { ...process.env };
  delete env.NODE_PATH;
  const result = spawnSync(process.execPath, [file], { cwd: work, env, encoding: 'utf8', timeout: 60000 });
  assert.equal(result.status, 0, `${name} failed:\n${result.stderr}`);
  return result.stdout.trim();
}

test('import { ReLU, relu, version, isa } from "crelu" works, and is what require gives', () => {
  const out = run('named.mjs', `
    import { ReLU, relu, version, isa } from 'crelu';
    import crelu from 'crelu';
    import * as namespace from 'crelu';
    import { createRequire } from 'node:module';
    const cjs = createRequire(import.meta.url)('crelu');
    const r = new ReLU({ save: 'mask', grad: 'cs231n' });
    const y = r.forward(Float32Array.of(-1, 0, 2));
    const dx = r.backward(Float32Array.of(5, -3, 7));
    console.log(JSON.stringify({
      same: ReLU === cjs.ReLU && relu === cjs.relu && version === cjs.version && isa === cjs.isa,
      defaultIsExports: crelu === cjs,
      names: Object.keys(namespace).sort(),
      y: [...y], dx: [...dx], isFloat32: y instanceof Float32Array,
      relu: [...relu([-2, 3])],
    }));
  `);
  assert.deepEqual(JSON.parse(out), {
    same: true,
    defaultIsExports: true,
    names: ['ReLU', 'default', 'isa', 'relu', 'version'],
    y: [0, 0, 2],
    dx: [0, -3, 7],
    isFloat32: true,
    relu: [0, 3],
  });
});

test('import() from CommonJS and require() from ESM share one addon instance', () => {
  const out = run('mixed.cjs', `
    const { ReLU } = require('crelu');
    import('crelu').then((m) => console.log(String(m.ReLU === ReLU && m.default.ReLU === ReLU)));
  `);
  assert.equal(out, 'true');
});

test('the exports map: "crelu" and "crelu/package.json", nothing deeper', () => {
  const manifest = JSON.parse(fs.readFileSync(require.resolve('crelu/package.json'), 'utf8'));
  assert.deepEqual(Object.keys(manifest.exports).sort(), ['.', './package.json']);
  const out = run('deep.mjs', `
    try { await import('crelu/index.js'); console.log('imported'); }
    catch (error) { console.log(error.code); }
  `);
  assert.equal(out, 'ERR_PACKAGE_PATH_NOT_EXPORTED');
});
