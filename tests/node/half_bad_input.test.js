// SPDX-License-Identifier: MIT
'use strict';
// Misuse with 16-bit data, row by row: each must throw the documented error
// class, message and code, and leave the object it was used on working.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { ReLU, relu } = require('crelu');
const half = require('./half_reference');
const { assertSameHalves } = require('./half_samples');

const NO_DTYPE = /is a Uint16Array, which may hold bfloat16 or float16 bits: say which/;

// A bfloat16 ReLU whose last forward was on 4 elements, as `r` in the rows.
function primed() {
  const r = new ReLU({ dtype: 'bf16' });
  r.forward(Uint16Array.of(0xbf80, 0, 0x3f80, 0x4000)); // -1, 0, 1, 2
  return r;
}

// [what, thunk(r), error class, message, code]
const ROWS = [
  ['forward of a Uint16Array without a dtype', () => new ReLU().forward(new Uint16Array(4)), TypeError,
    new RegExp(`^ReLU\\.forward: x ${NO_DTYPE.source}, make the ReLU with \\{ dtype: 'bf16' \\} or \\{ dtype: 'f16' \\}$`), 'CRELU_ERR_INVALID_TYPE'],
  ['backward of a Uint16Array without a dtype', () => {
    const r = new ReLU();
    r.forward(new Float32Array(4));
    r.backward(new Uint16Array(4));
  }, TypeError, /^ReLU\.backward: d is a Uint16Array/, 'CRELU_ERR_INVALID_TYPE'],
  ['relu of a Uint16Array without options', () => relu(new Uint16Array(4)), TypeError,
    new RegExp(`^relu: x ${NO_DTYPE.source}, as relu\\(x, out, options\\) with options \\{ dtype: 'bf16' \\}`), 'CRELU_ERR_INVALID_TYPE'],
  ['relu of a Uint16Array with options but no dtype', () => relu(new Uint16Array(4), undefined, {}), TypeError, NO_DTYPE, 'CRELU_ERR_INVALID_TYPE'],
  ['relu of a Uint16Array into out without a dtype', () => relu(new Uint16Array(4), new Uint16Array(4)), TypeError, NO_DTYPE, 'CRELU_ERR_INVALID_TYPE'],
  ['dtype not a string', () => new ReLU({ dtype: 16 }), TypeError, /^new ReLU: options\.dtype must be 'bf16' or 'f16'; got a non-string$/, 'CRELU_ERR_INVALID_TYPE'],
  ['dtype unknown', () => new ReLU({ dtype: 'fp16' }), RangeError, /^new ReLU: options\.dtype must be 'bf16' or 'f16'; got 'fp16'$/, 'CRELU_ERR_INVALID_ARGUMENT'],
  ['dtype in capitals', () => new ReLU({ dtype: 'BF16' }), RangeError, /got 'BF16'/, 'CRELU_ERR_INVALID_ARGUMENT'],
  ['dtype a type name', () => new ReLU({ dtype: 'float16' }), RangeError, /got 'float16'/, 'CRELU_ERR_INVALID_ARGUMENT'],
  ['relu dtype unknown', () => relu(new Uint16Array(4), undefined, { dtype: 'half' }), RangeError, /^relu: options\.dtype must be 'bf16' or 'f16'; got 'half'$/, 'CRELU_ERR_INVALID_ARGUMENT'],
  ['relu options unknown', () => relu(new Uint16Array(4), undefined, { dtype: 'f16', save: 'mask' }), TypeError, /^relu: unknown option 'save' \(known: dtype\)$/, 'CRELU_ERR_INVALID_TYPE'],
  ['relu options a string', () => relu(new Uint16Array(4), undefined, 'bf16'), TypeError, /^relu: options must be an object$/, 'CRELU_ERR_INVALID_TYPE'],
  ['an Int16Array', (r) => r.forward(new Int16Array(4)), TypeError, /x must be a Float32Array, a Float64Array, a Uint16Array or a Float16Array; got Int16Array/, 'CRELU_ERR_INVALID_TYPE'],
  ['out a Float32Array for Uint16Array x', (r) => r.forward(new Uint16Array(4), new Float32Array(4)), TypeError, /out must be a Uint16Array \(like x's result\); got Float32Array/, 'CRELU_ERR_INVALID_TYPE'],
  ['out an Int16Array for Uint16Array x', (r) => r.forward(new Uint16Array(4), new Int16Array(4)), TypeError, /out must be a Uint16Array .*got Int16Array/, 'CRELU_ERR_INVALID_TYPE'],
  ['out a Uint16Array for Float32Array x', (r) => r.forward(new Float32Array(4), new Uint16Array(4)), TypeError, /out must be a Float32Array .*got Uint16Array/, 'CRELU_ERR_INVALID_TYPE'],
  ['out too short', (r) => r.forward(new Uint16Array(4), new Uint16Array(3)), RangeError, /out has 3 elements but x has 4/, 'CRELU_ERR_SIZE_MISMATCH'],
  ['relu out too long', () => relu(new Uint16Array(4), new Uint16Array(5), { dtype: 'bf16' }), RangeError, /^relu: out has 5 elements but x has 4$/, 'CRELU_ERR_SIZE_MISMATCH'],
  ['out partially overlapping x', (r) => {
    const buffer = new Uint16Array(8);
    r.forward(buffer.subarray(0, 4), buffer.subarray(2, 6));
  }, RangeError, /invalid argument/, 'CRELU_ERR_INVALID_ARGUMENT'],
  ['backward of another length', (r) => r.backward(new Uint16Array(5)), RangeError, /element count differs from the last forward/, 'CRELU_ERR_SIZE_MISMATCH'],
  ['backward with out of another length', (r) => r.backward(new Uint16Array(4), new Uint16Array(2)), RangeError, /out has 2 elements but d has 4/, 'CRELU_ERR_SIZE_MISMATCH'],
  ['bf16 forward, float32 backward', (r) => r.backward(new Float32Array(4)), TypeError, /^ReLU\.backward: backward dtype differs from the last forward$/, 'CRELU_ERR_DTYPE_MISMATCH'],
  ['bf16 forward, plain array (float64) backward', (r) => r.backward([1, 2, 3, 4]), TypeError, /dtype differs/, 'CRELU_ERR_DTYPE_MISMATCH'],
  ['float32 forward, bf16 backward', () => {
    const r = new ReLU({ dtype: 'bf16' });
    r.forward(new Float32Array(4));
    r.backward(new Uint16Array(4));
  }, TypeError, /dtype differs/, 'CRELU_ERR_DTYPE_MISMATCH'],
];

// Backward still sees the last good forward (bfloat16 -1, 0, 1, 2), and
// the object then computes a new pair right.
function assertWorks(r, what) {
  const ones = Uint16Array.of(0x3f80, 0x3f80, 0x3f80, 0x3f80);
  assertSameHalves(r.backward(ones), Uint16Array.of(0, 0, 0x3f80, 0x3f80), `${what}: backward of the kept forward`);
  const x = Uint16Array.of(0xc000, 0x7fc1, 0x4040, 0x8000);
  const dy = Uint16Array.of(0x3f80, 0x4000, 0x7f81, 0xbf80);
  assertSameHalves(r.forward(x), half.forward('bf16', x, {}), `${what}: forward afterwards`);
  assertSameHalves(r.backward(dy), half.backward('bf16', x, dy, {}), `${what}: backward afterwards`);
}

for (const [what, thunk, ErrorClass, message, code] of ROWS) {
  test(what, () => {
    const r = primed();
    assert.throws(() => thunk(r), (error) => {
      assert.equal(error.constructor, ErrorClass, `${what}: ${error}`);
      assert.match(error.message, message);
      assert.equal(error.code, code);
      return true;
    });
    assertWorks(r, what);
  });
}

test('a Uint16Array without a dtype is refused on every path, and nothing is written', () => {
  const x = Uint16Array.of(0xbf80, 0x3f80);
  const out = Uint16Array.of(0x1234, 0x1234);
  const r = new ReLU();
  for (const call of [() => r.forward(x), () => r.forward(x, out), () => relu(x), () => relu(x, out),
    () => r.forward(x.subarray(1), out.subarray(1))]) {
    assert.throws(call, { name: 'TypeError', code: 'CRELU_ERR_INVALID_TYPE', message: NO_DTYPE });
  }
  assert.deepEqual(out, Uint16Array.of(0x1234, 0x1234));
  assert.deepEqual(x, Uint16Array.of(0xbf80, 0x3f80));
  assert.throws(() => r.backward(x), { code: 'CRELU_ERR_INVALID_TYPE' }, 'before any forward: the dtype is missing first');
});

test('a dtype getter: its exception comes through, and it is read once', () => {
  const options = { get dtype() { throw new SyntaxError('from the getter'); } };
  assert.throws(() => new ReLU(options), SyntaxError);
  assert.throws(() => relu(new Uint16Array(2), undefined, options), SyntaxError);
  let reads = 0;
  const counted = { get dtype() { reads++; return 'f16'; } };
  assertSameHalves(relu(Uint16Array.of(0xbc00, 0x3c00), undefined, counted), Uint16Array.of(0, 0x3c00), 'relu with a getter');
  assert.equal(reads, 1, 'the option is read once');
});
