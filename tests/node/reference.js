// SPDX-License-Identifier: MIT
'use strict';
// ReLU and its backward pass as SPEC.md section 2's semantics table states
// them, element by element: the oracle the binding is judged against. It
// shares nothing with libcrelu. Results are built as bit patterns, because a
// JS number is not promised to keep a NaN's payload or signalling bit; the
// rules that multiply do so in JS on this machine, the way the C library does.

const FORMATS = {
  float32: {
    Values: Float32Array,
    Bits: Uint32Array,
    round: Math.fround,
    exponent: 0x7f800000,
    fraction: 0x007fffff,
    quiet: 0x00400000,
    noBits: 0,
  },
  float64: {
    Values: Float64Array,
    Bits: BigUint64Array,
    round: (value) => value,
    exponent: 0x7ff0000000000000n,
    fraction: 0x000fffffffffffffn,
    quiet: 0x0008000000000000n,
    noBits: 0n,
  },
};

function formatOf(array) {
  if (array instanceof Float32Array) return FORMATS.float32;
  if (array instanceof Float64Array) return FORMATS.float64;
  throw new TypeError('reference: Float32Array or Float64Array expected');
}

function bitsOf(array) {
  const format = formatOf(array);
  return new format.Bits(array.buffer, array.byteOffset, array.length);
}

function isNaNBits(format, bits) {
  return (bits & format.exponent) === format.exponent && (bits & format.fraction) !== format.noBits;
}

// The bit pattern of a JS number stored as this format.
function patternOf(format, value) {
  const cell = new format.Values(1);
  cell[0] = value;
  return new format.Bits(cell.buffer)[0];
}

// The variant and rule of an options object (same names as the binding's).
function settings(format, options = {}) {
  const slope = options.negativeSlope ?? 0;
  const cap = options.maxValue ?? Infinity;
  // Slope and cap are rounded to the data's format, as PyTorch does.
  return {
    variant: slope !== 0 ? 'leaky' : cap !== Infinity ? 'clipped' : 'relu',
    a: format.round(slope),
    c: format.round(cap),
    cs231n: options.grad === 'cs231n',
  };
}

// dy * m as the machine multiplies: a NaN dy comes out quieted, payload kept.
function multiply(format, dyBits, dy, m) {
  if (isNaNBits(format, dyBits)) return dyBits | format.quiet;
  return patternOf(format, format.round(dy * m));
}

function forwardElement(format, s, xBits, x) {
  const zero = patternOf(format, 0);
  const nan = isNaNBits(format, xBits);
  switch (s.variant) {
    case 'relu': // x < 0 ? +0 : x; NaN and -0 pass through
      return !nan && x < 0 ? zero : xBits;
    case 'leaky': // x > 0 ? x : x * a; x * a quiets a NaN
      if (nan) return xBits | format.quiet;
      return x > 0 ? xBits : patternOf(format, format.round(x * s.a));
    default: // min(max(x, 0), c); NaN and -0 pass through (-0 < 0 is false)
      if (nan) return xBits;
      if (x < 0) return zero;
      return x > s.c ? patternOf(format, s.c) : xBits;
  }
}

function backwardElement(format, s, xBits, x, dyBits, dy) {
  const zero = patternOf(format, 0);
  const nan = isNaNBits(format, xBits); // every comparison with NaN x is false
  if (s.cs231n) {
    switch (s.variant) {
      case 'relu': return multiply(format, dyBits, dy, x >= 0 ? 1 : 0);
      case 'leaky': return multiply(format, dyBits, dy, x >= 0 ? 1 : s.a);
      default: return multiply(format, dyBits, dy, x >= 0 && x <= s.c ? 1 : 0);
    }
  }
  switch (s.variant) {
    case 'relu': return nan || x > 0 ? dyBits : zero; // NaN x passes dy
    case 'leaky': return multiply(format, dyBits, dy, x > 0 ? 1 : s.a);
    default: return x > 0 && x < s.c ? dyBits : zero;
  }
}

/** y = relu(x) under `options`; a new array of x's type. */
function forward(x, options) {
  const format = formatOf(x);
  const s = settings(format, options);
  const xBits = bitsOf(x);
  const y = new format.Values(x.length);
  const yBits = bitsOf(y);
  for (let i = 0; i < x.length; i++) yBits[i] = forwardElement(format, s, xBits[i], x[i]);
  return y;
}

/** dx = relu'(x) * dy under `options`; a new array of x's type. */
function backward(x, dy, options) {
  const format = formatOf(x);
  if (formatOf(dy) !== format || dy.length !== x.length) throw new TypeError('reference: x and dy differ');
  const s = settings(format, options);
  const xBits = bitsOf(x);
  const dyBits = bitsOf(dy);
  const dx = new format.Values(x.length);
  const dxBits = bitsOf(dx);
  for (let i = 0; i < x.length; i++) {
    dxBits[i] = backwardElement(format, s, xBits[i], x[i], dyBits[i], dy[i]);
  }
  return dx;
}

module.exports = { forward, backward, bitsOf };
