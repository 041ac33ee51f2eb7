// SPDX-License-Identifier: MIT
// A CommonJS TypeScript client (tsc turns the import into require()): what
// index.d.ts promises must compile under --strict, and run.
import { ReLU, relu, version, isa, type ErrorCode, type ReLUOptions } from 'crelu';
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
console.log('client.cts: ok');
