// SPDX-License-Identifier: MIT
'use strict';
// Typed arrays are used in place: `out` is written through its own buffer,
// within exactly its byteOffset/length window, and returned itself.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { ReLU, relu } = require('crelu');
const reference = require('./reference');
const { assertSameBits } = require('./assert_bits');
const { random } = require('./samples');

const GUARD = 1234.5; // positive, so a relu that strayed onto it would leave it alone: checked by bits

function filled(Values, n, seed) {
  const next = random(seed);
  return Values.from({ length: n }, () => next() * 8 - 4);
}

for (const Values of [Float32Array, Float64Array]) {
  test(`${Values.name}: forward(x, out) and backward(d, out) return out, written in its buffer`, () => {
    const x = filled(Values, 37, 1);
    const dy = filled(Values, 37, 2);
    const r = new ReLU();
    const out = new Values(37).fill(NaN);
    assert.equal(r.forward(x, out), out);
    // Seen through a second view of the same ArrayBuffer: no copy was returned.
    assertSameBits(new Values(out.buffer), reference.forward(x, {}), 'forward seen through out.buffer');
    const dx = new Values(37).fill(NaN);
    assert.equal(r.backward(dy, dx), dx);
    assertSameBits(new Values(dx.buffer), reference.backward(x, dy, {}), 'backward seen through dx.buffer');
    assert.equal(relu(x, out), out);
  });

  test(`${Values.name}: in place, forward(x, x) and backward(d, d)`, () => {
    const x = filled(Values, 40, 3);
    const dy = filled(Values, 40, 4);
    const original = x.slice();
    const expectedDx = reference.backward(original, dy, {});
    const r = new ReLU({ save: 'mask' });
    assert.equal(r.forward(x, x), x);
    assertSameBits(x, reference.forward(original, {}), 'forward in place');
    assert.equal(r.backward(dy, dy), dy);
    assertSameBits(dy, expectedDx, 'backward in place');
  });

  test(`${Values.name}: views with a nonzero byteOffset are read and written exactly in their window`, () => {
    const size = Values.BYTES_PER_ELEMENT;
    const n = 19;
    // x sits at elements [5, 24) of one buffer, out at [11, 30) of another.
    const xBuffer = filled(Values, 40, 5);
    const dyBuffer = filled(Values, 40, 6);
    const x = new Values(xBuffer.buffer, 5 * size, n);
    const dy = new Values(dyBuffer.buffer, 5 * size, n);
    const outBuffer = new Values(40).fill(GUARD);
    const out = new Values(outBuffer.buffer, 11 * size, n);
    const r = new ReLU({ grad: 'cs231n' });

    assert.equal(r.forward(x, out), out);
    const expected = new Values(40).fill(GUARD);
    expected.set(reference.forward(x.slice(), {}), 11);
    assertSameBits(outBuffer, expected, 'forward window and guards');

    outBuffer.fill(GUARD);
    assert.equal(r.backward(dy, out), out);
    expected.fill(GUARD).set(reference.backward(x.slice(), dy.slice(), { grad: 'cs231n' }), 11);
    assertSameBits(outBuffer, expected, 'backward window and guards');

    // The allocating path reads the same window.
    assertSameBits(r.forward(x), reference.forward(x.slice(), {}), 'forward of a view');
  });

  test(`${Values.name}: without out, the result is a new array and x is untouched`, () => {
    const x = filled(Values, 16, 7);
    const before = x.slice();
    const y = new ReLU().forward(x);
    assert.notEqual(y.buffer, x.buffer);
    assert.equal(y.constructor, Values);
    assertSameBits(x, before, 'x after forward');
  });
}

test('a plain array with a Float64Array out is written into out', () => {
  const r = new ReLU();
  const out = new Float64Array(3).fill(NaN);
  assert.equal(r.forward([-1, 2, -0], out), out);
  assertSameBits(out, reference.forward(Float64Array.of(-1, 2, -0), {}), 'forward of a plain array into out');
  const dx = new Float64Array(3);
  assert.equal(r.backward([4, 5, 6], dx), dx);
  assertSameBits(dx, Float64Array.of(0, 5, 0), 'backward of a plain array into out');
});

test('the context keeps its own copy: changing x after forward does not change backward', () => {
  for (const save of ['x', 'mask']) {
    const x = Float64Array.of(-1, 2, -3, 4);
    const dy = Float64Array.of(1, 1, 1, 1);
    const r = new ReLU({ save });
    r.forward(x);
    x.fill(5);
    assert.deepEqual(r.backward(dy), Float64Array.of(0, 1, 0, 1), `save ${save}`);
  }
});
