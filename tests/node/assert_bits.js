// SPDX-License-Identifier: MIT
'use strict';
// Bit-for-bit comparison of float arrays: Object.is would call two NaNs with
// different payloads equal, and === would call +0 and -0 equal.
const assert = require('node:assert/strict');
const { bitsOf } = require('./reference');

function hex(bits) {
  return `0x${bits.toString(16).padStart(typeof bits === 'bigint' ? 16 : 8, '0')}`;
}

function assertSameBits(actual, expected, what) {
  assert.equal(actual.constructor, expected.constructor, `${what}: type`);
  assert.equal(actual.length, expected.length, `${what}: length`);
  const a = bitsOf(actual);
  const e = bitsOf(expected);
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== e[i]) {
      assert.fail(`${what}: element ${i} is ${hex(a[i])} (${actual[i]}), expected ${hex(e[i])} (${expected[i]})`);
    }
  }
}

module.exports = { assertSameBits };
