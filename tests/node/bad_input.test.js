// SPDX-License-Identifier: MIT
'use strict';
// Misuse, row by row: each must throw the documented error class, message
// and code, and leave the object it was used on working.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { ReLU, relu } = require('crelu');
const reference = require('./reference');
const { assertSameBits } = require('./assert_bits');

const STRERROR = {
  // Fragments of crelu_strerror's text, which the messages must carry.
  invalid: /invalid argument/,
  noForward: /backward called before any successful forward/,
  size: /element count differs from the last forward/,
  dtype: /dtype differs from the last forward/,
};

// A ReLU whose last forward was on 4 float64 elements, as `r` in the rows.
function primed(options) {
  const r = new ReLU(options);
  r.forward(new Float64Array(4));
  return r;
}

// [what, thunk(r), error class, message, code]; `fresh` rows get an unprimed object.
// A method called on a foreign `this` is stopped by V8 itself (the class's
// methods carry a signature), before the addon's own type-tag check.
const ROWS = [
  ['unknown option', () => new ReLU({ bogus: 1 }), TypeError, /unknown option 'bogus'/, 'CRELU_ERR_INVALID_TYPE'],
  ['snake_case option name', () => new ReLU({ negative_slope: 0.1 }), TypeError, /unknown option 'negative_slope'.*negativeSlope/, 'CRELU_ERR_INVALID_TYPE'],
  ['options not an object', () => new ReLU('mask'), TypeError, /options must be an object/, 'CRELU_ERR_INVALID_TYPE'],
  ['options null', () => new ReLU(null), TypeError, /options must be an object/, 'CRELU_ERR_INVALID_TYPE'],
  ['save not a string', () => new ReLU({ save: 1 }), TypeError, /options.save must be 'x' or 'mask'/, 'CRELU_ERR_INVALID_TYPE'],
  ['save unknown', () => new ReLU({ save: 'copy' }), RangeError, /options.save must be 'x' or 'mask'; got 'copy'/, 'CRELU_ERR_INVALID_ARGUMENT'],
  ['grad unknown', () => new ReLU({ grad: 'tensorflow' }), RangeError, /options.grad must be 'pytorch' or 'cs231n'; got 'tensorflow'/, 'CRELU_ERR_INVALID_ARGUMENT'],
  ['negativeSlope not a number', () => new ReLU({ negativeSlope: '0.1' }), TypeError, /options.negativeSlope must be a number/, 'CRELU_ERR_INVALID_TYPE'],
  ['negativeSlope NaN', () => new ReLU({ negativeSlope: NaN }), RangeError, STRERROR.invalid, 'CRELU_ERR_INVALID_ARGUMENT'],
  ['negativeSlope infinite', () => new ReLU({ negativeSlope: -Infinity }), RangeError, STRERROR.invalid, 'CRELU_ERR_INVALID_ARGUMENT'],
  ['maxValue zero', () => new ReLU({ maxValue: 0 }), RangeError, /maxValue must be > 0.*invalid argument/, 'CRELU_ERR_INVALID_ARGUMENT'],
  ['maxValue NaN', () => new ReLU({ maxValue: NaN }), RangeError, STRERROR.invalid, 'CRELU_ERR_INVALID_ARGUMENT'],
  ['maxValue null', () => new ReLU({ maxValue: null }), TypeError, /options.maxValue must be a number/, 'CRELU_ERR_INVALID_TYPE'],
  ['slope and cap together', () => new ReLU({ negativeSlope: 0.1, maxValue: 6 }), RangeError, /cannot be combined.*invalid argument/, 'CRELU_ERR_INVALID_ARGUMENT'],
  ['constructor without new', () => ReLU(), TypeError, /without 'new'/, 'CRELU_ERR_INVALID_TYPE'],
  ['forward without x', (r) => r.forward(), TypeError, /x must be a Float32Array, a Float64Array, a Uint16Array, a Float16Array or an array of numbers; got undefined/, 'CRELU_ERR_INVALID_TYPE'],
  ['forward of a string', (r) => r.forward('1,2'), TypeError, /got a string/, 'CRELU_ERR_INVALID_TYPE'],
  ['forward of an Int32Array', (r) => r.forward(new Int32Array(4)), TypeError, /x must be a Float32Array, a Float64Array, a Uint16Array or a Float16Array; got Int32Array/, 'CRELU_ERR_INVALID_TYPE'],
  ['forward of a Buffer', (r) => r.forward(Buffer.alloc(8)), TypeError, /got Uint8Array/, 'CRELU_ERR_INVALID_TYPE'],
  ['forward of a DataView', (r) => r.forward(new DataView(new ArrayBuffer(8))), TypeError, /got a DataView/, 'CRELU_ERR_INVALID_TYPE'],
  ['forward of nested rows', (r) => r.forward([[1, 2], [3, 4]]), TypeError, /x\[0\] must be a number; got an object/, 'CRELU_ERR_INVALID_TYPE'],
  ['plain array with a string', (r) => r.forward([1, '2']), TypeError, /x\[1\] must be a number; got a string/, 'CRELU_ERR_INVALID_TYPE'],
  ['plain array with a hole', (r) => r.forward([1, , 3]), TypeError, /x\[1\] must be a number; got undefined/, 'CRELU_ERR_INVALID_TYPE'], // eslint-disable-line no-sparse-arrays
  ['plain array with a bigint', (r) => r.forward([1n]), TypeError, /x\[0\] must be a number; got a bigint/, 'CRELU_ERR_INVALID_TYPE'],
  ['out of the other float type', (r) => r.forward(new Float32Array(4), new Float64Array(4)), TypeError, /out must be a Float32Array.*got Float64Array/, 'CRELU_ERR_INVALID_TYPE'],
  ['out a plain array', (r) => r.forward([1, 2], [0, 0]), TypeError, /out must be a Float64Array.*got an object/, 'CRELU_ERR_INVALID_TYPE'],
  ['out null', (r) => r.forward(new Float64Array(4), null), TypeError, /out must be a Float64Array.*got null/, 'CRELU_ERR_INVALID_TYPE'],
  ['out too short', (r) => r.forward(new Float64Array(4), new Float64Array(3)), RangeError, /out has 3 elements but x has 4/, 'CRELU_ERR_SIZE_MISMATCH'],
  ['out partially overlapping x', (r) => {
    const buffer = new Float64Array(8);
    r.forward(buffer.subarray(0, 4), buffer.subarray(2, 6));
  }, RangeError, STRERROR.invalid, 'CRELU_ERR_INVALID_ARGUMENT'],
  ['backward before forward', (r) => r.backward(new Float64Array(4)), Error, STRERROR.noForward, 'CRELU_ERR_NO_FORWARD', { fresh: true }],
  ['backward of another length', (r) => r.backward(new Float64Array(5)), RangeError, STRERROR.size, 'CRELU_ERR_SIZE_MISMATCH'],
  ['backward of the other dtype', (r) => r.backward(new Float32Array(4)), TypeError, STRERROR.dtype, 'CRELU_ERR_DTYPE_MISMATCH'],
  ['backward of a plain array of another length', (r) => r.backward([1, 2, 3]), RangeError, STRERROR.size, 'CRELU_ERR_SIZE_MISMATCH'],
  ['backward with out of another length', (r) => r.backward(new Float64Array(4), new Float64Array(5)), RangeError, /out has 5 elements but d has 4/, 'CRELU_ERR_SIZE_MISMATCH'],
  ['method on a non-ReLU object', () => ReLU.prototype.forward.call({}, new Float64Array(4)), TypeError, /Illegal invocation/, undefined],
  ['method on an object made from the prototype', () => Object.create(ReLU.prototype).backward([1]), TypeError, /Illegal invocation/, undefined],
  ['method on a primitive', () => ReLU.prototype.close.call(7), TypeError, /Illegal invocation/, undefined],
  ['stateless relu of an object', () => relu({ length: 2, 0: 1, 1: 2 }), TypeError, /relu: x must be .*got an object/, 'CRELU_ERR_INVALID_TYPE'],
  ['stateless relu with out too long', () => relu([1], new Float64Array(2)), RangeError, /out has 2 elements but x has 1/, 'CRELU_ERR_SIZE_MISMATCH'],
  ['index getter that throws', (r) => {
    const x = [1, 2, 3, 4];
    Object.defineProperty(x, 2, { get() { throw new SyntaxError('from the getter'); } });
    r.forward(x);
  }, SyntaxError, /from the getter/, undefined],
];

// The object still computes the right thing, forward and backward.
function assertWorks(r, what) {
  const x = Float64Array.of(-1, 0, 2, NaN);
  const dy = Float64Array.of(3, 4, 5, 6);
  assertSameBits(r.forward(x), reference.forward(x, {}), `${what}: forward afterwards`);
  assertSameBits(r.backward(dy), reference.backward(x, dy, {}), `${what}: backward afterwards`);
}

test('the table has at least 15 rows', () => assert.ok(ROWS.length >= 15));

for (const [what, thunk, ErrorClass, message, code, flags = {}] of ROWS) {
  test(what, () => {
    const r = flags.fresh ? new ReLU() : primed();
    assert.throws(() => thunk(r), (error) => {
      assert.equal(error.constructor, ErrorClass, `${what}: ${error}`);
      assert.match(error.message, message);
      assert.equal(error.code, code);
      return true;
    });
    if (!flags.fresh) {
      // backward right after the failure still sees the last good forward
      assert.deepEqual(r.backward(Float64Array.of(1, 1, 1, 1)), Float64Array.of(0, 0, 0, 0));
    }
    assertWorks(r, what);
  });
}

test('a closed object throws on use; close() is idempotent', () => {
  const r = primed();
  assert.equal(r.closed, false);
  r.close();
  r.close();
  assert.equal(r.closed, true);
  for (const use of [() => r.forward([1]), () => r.backward(new Float64Array(4))]) {
    assert.throws(use, (error) => {
      assert.equal(error.constructor, Error);
      assert.match(error.message, /closed/);
      assert.equal(error.code, 'CRELU_ERR_CLOSED');
      return true;
    });
  }
});

test('an index getter that closes the object mid-call cannot crash it', () => {
  const r = primed();
  const x = [1, 2, 3, 4];
  Object.defineProperty(x, 1, { get() { r.close(); return 2; } });
  assert.throws(() => r.forward(x), { code: 'CRELU_ERR_CLOSED' });
});

test('an index getter that detaches `out` mid-call cannot make it write out of bounds', () => {
  const r = primed();
  const out = new Float64Array(4);
  const x = [1, 2, 3, 4];
  Object.defineProperty(x, 1, { get() { structuredClone(out.buffer, { transfer: [out.buffer] }); return 2; } });
  assert.throws(() => r.forward(x, out), { name: 'TypeError', code: 'CRELU_ERR_DETACHED', message: /out's ArrayBuffer is detached/ });
  assertWorks(r, 'after a detached out');
});
