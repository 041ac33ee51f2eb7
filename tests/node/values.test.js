// SPDX-License-Identifier: MIT
'use strict';
// Results, bit for bit, against the reference written from SPEC's table: every
// variant, both grad rules, both save modes, float32 and float64, plain arrays.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { ReLU, relu } = require('crelu');
const reference = require('./reference');
const { pairs } = require('./samples');
const { assertSameBits } = require('./assert_bits');

const VARIANTS = {
  relu: {},
  'leaky 0.1': { negativeSlope: 0.1 },
  'leaky -0.3': { negativeSlope: -0.3 },
  'clipped 6': { maxValue: 6 },
  'clipped 0.5': { maxValue: 0.5 },
};

for (const Values of [Float32Array, Float64Array]) {
  const { x, dy } = pairs(Values);
  for (const [variant, variantOptions] of Object.entries(VARIANTS)) {
    for (const grad of ['pytorch', 'cs231n']) {
      for (const save of ['x', 'mask']) {
        const options = { ...variantOptions, grad, save };
        test(`${Values.name} ${variant}, grad ${grad}, save ${save}`, () => {
          const r = new ReLU(options);
          const what = `${Values.name} ${JSON.stringify(options)}`;
          assertSameBits(r.forward(x), reference.forward(x, options), `${what} forward`);
          const expected = reference.backward(x, dy, options);
          assertSameBits(r.backward(dy), expected, `${what} backward`);
          // backward may be repeated until the next forward
          assertSameBits(r.backward(dy), expected, `${what} second backward`);
          r.close();
        });
      }
    }
  }

  test(`${Values.name}: relu() is plain ReLU`, () => {
    assertSameBits(relu(x), reference.forward(x, {}), `${Values.name} relu`);
  });

  test(`${Values.name}: backward follows the latest forward`, () => {
    const r = new ReLU();
    const first = x.subarray(0, 100);
    const second = x.subarray(100, 150);
    r.forward(first);
    r.forward(second);
    assertSameBits(r.backward(dy.subarray(0, 50)), reference.backward(second, dy.subarray(0, 50), {}),
      `${Values.name} backward after two forwards`);
  });
}

test('default options are save x, grad pytorch, plain ReLU', () => {
  const { x, dy } = pairs(Float64Array);
  const r = new ReLU();
  const explicit = new ReLU({ save: 'x', grad: 'pytorch', negativeSlope: 0, maxValue: Infinity });
  const undefinedOptions = new ReLU({ save: undefined, grad: undefined, negativeSlope: undefined, maxValue: undefined });
  for (const subject of [r, explicit, undefinedOptions]) {
    assertSameBits(subject.forward(x), reference.forward(x, {}), 'forward');
    assertSameBits(subject.backward(dy), reference.backward(x, dy, {}), 'backward');
  }
});

test('the two grad rules differ where SPEC says they do', () => {
  // Guards the reference as much as the binding: at x = 0 PyTorch blocks, cs231n passes.
  const x = Float64Array.of(0, -1, 2);
  const dy = Float64Array.of(5, -3, 7);
  const pytorch = new ReLU({ grad: 'pytorch' });
  const cs231n = new ReLU({ grad: 'cs231n' });
  pytorch.forward(x);
  cs231n.forward(x);
  assert.deepEqual([...pytorch.backward(dy)], [0, 0, 7]);
  const dx = cs231n.backward(dy);
  assert.deepEqual([...dx], [5, -0, 7]);
  assert.ok(Object.is(dx[1], -0), 'cs231n: -3 * 0 is -0');
});

test('plain arrays are read as float64 and give a Float64Array', () => {
  const numbers = [-2, -0, 0, 0.5, 3, NaN, Infinity, -Infinity, 1e-310, -1e-310];
  const gradients = [1, 2, 3, 4, 5, 6, 7, 8, 9, -10];
  const x = Float64Array.from(numbers);
  const dy = Float64Array.from(gradients);
  for (const options of Object.values(VARIANTS)) {
    for (const grad of ['pytorch', 'cs231n']) {
      const r = new ReLU({ ...options, grad });
      const y = r.forward(numbers);
      assert.ok(y instanceof Float64Array);
      assertSameBits(y, reference.forward(x, { ...options, grad }), 'forward of a plain array');
      assertSameBits(r.backward(gradients), reference.backward(x, dy, { ...options, grad }),
        'backward of a plain array');
      // a plain array after a typed forward, and the other way round
      r.forward(x);
      assertSameBits(r.backward(gradients), reference.backward(x, dy, { ...options, grad }),
        'plain backward after a Float64Array forward');
    }
  }
  assertSameBits(relu(numbers), reference.forward(x, {}), 'relu of a plain array');
  assert.deepEqual(relu([]), new Float64Array(0));
});

test('empty arrays give empty results of their type', () => {
  const r = new ReLU();
  for (const input of [new Float32Array(0), new Float64Array(0), []]) {
    const y = r.forward(input);
    assert.equal(y.length, 0);
    assert.equal(y.constructor, input instanceof Float32Array ? Float32Array : Float64Array);
  }
});
