// SPDX-License-Identifier: MIT
// An ES module TypeScript client: named imports and the default import, as
// index.d.mts promises, must compile under --strict and run.
import { ReLU, relu, version } from 'crelu';
import crelu from 'crelu';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';

const require = createRequire(import.meta.url);
// One package, one class, whichever way it is loaded.
assert.equal(ReLU, (require('crelu') as typeof crelu).ReLU);
assert.equal(crelu.ReLU, ReLU);
assert.equal(crelu.version, version);
const r = new ReLU({ negativeSlope: 0.5 });
const y: Float64Array = r.forward(Float64Array.of(-2, 4));
assert.deepEqual([...y], [-1, 4]);
const dx: Float64Array = r.backward([1, 1]);
assert.deepEqual([...dx], [0.5, 1]);
assert.deepEqual([...relu(Float32Array.of(-1, 1))], [0, 1]);
r.close();
assert.throws(() => r.forward([1]), { code: 'CRELU_ERR_CLOSED' });
console.log('client.mts: ok');
