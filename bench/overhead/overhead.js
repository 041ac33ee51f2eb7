#!/usr/bin/env node
'use strict';
// Time per forward call on 1,024 float32 elements through the Node binding:
// the zero-copy path into a preallocated `out`, and the path that allocates
// its result. Median over 21 repeats of a timed loop of ~10 ms each, after a
// warm-up. Reports only; no thresholds.
//
//   NODE_PATH=<prefix>/lib/node_modules node bench/overhead/overhead.js
// Prints: node<TAB><what><TAB><median ns per call>
const { ReLU } = require('crelu');

const ELEMENTS = 1024;
const REPEATS = 21;
const TARGET_NS = 10e6; // each timed loop should last about this long

function timeLoop(call, calls) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) call();
  return Number(process.hrtime.bigint() - start);
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

function measure(what, call) {
  // Warm-up (lets the JIT settle), then size the loop to ~10 ms.
  let calls = 20000;
  timeLoop(call, calls);
  calls = Math.max(1000, Math.round((calls * TARGET_NS) / timeLoop(call, calls)));
  const perCall = [];
  for (let i = 0; i < REPEATS; i++) perCall.push(timeLoop(call, calls) / calls);
  console.log(`node\t${what}\t${median(perCall).toFixed(1)}`);
}

const x = Float32Array.from({ length: ELEMENTS }, (_, i) => Math.sin(i));
const out = new Float32Array(ELEMENTS);
const relu = new ReLU();
measure('ReLU.forward(x, out) f32 zero-copy', () => relu.forward(x, out));
measure('ReLU.forward(x) f32 allocating', () => relu.forward(x));
relu.close();
