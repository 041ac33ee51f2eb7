// SPDX-License-Identifier: MIT
'use strict';
// bfloat16 and float16 results, bit for bit, against half_reference.js:
// all 65,536 x patterns for every variant, grad rule and save mode (and for
// relu()), specials against specials, random patterns; results are
// Uint16Arrays; out, in place and views with an offset; a Float16Array
// where the runtime has one.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const util = require('node:util');
const { ReLU, relu } = require('crelu');
const half = require('./half_reference');
const { halfPairs, assertSameHalves } = require('./half_samples');

const VARIANTS = {
  relu: {},
  'leaky 0.1': { negativeSlope: 0.1 },
  'leaky -0.3': { negativeSlope: -0.3 },
  'clipped 6': { maxValue: 6 },
  'clipped 0.5': { maxValue: 0.5 },
};
const DTYPES = ['bf16', 'f16'];

for (const dtype of DTYPES) {
  const { x, dy } = halfPairs(dtype);

  test(`${dtype}: relu() of all 65,536 patterns`, () => {
    const every = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const y = relu(every, undefined, { dtype });
    assert.ok(y instanceof Uint16Array);
    assertSameHalves(y, half.forward(dtype, every, {}), `${dtype} relu`, every);
  });

  for (const [variant, variantOptions] of Object.entries(VARIANTS)) {
    for (const grad of ['pytorch', 'cs231n']) {
      for (const save of ['x', 'mask']) {
        const options = { ...variantOptions, grad, save };
        test(`${dtype} ${variant}, grad ${grad}, save ${save}`, () => {
          const r = new ReLU({ ...options, dtype });
          const what = `${dtype} ${JSON.stringify(options)}`;
          const y = r.forward(x);
          assert.ok(y instanceof Uint16Array, `${what}: forward gives a Uint16Array`);
          assertSameHalves(y, half.forward(dtype, x, options), `${what} forward`, x);
          const expected = half.backward(dtype, x, dy, options);
          assertSameHalves(r.backward(dy), expected, `${what} backward`, x);
          // backward may be repeated until the next forward
          assertSameHalves(r.backward(dy), expected, `${what} second backward`, x);
          r.close();
        });
      }
    }
  }

  test(`${dtype}: out, in place, and views at an odd element offset`, () => {
    const options = { negativeSlope: 0.1, grad: 'cs231n', dtype };
    const r = new ReLU(options);
    const n = x.length - 1;
    const xs = x.subarray(1); // byteOffset 2: not aligned for any vector
    const ds = dy.subarray(1);
    const y = new Uint16Array(n);
    assert.equal(r.forward(xs, y), y, 'forward returns out');
    assertSameHalves(y, half.forward(dtype, xs, options), 'forward into out');
    const dx = new Uint16Array(n + 2).subarray(1, n + 1);
    assert.equal(r.backward(ds, dx), dx, 'backward returns out');
    assertSameHalves(dx, half.backward(dtype, xs, ds, options), 'backward into a view');
    assert.equal(dx.buffer.byteLength, (n + 2) * 2);
    assert.equal(new Uint16Array(dx.buffer)[0], 0, 'nothing written before the view');
    assert.equal(new Uint16Array(dx.buffer)[n + 1], 0, 'nothing written after the view');
    // In place: forward(x, x), then backward(d, d) against that forward.
    const inPlace = Uint16Array.from(xs);
    assert.equal(r.forward(inPlace, inPlace), inPlace);
    assertSameHalves(inPlace, half.forward(dtype, xs, options), 'forward in place');
    const d = Uint16Array.from(ds);
    assert.equal(r.backward(d, d), d);
    assertSameHalves(d, half.backward(dtype, xs, ds, options), 'backward in place (after the in-place forward)');
    // relu() in place and into out.
    const z = Uint16Array.from(xs);
    assert.equal(relu(z, z, { dtype }), z);
    assertSameHalves(z, half.forward(dtype, xs, {}), 'relu in place');
    const out = new Uint16Array(n);
    assert.equal(relu(xs, out, { dtype }), out);
    assertSameHalves(out, half.forward(dtype, xs, {}), 'relu into out');
    // Without out, x is left as it was.
    const kept = Uint16Array.from(xs);
    r.forward(kept);
    assertSameHalves(kept, Uint16Array.from(xs), 'x untouched');
  });
}

test('the dtype option decides how the same bits are read', () => {
  // 0x3f80 is 1.0 in bfloat16 and 1.875 in float16; 0xc000 is -2 in both.
  // Leaky 0.5 halves the negative one: 0xbf80 in bfloat16, 0xbc00 in float16.
  const x = Uint16Array.of(0x3f80, 0xc000);
  assertSameHalves(new ReLU({ dtype: 'bf16', negativeSlope: 0.5 }).forward(x), Uint16Array.of(0x3f80, 0xbf80), 'bf16');
  assertSameHalves(new ReLU({ dtype: 'f16', negativeSlope: 0.5 }).forward(x), Uint16Array.of(0x3f80, 0xbc00), 'f16');
  // A NaN: bfloat16's forward writes 0xffff, float16's passes it.
  assertSameHalves(relu(Uint16Array.of(0x7f81), undefined, { dtype: 'bf16' }), Uint16Array.of(0xffff), 'bf16 NaN');
  assertSameHalves(relu(Uint16Array.of(0x7d01), undefined, { dtype: 'f16' }), Uint16Array.of(0x7d01), 'f16 NaN');
});

test('a ReLU with a dtype still takes float arrays, and switches dtype from forward to forward', () => {
  const r = new ReLU({ dtype: 'f16' });
  const x32 = Float32Array.of(-1, 2);
  assert.deepEqual(r.forward(x32), Float32Array.of(0, 2));
  assert.deepEqual(r.backward(Float32Array.of(3, 4)), Float32Array.of(0, 4));
  const x16 = Uint16Array.of(0xbc00, 0x4000); // -1, 2
  assertSameHalves(r.forward(x16), Uint16Array.of(0, 0x4000), 'f16 forward after a float32 one');
  assertSameHalves(r.backward(Uint16Array.of(0x4200, 0x4400)), Uint16Array.of(0, 0x4400), 'f16 backward');
  assert.deepEqual(r.forward([-1, 2]), Float64Array.of(0, 2), 'a plain array is float64 whatever the dtype');
});

test('util.inspect shows the dtype when one was given', () => {
  assert.equal(util.inspect(new ReLU({ dtype: 'bf16' }), { breakLength: Infinity }),
    "ReLU { save: 'x', grad: 'pytorch', negativeSlope: 0, maxValue: Infinity, dtype: 'bf16', closed: false }");
  assert.match(util.inspect(new ReLU({ dtype: 'f16', save: 'mask' }), { breakLength: Infinity }), /save: 'mask'.*dtype: 'f16'/);
  assert.doesNotMatch(util.inspect(new ReLU()), /dtype/);
});

test('empty Uint16Arrays give empty Uint16Arrays', () => {
  const r = new ReLU({ dtype: 'bf16' });
  const y = r.forward(new Uint16Array(0));
  assert.ok(y instanceof Uint16Array);
  assert.equal(y.length, 0);
  assert.equal(r.backward(new Uint16Array(0)).length, 0);
  assert.ok(relu(new Uint16Array(0), undefined, { dtype: 'f16' }) instanceof Uint16Array);
});

test('a subclass of Uint16Array named Float16Array is a Uint16Array', () => {
  // The type is read from the typed array's internal slot, not its name.
  class Float16Array extends Uint16Array {}
  const x = Float16Array.of(0xbc00, 0x3c00);
  assert.throws(() => new ReLU().forward(x), { name: 'TypeError', code: 'CRELU_ERR_INVALID_TYPE', message: /is a Uint16Array/ });
  assertSameHalves(new ReLU({ dtype: 'f16' }).forward(x), Uint16Array.of(0, 0x3c00), 'read as dtype says');
});

const Float16 = globalThis.Float16Array;
test('Float16Array: float16 without a dtype option, results of its type',
  { skip: typeof Float16 !== 'function' && `this node (${process.version}) has no Float16Array` }, () => {
    const { x, dy } = halfPairs('f16', 64);
    const bits = (array) => new Uint16Array(array.buffer, array.byteOffset, array.length);
    const x16 = new Float16(x.buffer.slice(0));
    const dy16 = new Float16(dy.buffer.slice(0));
    for (const options of Object.values(VARIANTS)) {
      const r = new ReLU(options);
      const y = r.forward(x16);
      assert.ok(y instanceof Float16);
      assertSameHalves(bits(y), half.forward('f16', x, options), 'Float16Array forward', x);
      assertSameHalves(bits(r.backward(dy16)), half.backward('f16', x, dy, options), 'Float16Array backward', x);
    }
    assertSameHalves(bits(relu(x16)), half.forward('f16', x, {}), 'Float16Array relu', x);
    // out and in place; a float16 Uint16Array forward, then a Float16Array backward.
    const f = new ReLU({ dtype: 'f16', grad: 'cs231n' });
    const out = new Float16(x16.length);
    assert.equal(f.forward(x, undefined) instanceof Uint16Array, true);
    assert.equal(f.backward(dy16, out), out);
    assertSameHalves(bits(out), half.backward('f16', x, dy, { grad: 'cs231n' }), 'Float16Array backward after a Uint16Array f16 forward', x);
    const inPlace = new Float16(x.buffer.slice(0));
    assert.equal(relu(inPlace, inPlace), inPlace);
    assertSameHalves(bits(inPlace), half.forward('f16', x, {}), 'Float16Array relu in place', x);
    // Misuse: the errors name the type, and the object works on.
    assert.throws(() => f.forward(x16, new Uint16Array(x16.length)),
      { name: 'TypeError', code: 'CRELU_ERR_INVALID_TYPE', message: /^ReLU\.forward: out must be a Float16Array \(like x's result\); got Uint16Array$/ });
    assert.throws(() => relu(x16, new Float16(1)), { name: 'RangeError', code: 'CRELU_ERR_SIZE_MISMATCH' });
    assertSameHalves(bits(f.backward(dy16)), half.backward('f16', x, dy, { grad: 'cs231n' }), 'backward after the errors', x);
    // A bfloat16 forward then float16 data: the library's dtype mismatch.
    const r = new ReLU({ dtype: 'bf16' });
    r.forward(new Uint16Array(x16.length));
    assert.throws(() => r.backward(dy16), { name: 'TypeError', code: 'CRELU_ERR_DTYPE_MISMATCH' });
  });
