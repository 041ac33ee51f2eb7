// SPDX-License-Identifier: MIT
'use strict';
// Inputs for the bfloat16 and float16 tests, as bit patterns: every special
// x against every special dy, then all 65,536 x patterns in order (each dy
// a random pattern), then random x and dy patterns. Plus the comparison
// that prints the differing element in hex.
const assert = require('node:assert/strict');
const { random } = require('./samples');

// Zeros, ones, the clipped variants' caps and their neighbours, subnormals,
// the largest finite, infinities, and NaNs: quiet, negative, with payload,
// signalling, negative signalling.
const SPECIALS = {
  bf16: [0x0000, 0x8000, 0x3f80, 0xbf80, 0x3f00, 0xbf00, 0x40c0, 0xc0c0, 0x40bf, 0x40c1, 0x3eff,
    0x0001, 0x8001, 0x007f, 0x0080, 0x7f7f, 0xff7f, 0x7f80, 0xff80,
    0x7fc0, 0xffc0, 0x7fc5, 0x7f81, 0xffa1],
  f16: [0x0000, 0x8000, 0x3c00, 0xbc00, 0x3800, 0xb800, 0x4600, 0xc600, 0x45ff, 0x4601, 0x37ff,
    0x0001, 0x8001, 0x03ff, 0x0400, 0x7bff, 0xfbff, 0x7c00, 0xfc00,
    0x7e00, 0xfe00, 0x7e05, 0x7c01, 0xfd21],
};

/** { x, dy }: Uint16Arrays of `dtype` patterns, as described above. */
function halfPairs(dtype, extra = 4096, seed = 2024) {
  const s = SPECIALS[dtype];
  const pairs = s.length * s.length;
  const n = pairs + 65536 + extra;
  const x = new Uint16Array(n);
  const dy = new Uint16Array(n);
  const next = random(seed);
  const pattern = () => Math.floor(next() * 65536);
  for (let i = 0; i < s.length; i++) {
    for (let j = 0; j < s.length; j++) {
      x[i * s.length + j] = s[i];
      dy[i * s.length + j] = s[j];
    }
  }
  for (let k = 0; k < 65536; k++) {
    x[pairs + k] = k;
    dy[pairs + k] = pattern();
  }
  for (let k = pairs + 65536; k < n; k++) {
    x[k] = pattern();
    dy[k] = pattern();
  }
  return { x, dy };
}

function hex(bits) {
  return `0x${bits.toString(16).padStart(4, '0')}`;
}

/** The same type, length and 16-bit patterns; the first difference is reported. */
function assertSameHalves(actual, expected, what, x) {
  assert.equal(actual.constructor, expected.constructor, `${what}: type`);
  assert.equal(actual.length, expected.length, `${what}: length`);
  const a = new Uint16Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint16Array(expected.buffer, expected.byteOffset, expected.length);
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== e[i]) {
      const input = x ? ` (x ${hex(x[i])})` : '';
      assert.fail(`${what}: element ${i}${input} is ${hex(a[i])}, expected ${hex(e[i])}`);
    }
  }
}

module.exports = { halfPairs, assertSameHalves, SPECIALS };
