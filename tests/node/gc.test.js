// SPDX-License-Identifier: MIT
'use strict';
// Objects left to the garbage collector are finalized (the context freed)
// without crashing, closed or not, mid-state or not. Run with --expose-gc.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { setImmediate: tick } = require('node:timers/promises');
const { ReLU } = require('crelu');

test('ReLU objects are collected and finalized', async () => {
  assert.equal(typeof globalThis.gc, 'function', 'run node with --expose-gc');
  let collected = 0;
  const registry = new FinalizationRegistry(() => { collected += 1; });
  const total = 300;
  (() => {
    for (let i = 0; i < total; i++) {
      const r = new ReLU({ save: i % 2 ? 'mask' : 'x' });
      if (i % 3 !== 0) r.forward(new Float64Array(1000)); // some hold a saved buffer
      if (i % 5 === 0) r.close(); // some were closed first
      registry.register(r, i);
    }
  })();
  for (let round = 0; round < 20 && collected < total; round++) {
    globalThis.gc();
    await tick(); // Node-API finalizers and FinalizationRegistry callbacks run from the loop
  }
  // None is kept alive by the addon (no strong reference to the wrapper).
  assert.equal(collected, total, 'objects still alive after 20 collections');
  // A new object after all that still works.
  assert.deepEqual(new ReLU().forward([-1, 1]), Float64Array.of(0, 1));
});
