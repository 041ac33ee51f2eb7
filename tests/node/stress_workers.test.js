// SPDX-License-Identifier: MIT
'use strict';
// Worker threads under stress: many workers load the addon at once and
// check every result against the JS reference; workers are terminated while
// their ReLU objects are alive and their loops mid-call, and the main thread
// works on afterwards. A terminated worker's objects must be finalized (their
// contexts freed) by its teardown: the memory they held must come back.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const { setTimeout: sleep } = require('node:timers/promises');
const { ReLU } = require('crelu');
const reference = require('./reference');
const { pairs } = require('./samples');
const { assertSameBits } = require('./assert_bits');

const here = (name) => JSON.stringify(path.join(__dirname, name));

// Each worker: its own require('crelu'), rounds of forward and backward on
// its own objects (float32, float64, and one round of bfloat16 or float16),
// checked bit for bit against the reference. One case is
// big enough (its data over a quarter of the L3 cache) for the library to
// use its thread pool, which the workers then share; its reference comes
// computed from the main thread, as the JS reference is slow at that size.
const COMPUTE = `
const { parentPort, workerData } = require('node:worker_threads');
const { ReLU, relu } = require('crelu');
const reference = require(${here('reference.js')});
const { pairs } = require(${here('samples.js')});
const { assertSameBits } = require(${here('assert_bits.js')});
const half = require(${here('half_reference.js')});
const { halfPairs, assertSameHalves } = require(${here('half_samples.js')});
const OPTIONS = [{}, { grad: 'cs231n', save: 'mask' }, { negativeSlope: 0.1 }, { maxValue: 6 }];
const { seed, big } = workerData;
let checks = 0;
for (let round = 0; round < 4; round++) {
  const Values = (seed + round) % 2 ? Float32Array : Float64Array;
  const { x, dy } = pairs(Values, 100 + round, seed * 100 + round + 1);
  const options = OPTIONS[(seed + round) % OPTIONS.length];
  const where = 'worker ' + seed + ' round ' + round;
  const r = new ReLU(options);
  assertSameBits(r.forward(x), reference.forward(x, options), where + ' forward');
  assertSameBits(r.backward(dy), reference.backward(x, dy, options), where + ' backward');
  assertSameBits(relu(x), reference.forward(x, {}), where + ' relu');
  if (round % 2) r.close(); // the others are left to the collector or teardown
  checks += 3;
  if (round === (seed + 1) % 4) { // one 16-bit round a worker, the dtypes alternating
    const dtype = seed % 2 ? 'bf16' : 'f16';
    const h = halfPairs(dtype, 64, seed + 1);
    const r16 = new ReLU({ ...options, dtype });
    assertSameHalves(r16.forward(h.x), half.forward(dtype, h.x, options), where + ' ' + dtype + ' forward');
    assertSameHalves(r16.backward(h.dy), half.backward(dtype, h.x, h.dy, options), where + ' ' + dtype + ' backward');
    checks += 2;
  }
  if (round !== seed % 4) continue;
  const b = new ReLU(big.options);
  assertSameBits(b.forward(big.x), big.y, where + ' big forward');
  assertSameBits(b.backward(big.dy), big.dx, where + ' big backward');
  checks += 2;
}
parentPort.postMessage({ checks });
`;

// Each worker: ReLU objects that hold big saved state (HELD bytes in all),
// then an endless loop of new objects and calls until it is terminated.
const ELEMENTS = 5 << 20; // float64: 40 MiB saved per object, an mmap of its own
// Three objects share one x (forwarded in place), so what the contexts hold
// (120 MiB a worker) is three times what the worker's JS heap holds: a leak
// of the contexts stands well above whatever V8 keeps after a teardown.
const OBJECTS = 3;
const HELD = OBJECTS * ELEMENTS * 8;
const HOLD_AND_LOOP = `
const { parentPort } = require('node:worker_threads');
const { ReLU } = require('crelu');
const x = new Float64Array(${ELEMENTS}).fill(-1);
const held = [];
for (let i = 0; i < ${OBJECTS}; i++) {
  held.push(new ReLU());
  held[i].forward(x, x); // in place; saves a copy of x in the context
}
parentPort.postMessage('holding');
const small = new Float32Array(1 << 18).fill(1);
for (;;) {
  const r = new ReLU({ save: 'mask' });
  r.forward(small);
  r.backward(small);
}
`;

function start(code, workerData) {
  const worker = new Worker(code, { eval: true, workerData });
  const exited = new Promise((resolve, reject) => {
    worker.on('error', reject);
    worker.on('exit', resolve);
  });
  const message = new Promise((resolve) => worker.once('message', resolve));
  return { worker, exited, message };
}

function mainThreadStillWorks(seed) {
  for (const Values of [Float32Array, Float64Array]) {
    const { x, dy } = pairs(Values, 1000, seed);
    const options = { grad: 'cs231n' };
    const r = new ReLU(options);
    assertSameBits(r.forward(x), reference.forward(x, options), 'main thread forward');
    assertSameBits(r.backward(dy), reference.backward(x, dy, options), 'main thread backward');
    r.close();
  }
}

// ReLU is elementwise, so a big case is a small one repeated, and so is its
// reference (the JS reference takes ~1 us an element; this keeps it short).
function bigCase() {
  const options = { grad: 'cs231n' }; // saves x: forward touches 3 arrays of 4 MiB
  const { x, dy } = pairs(Float32Array, 1 << 16, 99);
  const y = reference.forward(x, options);
  const dx = reference.backward(x, dy, options);
  const copies = Math.ceil((1 << 20) / x.length);
  const repeat = (a) => {
    const big = new Float32Array(a.length * copies);
    for (let i = 0; i < copies; i++) big.set(a, i * a.length); // set copies bits, NaNs included
    return big;
  };
  return { options, x: repeat(x), dy: repeat(dy), y: repeat(y), dx: repeat(dx) };
}

test('many workers load the addon at once and compute correct results', async () => {
  const big = bigCase();
  const workers = Array.from({ length: 5 }, (_, seed) => start(COMPUTE, { seed, big }));
  mainThreadStillWorks(1); // meanwhile, on the main thread's own instance
  const codes = await Promise.all(workers.map((w) => w.exited));
  const messages = await Promise.all(workers.map((w) => w.message));
  assert.deepEqual(codes, workers.map(() => 0));
  assert.deepEqual(messages, workers.map(() => ({ checks: 16 })));
  mainThreadStillWorks(2);
});

function rss() {
  globalThis.gc();
  return process.memoryUsage.rss();
}

test('workers terminated mid-loop with live objects free them; the main thread works on', async () => {
  assert.equal(typeof globalThis.gc, 'function', 'run node with --expose-gc');
  const before = rss();
  const count = 4;
  const workers = Array.from({ length: count }, () => start(HOLD_AND_LOOP));
  await Promise.all(workers.map((w) => w.message)); // each holds HELD bytes now
  for (const [i, w] of workers.entries()) {
    await sleep(i * 3); // at different points of the loop
    await w.worker.terminate();
  }
  const codes = await Promise.all(workers.map((w) => w.exited));
  assert.deepEqual(codes, workers.map(() => 1)); // 1: terminated
  await sleep(50);
  // The workers held count * HELD bytes (480 MiB) in contexts; a teardown
  // that skipped the finalizers would keep all of it. The bound leaves room
  // for what V8 and malloc keep of the workers' own heaps (up to 73 MiB seen
  // in an -Og coverage build).
  const grown = rss() - before;
  assert.ok(grown < (count * HELD) / 2,
    `RSS grew by ${(grown / 2 ** 20).toFixed(0)} MiB after the workers exited`);
  mainThreadStillWorks(3);
});
