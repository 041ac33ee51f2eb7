// SPDX-License-Identifier: MIT
'use strict';
// The package's shape: exports, version, close, subclassing.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const crelu = require('crelu');

test('exports ReLU, relu, version and isa', () => {
  assert.deepEqual(Object.keys(crelu).sort(), ['ReLU', 'isa', 'relu', 'version']);
  assert.ok(['avx512', 'avx2', 'sse2', 'neon', 'portable', 'scalar'].includes(crelu.isa), crelu.isa);
  assert.equal(typeof crelu.ReLU, 'function');
  assert.equal(typeof crelu.relu, 'function');
  assert.match(crelu.version, /^\d+\.\d+\.\d+$/);
});

test("version is the package's version", () => {
  const manifest = require(path.join(path.dirname(require.resolve('crelu')), 'package.json'));
  assert.equal(crelu.version, manifest.version);
  assert.equal(manifest.main, 'index.js');
  assert.equal(manifest.types, 'index.d.ts');
});

test('is loaded from NODE_PATH, as a user would load it', () => {
  const resolved = require.resolve('crelu');
  const roots = (process.env.NODE_PATH || '').split(path.delimiter).filter(Boolean);
  assert.ok(roots.some((root) => resolved.startsWith(path.resolve(root) + path.sep)),
    `${resolved} is not under NODE_PATH (${process.env.NODE_PATH})`);
});

test('forward and backward are methods of the prototype; closed is a getter', () => {
  for (const name of ['forward', 'backward', 'close']) {
    assert.equal(typeof crelu.ReLU.prototype[name], 'function');
  }
  const r = new crelu.ReLU();
  assert.equal(r.closed, false);
  r.close();
  assert.equal(r.closed, true);
});

test('a subclass works like the class', () => {
  class Named extends crelu.ReLU {
    constructor() {
      super({ grad: 'cs231n' });
      this.name = 'named';
    }
  }
  const r = new Named();
  r.forward(Float64Array.of(-1));
  assert.ok(Object.is(r.backward(Float64Array.of(-2))[0], -0), 'cs231n: -2 * 0 is -0');
  assert.ok(r instanceof crelu.ReLU);
});
