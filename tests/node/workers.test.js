// SPDX-License-Identifier: MIT
'use strict';
// Worker threads each load the addon (it keeps no state in statics) and
// compute alongside the main thread; a worker that exits with live objects
// tears its instance down cleanly.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { Worker } = require('node:worker_threads');
const { ReLU } = require('crelu');
const reference = require('./reference');
const { pairs } = require('./samples');
const { assertSameBits } = require('./assert_bits');

// Runs in each worker: its own require('crelu'), its own objects.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { ReLU } = require('crelu');
const { x, dy, options, rounds } = workerData;
const r = new ReLU(options);
let y, dx;
for (let i = 0; i < rounds; i++) {
  y = r.forward(x);
  dx = r.backward(dy);
}
const leftOpen = new ReLU(); // never closed: the worker's teardown must free it
leftOpen.forward(x);
parentPort.postMessage({ y, dx });
`;

function run(workerData) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { eval: true, workerData });
    let result;
    worker.on('message', (message) => { result = message; });
    worker.on('error', reject);
    worker.on('exit', (code) => (code === 0 ? resolve(result) : reject(new Error(`worker exited with ${code}`))));
  });
}

test('workers load the addon and compute in parallel with the main thread', async () => {
  const jobs = [
    { Values: Float32Array, options: { grad: 'cs231n', save: 'mask' } },
    { Values: Float64Array, options: { negativeSlope: 0.1 } },
    { Values: Float64Array, options: { maxValue: 6, grad: 'cs231n' } },
  ].map(({ Values, options }) => {
    const { x, dy } = pairs(Values);
    return { x, dy, options, rounds: 200 };
  });
  const running = jobs.map(run);
  // Meanwhile, the main thread's own instance keeps working.
  const main = new ReLU();
  const { x, dy } = pairs(Float64Array);
  for (let i = 0; i < 200; i++) main.forward(x);
  assertSameBits(main.backward(dy), reference.backward(x, dy, {}), 'main thread');

  const results = await Promise.all(running);
  results.forEach(({ y, dx }, i) => {
    const job = jobs[i];
    assertSameBits(y, reference.forward(job.x, job.options), `worker ${i} forward`);
    assertSameBits(dx, reference.backward(job.x, job.dy, job.options), `worker ${i} backward`);
  });
});

test('the addon loads again in a new worker after one has exited', async () => {
  const { x, dy } = pairs(Float32Array, 0);
  for (let i = 0; i < 2; i++) {
    const { y } = await run({ x, dy, options: {}, rounds: 1 });
    assertSameBits(y, reference.forward(x, {}), `worker generation ${i}`);
  }
});
