// SPDX-License-Identifier: MIT
// A CommonJS TypeScript client (tsc turns the import into require()): what
// index.d.ts promises must compile under --strict, and run.
import { ReLU, relu, version, isa, type Dtype, type ErrorCode, type Float16ArrayLike, type ReLUOptions } from 'crelu';
import assert = require('node:assert/strict');
import util = require('node:util');

const options: ReLUOptions = { save: 'mask', grad: 'cs231n' };
const r = new ReLU(options);
const y: Float32Array = r.forward(Float32Array.of(-1, 0, 2));
const dx: Float32Array = r.backward(Float32Array.of(5, -3, 7));
assert.deepEqual([...y], [0, 0, 2]);
assert.deepEqual([...dx], [0, -3, 7]);
const y64: Float64Array = r.forward([-1, 3]);
assert.ok(y64 instanceof Float64Array);
const out = new Float64Array(2);
assert.equal(relu(Float64Array.of(-2, 2), out), out);
assert.match(util.inspect(r), /save: 'mask'/);
assert.equal(typeof version, 'string');
assert.ok(['avx512', 'avx2', 'sse2', 'portable', 'scalar'].includes(isa));
try {
  r.backward(new Float64Array(5));
  assert.fail('backward of the wrong size did not throw');
} catch (error) {
  const code = (error as { code: ErrorCode }).code;
  assert.equal(code, 'CRELU_ERR_SIZE_MISMATCH');
}
const closed: boolean = r.closed;
assert.equal(closed, false);
r[Symbol.dispose]();
assert.equal(r.closed, true);

// Misuse the typings must refuse (each directive fails the build if its
// line compiles), and that the package refuses at run time too.
assert.throws(() => {
  // @ts-expect-error an unknown option
  new ReLU({ negative_slope: 0.1 });
}, { code: 'CRELU_ERR_INVALID_TYPE' });
assert.throws(() => {
  // @ts-expect-error save is 'x' or 'mask'
  new ReLU({ save: 'y' });
}, { code: 'CRELU_ERR_INVALID_ARGUMENT' });
assert.throws(() => {
  // @ts-expect-error strings are not input
  relu('1, 2');
}, { code: 'CRELU_ERR_INVALID_TYPE' });
// Type-checked only: a plain array comes back as a Float64Array.
function misuse(): Float32Array {
  // @ts-expect-error a Float64Array result is not a Float32Array
  return relu([1, 2]);
}
void misuse;
// bfloat16 and float16 bits in a Uint16Array, read as the dtype option says.
const dtype: Dtype = 'bf16';
const h = new ReLU({ dtype, save: 'mask' });
const hy: Uint16Array = h.forward(Uint16Array.of(0xbf80, 0x3f80)); // -1, 1
assert.deepEqual([...hy], [0, 0x3f80]);
const hdx: Uint16Array = h.backward(Uint16Array.of(0x4000, 0x4000));
assert.deepEqual([...hdx], [0, 0x4000]);
const hz: Uint16Array = relu(Uint16Array.of(0xbc00, 0x3c00), undefined, { dtype: 'f16' });
assert.deepEqual([...hz], [0, 0x3c00]);
assert.throws(() => relu(new Uint16Array(1)), { name: 'TypeError', code: 'CRELU_ERR_INVALID_TYPE' });
assert.throws(() => {
  // @ts-expect-error dtype is 'bf16' or 'f16'
  new ReLU({ dtype: 'fp16' });
}, { code: 'CRELU_ERR_INVALID_ARGUMENT' });
assert.throws(() => {
  // @ts-expect-error relu's options have dtype only
  relu(new Uint16Array(1), undefined, { save: 'mask' });
}, { code: 'CRELU_ERR_INVALID_TYPE' });
assert.throws(() => {
  // @ts-expect-error an Int16Array is not input
  relu(new Int16Array(1));
}, { code: 'CRELU_ERR_INVALID_TYPE' });
// A Float16Array where the runtime has one (Node 20 has none).
const Float16 = (globalThis as { Float16Array?: new (length: number) => Float16ArrayLike }).Float16Array;
if (Float16 !== undefined) {
  const f: Float16ArrayLike = relu(new Float16(2));
  assert.equal(f.length, 2);
}
// Type-checked only: a Uint16Array result is not a Float32Array.
function misuse16(): Float32Array {
  // @ts-expect-error a Uint16Array result is not a Float32Array
  return relu(new Uint16Array(1), undefined, { dtype: 'bf16' });
}
void misuse16;
console.log('client.cts: ok');
