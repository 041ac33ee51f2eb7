// SPDX-License-Identifier: MIT
'use strict';
// Inputs for the value tests: every special bit pattern against every other
// (x by dy), then seeded pseudo-random values, long enough to run both the
// C library's vector loop and its scalar tail.

const ORDINARY = [0, -0, 1, -1, 0.5, -2.5, 6, -6, 0.25, 1e-3, -1e-3, 5.999999, 6.000001,
  3.4e38, -3.4e38, 1e300, -1e300, Infinity, -Infinity, 2 ** -1074, -(2 ** -1074), 2 ** -149,
  -(2 ** -149), 2 ** -1022, Number.MAX_VALUE];

const NAN_BITS = {
  // quiet, negative quiet, quiet with payload, signalling with payload, negative signalling
  float32: [0x7fc00000, 0xffc00000, 0x7fc00123, 0x7f800001, 0xffa00abc],
  float64: [0x7ff8000000000000n, 0xfff8000000000000n, 0x7ff8000000000123n,
    0x7ff0000000000001n, 0xfff4000000000abcn],
};

function specials(Values) {
  const name = Values === Float32Array ? 'float32' : 'float64';
  const Bits = Values === Float32Array ? Uint32Array : BigUint64Array;
  const values = new Values(ORDINARY.length + NAN_BITS[name].length);
  values.set(ORDINARY);
  new Bits(values.buffer).set(NAN_BITS[name], ORDINARY.length);
  return values;
}

// xorshift32: the same sequence on every run, so a failure can be replayed.
function random(seed) {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 2 ** 32;
  };
}

/** { x, dy }: every special x against every special dy, then `extra` random pairs in [-8, 8). */
function pairs(Values, extra = 333, seed = 12345) {
  const s = specials(Values);
  const n = s.length * s.length + extra;
  const x = new Values(n);
  const dy = new Values(n);
  const xBits = new (Values === Float32Array ? Uint32Array : BigUint64Array)(x.buffer);
  const dyBits = new (Values === Float32Array ? Uint32Array : BigUint64Array)(dy.buffer);
  const sBits = new (Values === Float32Array ? Uint32Array : BigUint64Array)(s.buffer);
  for (let i = 0; i < s.length; i++) {
    for (let j = 0; j < s.length; j++) {
      // Copied as bits: going through a JS number could quiet a signalling NaN.
      xBits[i * s.length + j] = sBits[i];
      dyBits[i * s.length + j] = sBits[j];
    }
  }
  const next = random(seed);
  for (let k = s.length * s.length; k < n; k++) {
    x[k] = next() * 16 - 8;
    dy[k] = next() * 16 - 8;
  }
  return { x, dy };
}

module.exports = { pairs, random };
