// SPDX-License-Identifier: MIT
// The typings alone, with no @types/node and an ES2020 library: they must
// not need either (Symbol.dispose comes from index.d.ts itself). Type-checked only.
import { ReLU, relu, type Output } from 'crelu';

const r = new ReLU();
const y: Output<Float32Array> = r.forward(new Float32Array(4));
const z: Float64Array = relu([1, -1]);
const h: Output<Uint16Array> = new ReLU({ dtype: 'f16' }).forward(new Uint16Array(4));
const hz: Uint16Array = relu(h, undefined, { dtype: 'bf16' });
r[Symbol.dispose]();
export { y, z, hz };
