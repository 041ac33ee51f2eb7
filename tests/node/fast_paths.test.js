// SPDX-License-Identifier: MIT
'use strict';
// The fast paths of index.js and the addon's entry points behind them: the
// same results and the same errors as the checked path, for the inputs
// where the two could part ways. Run with --expose-gc.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { setImmediate: tick } = require('node:timers/promises');
const { ReLU, relu } = require('crelu');
const reference = require('./reference');
const { pairs } = require('./samples');
const { assertSameBits } = require('./assert_bits');

// The addon itself, as index.js loads it (its `internal` is index.js's to use).
const addon = require(path.join(path.dirname(require.resolve('crelu')), 'build', 'Release', 'crelu.node'));

function assertInvalidType(thunk, message) {
  assert.throws(thunk, (error) => {
    assert.equal(error.constructor, TypeError, String(error));
    assert.match(error.message, message);
    assert.equal(error.code, 'CRELU_ERR_INVALID_TYPE');
    return true;
  });
}

test('plain arrays of every element kind give the reference bits', () => {
  const { x, dy } = pairs(Float64Array);
  const numbers = Array.from(x); // doubles
  const small = [3, -2, 0, 7, -9]; // small integers, V8's Smi elements
  const holeyFilled = [1.5, , -2.5]; // eslint-disable-line no-sparse-arrays
  holeyFilled[1] = -0; // holey elements, no hole left
  for (const [what, array] of [['doubles', numbers], ['small integers', small], ['holey, filled', holeyFilled]]) {
    const expected = reference.forward(Float64Array.from(array), {});
    assertSameBits(relu(array), expected, `relu of ${what}`);
    const r = new ReLU();
    assertSameBits(r.forward(array), expected, `forward of ${what}`);
    const gradients = array.map((_, i) => dy[i]);
    assertSameBits(r.backward(gradients), reference.backward(Float64Array.from(array), Float64Array.from(gradients), {}),
      `backward of ${what}`);
  }
});

test('a hole reads through to the prototype, as the addon reads it', () => {
  const saved = Object.getOwnPropertyDescriptor(Array.prototype, 1);
  Array.prototype[1] = -4; // eslint-disable-line no-extend-native
  try {
    const x = [-1, , 2]; // eslint-disable-line no-sparse-arrays
    assertSameBits(new ReLU().forward(x), Float64Array.of(0, 0, 2), 'forward of a holey array');
  } finally {
    if (saved) Object.defineProperty(Array.prototype, 1, saved);
    else delete Array.prototype[1];
  }
});

test('bad elements anywhere in a long plain array raise the checked path\'s error', () => {
  const n = 100000;
  for (const [bad, got] of [[undefined, 'undefined'], [null, 'null'], ['1', 'a string'], [1n, 'a bigint'],
    [{ valueOf: () => 1 }, 'an object'], [new Float64Array(1), 'Float64Array'], [true, 'a boolean']]) {
    for (const at of [0, n - 1]) {
      const x = new Array(n).fill(0.5);
      x[at] = bad;
      assertInvalidType(() => new ReLU().forward(x), new RegExp(`^ReLU\\.forward: x\\[${at}\\] must be a number; got ${got}$`));
      assertInvalidType(() => relu(x), new RegExp(`^relu: x\\[${at}\\] must be a number; got ${got}$`));
    }
  }
  const sparse = [];
  sparse[n - 1] = 1; // dictionary elements, holes up to the end
  assertInvalidType(() => relu(sparse), /^relu: x\[0\] must be a number; got undefined$/);
});

test('a plain array too long to copy reports its first hole', () => {
  // A copy sized by the length would be 32 GiB; elements are read first.
  // (hostile.test.js runs such cases under an address-space cap.)
  const x = [];
  x.length = 2 ** 32 - 1;
  assertInvalidType(() => relu(x), /^relu: x\[0\] must be a number; got undefined$/);
  assertInvalidType(() => new ReLU().forward(x), /^ReLU\.forward: x\[0\] must be a number; got undefined$/);
});

test('a Proxy of an array is not a plain array, as for the addon', () => {
  const proxy = new Proxy([1, 2], {});
  assertInvalidType(() => relu(proxy), /^relu: x must be a Float32Array, a Float64Array, a Uint16Array, a Float16Array or an array of numbers; got an object$/);
  assertInvalidType(() => new ReLU().forward(proxy), /got an object$/);
});

test('a typed array whose length property lies gets a result of its real length', () => {
  for (const Values of [Float32Array, Float64Array]) {
    const x = Values.of(-1, 2, -3, 4, -5, 6, -7, 8);
    Object.defineProperty(x, 'length', { value: 4 });
    const expected = reference.forward(Values.of(-1, 2, -3, 4, -5, 6, -7, 8), {});
    assertSameBits(relu(x), expected, `${Values.name} relu`);
    assertSameBits(new ReLU().forward(x), expected, `${Values.name} forward`);
  }
});

test('typed operands the fast path declines raise the checked path\'s errors', () => {
  const r = new ReLU();
  r.forward(new Float32Array(4));
  for (const [thunk, ErrorClass, message] of [
    [() => r.forward(new Float32Array(4), new Float32Array(5)), RangeError, /^ReLU\.forward: out has 5 elements but x has 4$/],
    [() => relu(new Float64Array(4), new Float64Array(3)), RangeError, /^relu: out has 3 elements but x has 4$/],
    [() => r.forward(new Float32Array(2), new Int32Array(2)), TypeError, /^ReLU\.forward: out must be a Float32Array .*got Int32Array$/],
    [() => relu(new Float32Array(2), new DataView(new ArrayBuffer(8))), TypeError, /^relu: out must be a Float32Array .*got a DataView$/],
    [() => r.backward(new Float32Array(5)), RangeError, /^ReLU\.backward: .*element count differs/],
    [() => r.backward(new Float64Array(4)), TypeError, /^ReLU\.backward: .*dtype differs/],
  ]) {
    assert.throws(thunk, (error) => {
      assert.equal(error.constructor, ErrorClass, String(error));
      assert.match(error.message, message);
      return true;
    });
  }
  assertSameBits(r.forward(Float32Array.of(-1, 2)), Float32Array.of(0, 2), 'afterwards');
});

test('objects are told apart after their slots are reused', async () => {
  // Slots of collected objects are handed out again; each object must still
  // reach its own context. The rules differ at x = 0 (SPEC section 2).
  const x = Float64Array.of(0, -1, 2);
  const dy = Float64Array.of(-5, 3, 7);
  const expected = {
    pytorch: reference.backward(x, dy, { grad: 'pytorch' }),
    cs231n: reference.backward(x, dy, { grad: 'cs231n' }),
  };
  const check = (objects) => objects.forEach(([grad, r]) => {
    assertSameBits(r.forward(x), reference.forward(x, {}), `${grad} forward`);
    assertSameBits(r.backward(dy), expected[grad], `${grad} backward`);
  });
  (() => check(Array.from({ length: 50 }, (_, i) => (i % 3 ? ['pytorch', new ReLU()] : ['cs231n', new ReLU({ grad: 'cs231n' })]))))();
  for (let round = 0; round < 5; round++) {
    globalThis.gc();
    await tick(); // finalizers run from the loop
  }
  const kept = Array.from({ length: 60 }, (_, i) => (i % 2 ? ['cs231n', new ReLU({ grad: 'cs231n' })] : ['pytorch', new ReLU()]));
  check(kept);
  kept[1][1].close();
  assert.throws(() => kept[1][1].forward(x), { code: 'CRELU_ERR_CLOSED' });
  check(kept.filter((_, i) => i !== 1));
});

test('an object inheriting from a ReLU object is not one', () => {
  const heir = Object.create(new ReLU());
  for (const call of [() => heir.forward(new Float32Array(2)), () => heir.backward([1]), () => ReLU.prototype.forward.call(heir, [1])]) {
    assert.throws(call, (error) => error.constructor === TypeError && /Illegal invocation/.test(error.message));
  }
});

test("the addon's fast entry points are memory-safe for any caller", () => {
  const { internal } = addon;
  assert.throws(() => internal.setSlotKeeper(() => {}), /once/, 'the slot keeper is set once, by index.js');
  // A slot that names no live object gives undefined (index.js then takes
  // the checked path), whatever it is.
  for (const slot of [-1, 2 ** 32 - 1, 1e9, 'a', undefined, {}]) {
    assert.equal(internal.forwardFloat32(slot, new Float32Array(4), new Float32Array(4)), undefined, String(slot));
  }
  // A misstated type reinterprets bytes, within the buffers: 5 bytes hold one float32.
  const input = new Uint8Array(new Float32Array([-1]).buffer.slice(0)).subarray(0, 4);
  const x = new Uint8Array(5);
  x.set(input);
  const out = new Uint8Array(5).fill(9);
  assert.equal(internal.reluFloat32(x, out), out);
  assert.deepEqual([...out], [0, 0, 0, 0, 9]);
});
