// SPDX-License-Identifier: MIT
'use strict';
// bfloat16 and float16 as crelu.h's 16-bit table states them, written here
// from that text and nothing of libcrelu's: widen each element to float32
// exactly, compute the float32 row (reference.js, which rounds with
// Math.fround and rounds the slope and cap to float32), narrow the result
// once, round-to-nearest-even (subnormals kept, overflow to infinity), a NaN
// becoming 0xffff in bfloat16 and keeping its sign and top 10 payload bits
// in float16. The PyTorch rule's ReLU and clipped backward select: they keep
// dy's 16 bits, NaN included. Arrays are Uint16Arrays of bit patterns.
const reference = require('./reference');

// float32 bit patterns <-> values, through one shared buffer (a JS number
// need not keep a NaN's payload).
const cellBits = new Uint32Array(1);
const cellValue = new Float32Array(cellBits.buffer);

function bitsToFloat(bits) {
  cellBits[0] = bits;
  return cellValue[0];
}

// --- widening: exact ---------------------------------------------------------

function widenBf16(h) {
  return (h << 16) >>> 0; // bfloat16 is float32's top half
}

function widenF16(h) {
  const sign = (h & 0x8000) << 16;
  const exponent = (h >>> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0x1f) return (sign | 0x7f800000 | (fraction << 13)) >>> 0; // inf, NaN (payload on top)
  // Zero, subnormal (fraction * 2^-24) or normal: every one is a float32.
  const magnitude = exponent === 0 ? fraction * 2 ** -24 : (1024 + fraction) * 2 ** (exponent - 25);
  cellValue[0] = magnitude;
  return (sign | cellBits[0]) >>> 0;
}

// --- narrowing: once, round-to-nearest-even -----------------------------------

function isNaN32(bits) {
  return (bits & 0x7f800000) === 0x7f800000 && (bits & 0x007fffff) !== 0;
}

// Rounds a non-negative number (a multiple of `quantum`'s 2^-k) to an integer
// count of quantum, ties to even. Exact: every value here is a float32.
function roundCount(magnitude, quantum) {
  const q = magnitude / quantum;
  const floor = Math.floor(q);
  const rest = q - floor;
  if (rest > 0.5) return floor + 1;
  if (rest < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

function narrowBf16(bits) {
  if (isNaN32(bits)) return 0xffff;
  const sign = (bits >>> 16) & 0x8000;
  const magnitude = Math.abs(bitsToFloat(bits));
  if (magnitude === Infinity) return sign | 0x7f80;
  // bfloat16 has float32's exponent range and 8 significant bits.
  const exponent = magnitude < 2 ** -126 ? -126 : Math.floor(Math.log2(magnitude));
  // Math.log2 may be off by one next to a power of two: settle it exactly.
  let e = exponent;
  while (e > -126 && 2 ** e > magnitude) e--;
  while (2 ** (e + 1) <= magnitude) e++;
  const quantum = 2 ** (e - 7);
  const rounded = roundCount(magnitude, quantum) * quantum;
  if (rounded >= 2 ** 128) return sign | 0x7f80;
  cellValue[0] = rounded;
  return sign | (cellBits[0] >>> 16); // rounded is a bfloat16: its low half is zero
}

function narrowF16(bits) {
  const sign = (bits >>> 16) & 0x8000;
  if (isNaN32(bits)) {
    const top = (bits & 0x007fffff) >>> 13;
    // A payload whose top 10 bits are zero would read as infinity; NumPy
    // then keeps the lowest bit (libcrelu never makes such a NaN from f16).
    return sign | 0x7c00 | (top === 0 ? 1 : top);
  }
  const magnitude = Math.abs(bitsToFloat(bits));
  if (magnitude === Infinity) return sign | 0x7c00;
  let e = -14; // float16 subnormals share the smallest normal's quantum
  while (2 ** (e + 1) <= magnitude) e++;
  const quantum = 2 ** (e - 10);
  const rounded = roundCount(magnitude, quantum) * quantum;
  if (rounded >= 2 ** 16) return sign | 0x7c00; // above 65504 rounds to infinity
  if (rounded < 2 ** -14) return sign | (rounded / 2 ** -24); // subnormal or zero
  let re = -14;
  while (2 ** (re + 1) <= rounded) re++;
  return sign | ((re + 15) << 10) | (rounded / 2 ** (re - 10) - 1024);
}

const DTYPES = {
  bf16: { widen: widenBf16, narrow: narrowBf16 },
  f16: { widen: widenF16, narrow: narrowF16 },
};

function widenArray(dtype, halves) {
  const bits = new Uint32Array(halves.length);
  for (let i = 0; i < halves.length; i++) bits[i] = DTYPES[dtype].widen(halves[i]);
  return new Float32Array(bits.buffer);
}

function narrowArray(dtype, floats) {
  const bits = new Uint32Array(floats.buffer, floats.byteOffset, floats.length);
  const halves = new Uint16Array(floats.length);
  for (let i = 0; i < floats.length; i++) halves[i] = DTYPES[dtype].narrow(bits[i]);
  return halves;
}

function dtypeOf(dtype) {
  if (!(dtype in DTYPES)) throw new TypeError(`half_reference: dtype 'bf16' or 'f16', not ${dtype}`);
  return dtype;
}

/** y = relu(x) for 16-bit x of `dtype` under `options` (as new ReLU's). */
function forward(dtype, x, options = {}) {
  return narrowArray(dtypeOf(dtype), reference.forward(widenArray(dtype, x), options));
}

// The rows that select dy rather than multiply (crelu.h's 16-bit table).
function selects(options) {
  return options.grad !== 'cs231n' && !(options.negativeSlope ?? 0);
}

/** dx = relu'(x) * dy for 16-bit x and dy of `dtype` under `options`. */
function backward(dtype, x, dy, options = {}) {
  if (x.length !== dy.length) throw new RangeError('half_reference: x and dy differ in length');
  const wide = reference.backward(widenArray(dtypeOf(dtype), x), widenArray(dtype, dy), options);
  if (!selects(options)) return narrowArray(dtype, wide);
  // A select gives dy's widened bits or +0: dy's own 16 bits, or 0.
  const wideBits = new Uint32Array(wide.buffer);
  const dx = new Uint16Array(x.length);
  for (let i = 0; i < x.length; i++) {
    dx[i] = wideBits[i] === DTYPES[dtype].widen(dy[i]) ? dy[i] : DTYPES[dtype].narrow(wideBits[i]);
  }
  return dx;
}

module.exports = { forward, backward, widenBf16, widenF16, narrowBf16, narrowF16 };
