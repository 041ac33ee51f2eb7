#!/usr/bin/env node
// SPDX-License-Identifier: MIT
'use strict';
// The seed's step through the Node binding: reads x and d_loss (3x7 float64,
// row-major, one line of 21 numbers each) from stdin, runs the seed's NumPy
// class (grad 'cs231n') and torch.nn.ReLU (grad 'pytorch') on them, and
// prints the four results, one line each, every value parsing back to the
// identical double.
//
//   NODE_PATH=<prefix>/lib/node_modules node demo/seed_step.js < inputs
const fs = require('node:fs');
const { ReLU } = require('crelu');

const ROWS = 3;
const COLUMNS = 7;

// Python's repr(float) spells these differently from JS.
const PYTHON_SPECIALS = { nan: NaN, inf: Infinity, '-inf': -Infinity };

function parseLine(line, name) {
  const tokens = line.split(' ');
  if (tokens.length !== ROWS * COLUMNS) {
    throw new Error(`${name}: expected ${ROWS * COLUMNS} numbers separated by single spaces, got ${tokens.length}`);
  }
  return Float64Array.from(tokens, (token) => {
    const value = token in PYTHON_SPECIALS ? PYTHON_SPECIALS[token] : Number(token);
    if (token === '' || (Number.isNaN(value) && token !== 'nan')) {
      throw new Error(`${name}: '${token}' is not a number`);
    }
    return value;
  });
}

// String(v), except that -0 keeps its sign ("0" would read back as +0).
function format(values) {
  return Array.from(values, (v) => (Object.is(v, -0) ? '-0' : String(v))).join(' ');
}

function main() {
  const lines = fs.readFileSync(0, 'utf8').split('\n');
  if (lines.length > 2 && lines.slice(2).every((line) => line === '')) lines.length = 2;
  if (lines.length !== 2) {
    throw new Error(`expected 2 lines on stdin (x, then d_loss), got ${lines.length}`);
  }
  const x = parseLine(lines[0], 'x');
  const dLoss = parseLine(lines[1], 'd_loss');

  const reluNumpy = new ReLU({ grad: 'cs231n' });
  const reluTensor = new ReLU({ grad: 'pytorch' });
  const outNumpy = reluNumpy.forward(x);
  const outTensor = reluTensor.forward(x);
  const dxNumpy = reluNumpy.backward(dLoss);
  const dxTensor = reluTensor.backward(dLoss);
  reluNumpy.close();
  reluTensor.close();

  process.stdout.write(`numpy_out ${format(outNumpy)}\n` +
    `tensor_out ${format(outTensor)}\n` +
    `dx_numpy ${format(dxNumpy)}\n` +
    `dx_tensor ${format(dxTensor)}\n`);
}

try {
  main();
} catch (error) {
  console.error(`seed_step.js: ${error.message}`);
  process.exit(1);
}
