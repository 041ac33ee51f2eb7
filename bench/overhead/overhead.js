#!/usr/bin/env node
// SPDX-License-Identifier: MIT
'use strict';
// Time per call through the Node binding, next to the JS it replaces:
// - 1,024 float32 elements: ReLU.forward(x, out) and relu(x, out) into a
//   preallocated out (zero copy), and forward(x) allocating its result;
//   compared with C's crelu_forward_f32 and crelu_relu_f32 (overhead.c).
// - a plain Array of 10^6 numbers: forward(array), which copies it into a
//   Float64Array and returns that, and array.map(v => v > 0 ? v : 0).
// Reports only; no thresholds (bench/binding_overhead.py judges).
//
//   NODE_PATH=<prefix>/lib/node_modules node bench/overhead/overhead.js
// Prints per measurement, tab-separated:
//   node<TAB><key><TAB><description><TAB><median ns per call>
const { ReLU, relu } = require('crelu');

const ELEMENTS = 1024;
const PLAIN_ELEMENTS = 1e6;
const REPEATS = 41;
const PLAIN_REPEATS = 15;
// Each timed loop of small calls lasts about 1 ms, as overhead.c's (20,000
// calls of ~50 ns): on shared cores a loop that long is rarely preempted,
// so the median is the call's cost, not the scheduler's.
const TARGET_NS = 1e6;

function now() {
  return process.hrtime.bigint();
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

function print(key, what, ns) {
  console.log(`node\t${key}\t${what}\t${ns.toFixed(1)}`);
}

function timeLoop(call, calls) {
  const start = now();
  for (let i = 0; i < calls; i++) call();
  return Number(now() - start);
}

// Median ns per call over REPEATS loops of ~1 ms, after a warm-up that
// lets the JIT settle and sizes the loop.
function small(key, what, call) {
  let calls = 20000;
  timeLoop(call, calls);
  calls = Math.max(1000, Math.round((calls * TARGET_NS) / Math.min(...[0, 1, 2].map(() => timeLoop(call, calls)))));
  const perCall = [];
  for (let i = 0; i < REPEATS; i++) perCall.push(timeLoop(call, calls) / calls);
  print(key, what, median(perCall));
}

// Calls of ~ms each, timed one by one; the contenders alternate, so that
// each sees the garbage (and the collections) the others leave behind.
function large(contenders) {
  const times = contenders.map(() => []);
  for (let round = -2; round < PLAIN_REPEATS; round++) { // two rounds of warm-up
    contenders.forEach(([, , call], i) => {
      const start = now();
      call();
      if (round >= 0) times[i].push(Number(now() - start));
    });
  }
  contenders.forEach(([key, what], i) => print(key, what, median(times[i])));
}

const x = Float32Array.from({ length: ELEMENTS }, (_, i) => Math.sin(i));
const out = new Float32Array(ELEMENTS);
const r = new ReLU();
small('node.forward_out.1024', 'ReLU.forward(x, out), Float32Array(1024)', () => r.forward(x, out));
small('node.relu_out.1024', 'relu(x, out), Float32Array(1024)', () => relu(x, out));
small('node.forward.1024', 'ReLU.forward(x) allocating, Float32Array(1024)', () => r.forward(x));

const plain = Array.from({ length: PLAIN_ELEMENTS }, (_, i) => Math.sin(i));
large([
  ['node.forward_array.1e6', 'ReLU.forward(array) -> Float64Array, Array of 1e6 numbers', () => r.forward(plain)],
  ['node.map.1e6', 'array.map(v => v > 0 ? v : 0), Array of 1e6 numbers', () => plain.map((v) => (v > 0 ? v : 0))],
]);
r.close();
