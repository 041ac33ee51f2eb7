// SPDX-License-Identifier: MIT
'use strict';
// Hostile input, one case per child process with a timeout (issue 11,
// acceptance item 2): each must end in a catchable error of the documented
// class, code and message, or in the reference's bits. An abort (exit by a
// signal, 134), a hang (the timeout) or a silently short result fails it.
//
// Each case is a function of `h` (childHelpers below), run in the child
// from its source text, so it can use nothing else. `h.attempt(call)`
// records the hostile call's outcome for the parent to judge; whatever the
// case checks afterwards (the object still works, the bits) throws in the
// child if it does not hold.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');

const TIMEOUT_MS = 60000;
const MARK = '@@hostile@@';
const GIB_IN_KIB = 2 ** 20;

// The address space (KiB) a node process that loaded crelu has mapped
// (about 0.7 GiB here): the caps (RLIMIT_AS) of the cases are set above it.
let baseline;
function baselineKiB() {
  if (baseline === undefined) {
    const child = spawnSync(process.execPath, ['-e',
      "require('crelu'); process.stdout.write(/VmSize:\\s*(\\d+) kB/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1])"],
    { encoding: 'utf8', timeout: TIMEOUT_MS });
    baseline = Number(child.stdout);
    assert.ok(baseline > 0, `no VmSize from a child: ${child.stdout} ${child.stderr}`);
  }
  return baseline;
}
// Cases that must not allocate a huge array: 1 GiB above the baseline
// leaves no room for a copy of a sparse array's length (2 GiB and more).
const SPARSE_CAP = () => baselineKiB() + GIB_IN_KIB;
// Cases that fill the address space on purpose (elementsOfFreeSpace).
const FILL_CAP = () => baselineKiB() + 3 * GIB_IN_KIB;

// Runs in the child: what the cases may use.
function childHelpers(dir) {
  const path = require('node:path');
  const fs = require('node:fs');
  const crelu = require('crelu');
  const reference = require(path.join(dir, 'reference'));
  const { assertSameBits } = require(path.join(dir, 'assert_bits'));
  const describe = (value) => (ArrayBuffer.isView(value)
    ? `${value.constructor.name}(${value.length})` : typeof value);
  const h = {
    ReLU: crelu.ReLU,
    relu: crelu.relu,
    // The addon itself, index.js bypassed, as a careless user may load it.
    addon: require(path.join(path.dirname(require.resolve('crelu')), 'build', 'Release', 'crelu.node')),
    reference,
    assertSameBits,
    outcome: undefined,
    attempt(call) {
      try {
        const value = call();
        h.outcome = { returned: describe(value) };
        return value;
      } catch (error) {
        h.outcome = { threw: { name: error?.constructor?.name, code: error?.code, message: String(error?.message) } };
        return undefined;
      }
    },
    skip(reason) {
      throw Object.assign(new Error(reason), { skip: true });
    },
    detach(buffer) {
      structuredClone(buffer, { transfer: [buffer] });
    },
    // An array of `length` holes.
    holes(length) {
      const array = [];
      array.length = length;
      return array;
    },
    // A ReLU object whose last forward was on h.x0 (float64 unless said).
    x0: Float64Array.of(-1, 0, 2),
    primed(Values = Float64Array) {
      const r = new crelu.ReLU();
      r.forward(Values.from(h.x0));
      return r;
    },
    // The object still computes the reference's bits, forward and backward.
    assertWorks(r) {
      const x = Float64Array.of(-3, 0, 5, NaN);
      const dy = Float64Array.of(7, -8, 9, 10);
      assertSameBits(r.forward(x), reference.forward(x, {}), 'forward afterwards');
      assertSameBits(r.backward(dy), reference.backward(x, dy, {}), 'backward afterwards');
    },
    // backward still sees the forward of h.x0 (a failed call changed nothing).
    assertKeptForward(r, Values = Float64Array) {
      const dy = Values.of(4, 5, 6);
      assertSameBits(r.backward(dy), reference.backward(Values.from(h.x0), dy, {}), 'backward of the kept forward');
    },
    // Float32 elements taking `share` of the address space left under this
    // process's RLIMIT_AS (the runner's CRELU_HOSTILE_CAP_KIB).
    elementsOfFreeSpace(share) {
      const cap = Number(process.env.CRELU_HOSTILE_CAP_KIB) * 1024;
      const used = Number(/VmSize:\s*(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
      return Math.floor(((cap - used) * share) / 4);
    },
  };
  return h;
}

function childSource(body) {
  return `'use strict';
const h = (${childHelpers})(${JSON.stringify(__dirname)});
let report;
try {
  (${body})(h);
  report = { outcome: h.outcome ?? { returned: 'no attempt' } };
} catch (error) {
  report = error?.skip ? { skip: error.message } : { caseFailed: String(error?.stack ?? error) };
}
process.stdout.write('\\n${MARK}' + JSON.stringify(report) + '\\n');
`;
}

// Runs a case's body in a child under `cap` KiB of address space (or none).
function runChild(body, cap) {
  const source = childSource(body);
  const env = { ...process.env };
  let command = process.execPath;
  let args = ['-e', source];
  if (cap !== undefined) {
    env.CRELU_HOSTILE_CAP_KIB = String(cap);
    command = '/bin/sh';
    args = ['-c', `ulimit -v ${cap} && exec "$0" "$@"`, process.execPath, '-e', source];
  }
  return spawnSync(command, args, { env, timeout: TIMEOUT_MS, killSignal: 'SIGKILL', encoding: 'utf8' });
}

const throws = (name, code, message) => ({ name, code, message });
const RESULT = { result: true };

// [what, body(h), expected (throws(...) or RESULT), { cap: () => KiB }]
const CASES = [
  // Sizes at and past every limit. A sparse array says nothing of its data:
  // its first hole is reported without a copy of its length being made,
  // which the address-space cap would refuse.
  ['relu of a 2^32-1-long array of holes', (h) => h.attempt(() => h.relu(h.holes(2 ** 32 - 1))),
    throws('TypeError', 'CRELU_ERR_INVALID_TYPE', /^relu: x\[0\] must be a number; got undefined$/), { cap: SPARSE_CAP }],
  ['forward of a 2^32-1-long array, a hole after three numbers', (h) => {
    const r = h.primed();
    const x = h.holes(2 ** 32 - 1);
    x[0] = 1; x[1] = -1; x[2] = 2;
    h.attempt(() => r.forward(x));
    h.assertKeptForward(r);
  }, throws('TypeError', 'CRELU_ERR_INVALID_TYPE', /^ReLU\.forward: x\[3\] must be a number; got undefined$/), { cap: SPARSE_CAP }],
  ['backward of a 2^32-1-long array of holes', (h) => {
    const r = h.primed();
    h.attempt(() => r.backward(h.holes(2 ** 32 - 1)));
    h.assertKeptForward(r);
  }, throws('TypeError', 'CRELU_ERR_INVALID_TYPE', /^ReLU\.backward: d\[0\] must be a number; got undefined$/), { cap: SPARSE_CAP }],
  ["the addon's own relu (index.js bypassed) on a 2^32-1-long array", (h) => h.attempt(() => h.addon.relu(h.holes(2 ** 32 - 1))),
    throws('TypeError', 'CRELU_ERR_INVALID_TYPE', /^relu: x\[0\] must be a number; got undefined$/), { cap: SPARSE_CAP }],
  ['2^30 elements (n * 4 = 2^32), one number then holes', (h) => {
    const x = h.holes(2 ** 30);
    x[0] = 1;
    h.attempt(() => h.relu(x));
  }, throws('TypeError', 'CRELU_ERR_INVALID_TYPE', /^relu: x\[1\] must be a number; got undefined$/), { cap: SPARSE_CAP }],
  ['2^29 elements (n * 8 = 2^32), two numbers then holes', (h) => {
    const x = h.holes(2 ** 29);
    x[0] = 1; x[1] = 2;
    h.attempt(() => new h.ReLU().forward(x));
  }, throws('TypeError', 'CRELU_ERR_INVALID_TYPE', /^ReLU\.forward: x\[2\] must be a number; got undefined$/), { cap: SPARSE_CAP }],
  ["2^28 elements (the issue's 2 GiB copy), a hole first", (h) => h.attempt(() => h.relu(h.holes(2 ** 28))),
    throws('TypeError', 'CRELU_ERR_INVALID_TYPE', /^relu: x\[0\] must be a number; got undefined$/), { cap: SPARSE_CAP }],
  ['a Float32Array of 2^32 elements against an empty out: no 32-bit wrap to 0', (h) => {
    let x;
    try {
      x = new Float32Array(2 ** 32); // 16 GiB of address space, never touched
    } catch (error) {
      h.skip(`this host cannot reserve 16 GiB of address space: ${error.message}`);
    }
    h.attempt(() => h.relu(x, new Float32Array(0)));
  }, throws('RangeError', 'CRELU_ERR_SIZE_MISMATCH', /^relu: out has 0 elements but x has 4294967296$/)],
  // Allocations that fail, under an address-space cap: x takes 60% of what
  // is left, so a result as large cannot be had.
  ['relu whose result cannot be allocated', (h) => {
    const x = new Float32Array(h.elementsOfFreeSpace(0.6));
    h.attempt(() => h.relu(x));
  }, throws('RangeError', 'CRELU_ERR_OUT_OF_MEMORY', /^relu: cannot allocate a Float32Array of \d+ elements for the result/), { cap: FILL_CAP }],
  ['forward whose result cannot be allocated; the object works afterwards', (h) => {
    const r = h.primed();
    const x = new Float32Array(h.elementsOfFreeSpace(0.6));
    h.attempt(() => r.forward(x));
    h.assertKeptForward(r);
  }, throws('RangeError', 'CRELU_ERR_OUT_OF_MEMORY', /^ReLU\.forward: cannot allocate a Float32Array/), { cap: FILL_CAP }],
  ["the addon's fast entry point without out (index.js bypassed), result too large", (h) => {
    const x = new Float32Array(h.elementsOfFreeSpace(0.6));
    h.attempt(() => h.addon.internal.reluFloat32(x, undefined));
  }, throws('RangeError', 'CRELU_ERR_OUT_OF_MEMORY', /^relu: cannot allocate a Float32Array/), { cap: FILL_CAP }],
  ["forward whose saved copy of x (libcrelu's own) cannot be allocated", (h) => {
    const r = h.primed(Float32Array);
    const n = h.elementsOfFreeSpace(0.4);
    const x = new Float32Array(n);
    const out = new Float32Array(n);
    h.attempt(() => r.forward(x, out));
    h.assertKeptForward(r, Float32Array);
  }, throws('RangeError', 'CRELU_ERR_OUT_OF_MEMORY', /^ReLU\.forward: .*out of memory/), { cap: FILL_CAP }],

  // 16-bit data (bfloat16, float16 in a Uint16Array): the same limits.
  ['a Uint16Array of 2^32 elements against an empty out: no 32-bit wrap to 0', (h) => {
    let x;
    try {
      x = new Uint16Array(2 ** 32); // 8 GiB of address space, never touched
    } catch (error) {
      h.skip(`this host cannot reserve 8 GiB of address space: ${error.message}`);
    }
    h.attempt(() => h.relu(x, new Uint16Array(0), { dtype: 'bf16' }));
  }, throws('RangeError', 'CRELU_ERR_SIZE_MISMATCH', /^relu: out has 0 elements but x has 4294967296$/)],
  ['forward of a Uint16Array whose result cannot be allocated; the object works afterwards', (h) => {
    const r = new h.ReLU({ dtype: 'f16' });
    r.forward(Uint16Array.of(0xbc00, 0, 0x4000));
    const x = new Uint16Array(2 * h.elementsOfFreeSpace(0.6));
    h.attempt(() => r.forward(x));
    const dx = r.backward(Uint16Array.of(0x3c00, 0x3c00, 0x3c00));
    if (dx[0] !== 0 || dx[1] !== 0 || dx[2] !== 0x3c00) throw new Error(`backward of the kept forward: ${dx}`);
  }, throws('RangeError', 'CRELU_ERR_OUT_OF_MEMORY', /^ReLU\.forward: cannot allocate a Uint16Array of \d+ elements for the result/), { cap: FILL_CAP }],
  ['relu of a detached Uint16Array', (h) => {
    const x = Uint16Array.of(1, 2, 3);
    h.detach(x.buffer);
    h.attempt(() => h.relu(x, undefined, { dtype: 'bf16' }));
  }, throws('TypeError', 'CRELU_ERR_DETACHED', /^relu: x's ArrayBuffer is detached/)],
  ["relu's dtype getter detaches out before the operands are read", (h) => {
    const out = new Uint16Array(3);
    const options = { get dtype() { h.detach(out.buffer); return 'f16'; } };
    h.attempt(() => h.relu(Uint16Array.of(1, 2, 3), out, options));
  }, throws('TypeError', 'CRELU_ERR_DETACHED', /^relu: out's ArrayBuffer is detached/)],
  ["the addon's Uint16Array entry point (index.js bypassed) on an object without a dtype declines", (h) => {
    const r = new h.ReLU();
    r.forward(new Float32Array(3)); // gives r a slot, if it had none
    let slot = -1;
    for (let i = 0; i < 64 && slot < 0; i++) {
      if (h.addon.internal.forwardFloat32(i, Float32Array.of(1, 2, 3), undefined) !== undefined) slot = i;
    }
    const y = h.addon.internal.forwardUint16(slot, Uint16Array.of(1, 2, 3), undefined);
    if (y !== undefined) throw new Error(`computed without a dtype: ${y}`);
    h.attempt(() => r.forward(Uint16Array.of(1, 2, 3)));
  }, throws('TypeError', 'CRELU_ERR_INVALID_TYPE', /^ReLU\.forward: x is a Uint16Array/)],

  // Sparse arrays: holes anywhere, holes the prototype chain fills.
  ['a hole past the last element (length set longer)', (h) => {
    const x = [1, -2, 3];
    x.length = 5;
    h.attempt(() => h.relu(x));
  }, throws('TypeError', 'CRELU_ERR_INVALID_TYPE', /^relu: x\[3\] must be a number; got undefined$/)],
  ['holes answered by a Proxy prototype are read as the array reads them', (h) => {
    const x = [-1, , 3]; // eslint-disable-line no-sparse-arrays
    Object.setPrototypeOf(x, new Proxy(Array.prototype, { get: (target, key, receiver) => (key === '1' ? -7.5 : Reflect.get(target, key, receiver)) }));
    const y = h.attempt(() => h.relu(x));
    h.assertSameBits(y, h.reference.forward(Float64Array.of(-1, -7.5, 3), {}), 'relu through the proxy');
  }, RESULT],

  // Index getters that mutate the array, throw, close or re-enter.
  ['an index getter that sets the length to 2^32-1 and returns a string', (h) => {
    const x = [1, 2, 3, 4];
    Object.defineProperty(x, 1, { get() { x.length = 2 ** 32 - 1; return 'two'; } });
    h.attempt(() => h.relu(x));
  }, throws('TypeError', 'CRELU_ERR_INVALID_TYPE', /^relu: x\[1\] must be a number; got a string$/), { cap: SPARSE_CAP }],
  ['an index getter that pops the array on every read', (h) => {
    const x = [1, 2, 3, 4];
    Object.defineProperty(x, 1, { get() { x.pop(); return 2; } });
    h.attempt(() => h.relu(x));
  }, throws('TypeError', 'CRELU_ERR_INVALID_TYPE', /^relu: x\[\d\] must be a number; got undefined$/)],
  ['index getters that each append another such getter: the length read first counts', (h) => {
    const x = [];
    const grow = (value) => Object.defineProperty(x, x.length, {
      get() { grow(5); return value; }, configurable: true, enumerable: true,
    });
    [1, -2, 3].forEach(grow);
    const y = h.attempt(() => new h.ReLU().forward(x));
    h.assertSameBits(y, h.reference.forward(Float64Array.of(1, -2, 3), {}), 'forward of the first three');
  }, RESULT],
  ['an index getter that throws during backward; the last forward is kept', (h) => {
    const r = h.primed();
    const d = [1, 2, 3];
    Object.defineProperty(d, 2, { get() { throw new EvalError('from the getter'); } });
    h.attempt(() => r.backward(d));
    h.assertKeptForward(r);
  }, throws('EvalError', undefined, /^from the getter$/)],
  ['an index getter that closes the object during the addon\'s own read of d', (h) => {
    const r = h.primed();
    const d = [1, 2, 3];
    // A string for index.js's copy, so the addon reads d again; then a number.
    let reads = 0;
    Object.defineProperty(d, 1, { get() { reads += 1; if (reads === 1) return 'two'; r.close(); return 2; } });
    h.attempt(() => r.backward(d));
    if (!r.closed) throw new Error('not closed');
  }, throws('Error', 'CRELU_ERR_CLOSED', /^ReLU\.backward: this ReLU object is closed$/)],
  ['an index getter that calls backward during forward', (h) => {
    const r = h.primed();
    const dy = Float64Array.of(4, 5, 6);
    let inner;
    const x = [-2, 0, 3];
    Object.defineProperty(x, 1, { get() { inner = r.backward(dy); return 0; } });
    const y = h.attempt(() => r.forward(x));
    h.assertSameBits(inner, h.reference.backward(h.x0, dy, {}), 'backward from the getter: the previous forward');
    h.assertSameBits(y, h.reference.forward(Float64Array.of(-2, 0, 3), {}), 'the forward around it');
    h.assertSameBits(r.backward(dy), h.reference.backward(Float64Array.of(-2, 0, 3), dy, {}), 'backward after both');
  }, RESULT],
  ['an index getter that runs a forward of another size during backward', (h) => {
    const r = h.primed();
    const d = [1, 2, 3];
    Object.defineProperty(d, 0, { get() { r.forward(new Float64Array(5)); return 1; } });
    h.attempt(() => r.backward(d));
  }, throws('RangeError', 'CRELU_ERR_SIZE_MISMATCH', /^ReLU\.backward: .*element count differs from the last forward/)],
  ['an index getter that detaches out during forward', (h) => {
    const r = h.primed();
    const out = new Float64Array(3);
    const x = [1, 2, 3];
    Object.defineProperty(x, 1, { get() { h.detach(out.buffer); return 2; } });
    h.attempt(() => r.forward(x, out));
    h.assertKeptForward(r);
  }, throws('TypeError', 'CRELU_ERR_DETACHED', /^ReLU\.forward: out's ArrayBuffer is detached/)],
  ['an element whose valueOf throws is refused unread', (h) => {
    let called = false;
    const x = [1, { valueOf() { called = true; throw new Error('valueOf'); } }];
    h.attempt(() => h.relu(x));
    if (called) throw new Error('valueOf was called');
  }, throws('TypeError', 'CRELU_ERR_INVALID_TYPE', /^relu: x\[1\] must be a number; got an object$/)],
  ['an option whose valueOf mutates is refused unread', (h) => {
    let called = false;
    h.attempt(() => new h.ReLU({ negativeSlope: { valueOf() { called = true; return 0.1; } } }));
    if (called) throw new Error('valueOf was called');
  }, throws('TypeError', 'CRELU_ERR_INVALID_TYPE', /options\.negativeSlope must be a number/)],
  ['a typed array whose own length getter detaches it', (h) => {
    const x = Float64Array.of(-1, 2, -3);
    Object.defineProperty(x, 'length', { get() { h.detach(x.buffer); return 3; } });
    h.attempt(() => h.relu(x));
  }, throws('TypeError', 'CRELU_ERR_DETACHED', /^relu: x's ArrayBuffer is detached/)],
  ['a typed array whose own length is 2^40', (h) => {
    const x = Float32Array.of(-1, 2, -3);
    Object.defineProperty(x, 'length', { value: 2 ** 40 });
    const y = h.attempt(() => new h.ReLU().forward(x));
    h.assertSameBits(y, h.reference.forward(Float32Array.of(-1, 2, -3), {}), 'forward of the real length');
  }, RESULT],

  // Proxies and recursive containers.
  ['a Proxy of a Float32Array as x', (h) => h.attempt(() => h.relu(new Proxy(new Float32Array(2), {}))),
    throws('TypeError', 'CRELU_ERR_INVALID_TYPE', /^relu: x must be a Float32Array, a Float64Array, a Uint16Array, a Float16Array or an array of numbers; got an object$/)],
  ['a Proxy of a Float64Array as out', (h) => h.attempt(() => h.primed().forward([1, 2, 3], new Proxy(new Float64Array(3), {}))),
    throws('TypeError', 'CRELU_ERR_INVALID_TYPE', /^ReLU\.forward: out must be a Float64Array .*got an object$/)],
  ['an array that contains itself', (h) => {
    const x = [1];
    x.push(x);
    h.attempt(() => h.relu(x));
  }, throws('TypeError', 'CRELU_ERR_INVALID_TYPE', /^relu: x\[1\] must be a number; got an object$/)],
  ['nested rows, one containing the outer array', (h) => {
    const x = [[1, 2]];
    x[0].push(x);
    h.attempt(() => new h.ReLU().forward(x));
  }, throws('TypeError', 'CRELU_ERR_INVALID_TYPE', /^ReLU\.forward: x\[0\] must be a number; got an object$/)],

  // Detached buffers: refused by name, never read as empty.
  ['backward of a detached d after a 3-element forward (float64)', (h) => {
    const r = h.primed();
    const d = Float64Array.of(1, 2, 3);
    h.detach(d.buffer);
    h.attempt(() => r.backward(d));
    h.assertKeptForward(r);
  }, throws('TypeError', 'CRELU_ERR_DETACHED', /^ReLU\.backward: d's ArrayBuffer is detached/)],
  ['backward of a detached d after a 3-element forward (float32)', (h) => {
    const r = h.primed(Float32Array);
    const d = Float32Array.of(1, 2, 3);
    h.detach(d.buffer);
    h.attempt(() => r.backward(d));
    h.assertKeptForward(r, Float32Array);
  }, throws('TypeError', 'CRELU_ERR_DETACHED', /^ReLU\.backward: d's ArrayBuffer is detached/)],
  ['backward of a d transferred by postMessage', (h) => {
    const r = h.primed();
    const d = Float64Array.of(1, 2, 3);
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(d.buffer, [d.buffer]);
    port1.close();
    port2.close();
    h.attempt(() => r.backward(d));
  }, throws('TypeError', 'CRELU_ERR_DETACHED', /^ReLU\.backward: d's ArrayBuffer is detached/)],
  ['backward of a d detached by ArrayBuffer.prototype.transfer', (h) => {
    if (typeof ArrayBuffer.prototype.transfer !== 'function') h.skip(`ArrayBuffer.prototype.transfer does not exist in Node ${process.version}`);
    const r = h.primed();
    const d = Float64Array.of(1, 2, 3);
    d.buffer.transfer();
    h.attempt(() => r.backward(d));
  }, throws('TypeError', 'CRELU_ERR_DETACHED', /^ReLU\.backward: d's ArrayBuffer is detached/)],
  ['forward of a detached x', (h) => {
    const r = h.primed();
    const x = Float32Array.of(1, 2, 3);
    h.detach(x.buffer);
    h.attempt(() => r.forward(x));
    h.assertKeptForward(r);
  }, throws('TypeError', 'CRELU_ERR_DETACHED', /^ReLU\.forward: x's ArrayBuffer is detached/)],
  ['relu of a detached x', (h) => {
    const x = Float64Array.of(1, 2, 3);
    h.detach(x.buffer);
    h.attempt(() => h.relu(x));
  }, throws('TypeError', 'CRELU_ERR_DETACHED', /^relu: x's ArrayBuffer is detached/)],
  ['backward into a detached out', (h) => {
    const r = h.primed();
    const out = new Float64Array(3);
    h.detach(out.buffer);
    h.attempt(() => r.backward(Float64Array.of(1, 2, 3), out));
  }, throws('TypeError', 'CRELU_ERR_DETACHED', /^ReLU\.backward: out's ArrayBuffer is detached/)],
  ['relu into a detached out', (h) => {
    const out = new Float32Array(3);
    h.detach(out.buffer);
    h.attempt(() => h.relu(Float32Array.of(1, 2, 3), out));
  }, throws('TypeError', 'CRELU_ERR_DETACHED', /^relu: out's ArrayBuffer is detached/)],
  ["the addon's own relu (index.js bypassed) of a detached x", (h) => {
    const x = Float64Array.of(1, 2, 3);
    h.detach(x.buffer);
    h.attempt(() => h.addon.relu(x));
  }, throws('TypeError', 'CRELU_ERR_DETACHED', /^relu: x's ArrayBuffer is detached/)],
  ['an empty backward after a 3-element forward is a size mismatch', (h) => {
    const r = h.primed();
    h.attempt(() => r.backward(new Float64Array(0)));
    h.assertKeptForward(r);
  }, throws('RangeError', 'CRELU_ERR_SIZE_MISMATCH', /^ReLU\.backward: .*element count differs from the last forward/)],

  ['an empty backward before any forward', (h) => h.attempt(() => new h.ReLU().backward(new Float32Array(0))),
    throws('Error', 'CRELU_ERR_NO_FORWARD', /^ReLU\.backward: backward called before any successful forward/)],
  ['an empty forward, then an empty backward', (h) => {
    const r = h.primed();
    const x = new Float32Array(new ArrayBuffer(8), 8, 0); // empty, at the end of a live buffer
    h.assertSameBits(r.forward(x), new Float32Array(0), 'empty forward');
    h.assertSameBits(h.attempt(() => r.backward(new Float32Array(0))), new Float32Array(0), 'empty backward');
  }, RESULT],

  // Resizable buffers: a view left out of bounds is refused like a detached
  // one; a length-tracking view is taken at its length of the moment.
  ['forward of a fixed-length view its resizable buffer shrank below', (h) => {
    const buffer = new ArrayBuffer(24, { maxByteLength: 64 });
    const x = new Float64Array(buffer, 0, 3);
    buffer.resize(16);
    const r = h.primed();
    h.attempt(() => r.forward(x));
    h.assertKeptForward(r);
  }, throws('TypeError', 'CRELU_ERR_DETACHED', /^ReLU\.forward: x is out of bounds of its ArrayBuffer/)],
  ['relu into a fixed-length out its resizable buffer shrank below', (h) => {
    const buffer = new ArrayBuffer(12, { maxByteLength: 64 });
    const out = new Float32Array(buffer, 0, 3);
    buffer.resize(0);
    h.attempt(() => h.relu(Float32Array.of(1, 2, 3), out));
  }, throws('TypeError', 'CRELU_ERR_DETACHED', /^relu: out is out of bounds of its ArrayBuffer/)],
  ['backward of a length-tracking view whose buffer shrank below its offset', (h) => {
    const buffer = new ArrayBuffer(32, { maxByteLength: 64 });
    const d = new Float64Array(buffer, 8);
    buffer.resize(4);
    const r = h.primed();
    h.attempt(() => r.backward(d));
    h.assertKeptForward(r);
  }, throws('TypeError', 'CRELU_ERR_DETACHED', /^ReLU\.backward: d is out of bounds of its ArrayBuffer/)],
  ['a length-tracking view is taken at its current length', (h) => {
    const buffer = new ArrayBuffer(40, { maxByteLength: 80 });
    const x = new Float64Array(buffer, 8);
    x.set([-1, 2, -3, 4]);
    buffer.resize(32); // x is now [-1, 2, -3]
    const y = h.attempt(() => h.relu(x));
    h.assertSameBits(y, h.reference.forward(Float64Array.of(-1, 2, -3), {}), 'relu of the shrunk view');
  }, RESULT],
  ['an index getter that shrinks a length-tracking out mid-call', (h) => {
    const buffer = new ArrayBuffer(32, { maxByteLength: 64 });
    const out = new Float64Array(buffer);
    const x = [1, 2, 3, 4];
    Object.defineProperty(x, 2, { get() { buffer.resize(16); return 3; } });
    h.attempt(() => h.relu(x, out));
  }, throws('RangeError', 'CRELU_ERR_SIZE_MISMATCH', /^relu: out has 2 elements but x has 4$/)],

  // SharedArrayBuffer: accepted, in place, including a growable one.
  ['relu of and into views of SharedArrayBuffers, one growable and grown', (h) => {
    const x = new Float32Array(new SharedArrayBuffer(16));
    x.set([-1, 2, -3, 4]);
    const growable = new SharedArrayBuffer(8, { maxByteLength: 64 });
    const out = new Float32Array(growable);
    growable.grow(16);
    const y = h.attempt(() => h.relu(x, out));
    if (y !== out) throw new Error('out was not returned');
    h.assertSameBits(y, h.reference.forward(Float32Array.of(-1, 2, -3, 4), {}), 'relu into the grown view');
  }, RESULT],

  // Out of the wrong kind.
  ['out is the ArrayBuffer itself', (h) => {
    const x = Float32Array.of(1, 2);
    h.attempt(() => h.relu(x, x.buffer));
  }, throws('TypeError', 'CRELU_ERR_INVALID_TYPE', /^relu: out must be a Float32Array .*got an ArrayBuffer$/)],
  ["out is a Uint32Array over a Float32Array's buffer", (h) => {
    const r = h.primed(Float32Array);
    const out = new Float32Array(3);
    h.attempt(() => r.backward(Float32Array.of(1, 2, 3), new Uint32Array(out.buffer)));
    h.assertKeptForward(r, Float32Array);
  }, throws('TypeError', 'CRELU_ERR_INVALID_TYPE', /^ReLU\.backward: out must be a Float32Array .*got Uint32Array$/)],
];

// Sanity of the list itself: acceptance item 2 asks for at least 20.
test('at least 20 hostile cases', () => assert.ok(CASES.length >= 20, String(CASES.length)));

for (const [what, body, expected, { cap } = {}] of CASES) {
  test(what, (t) => {
    const child = runChild(body, cap?.());
    const tail = `\nstderr: ${(child.stderr ?? '').slice(-2000)}`;
    assert.ok(child.error?.code !== 'ETIMEDOUT', `hung: no exit within ${TIMEOUT_MS} ms${tail}`);
    assert.ifError(child.error);
    assert.equal(child.signal, null, `killed by ${child.signal}${tail}`);
    assert.equal(child.status, 0, `exit status ${child.status} (134 is an abort)${tail}`);
    const line = child.stdout.split('\n').find((l) => l.startsWith(MARK));
    assert.ok(line, `the child reported nothing${tail}`);
    const report = JSON.parse(line.slice(MARK.length));
    if (report.skip) {
      t.skip(report.skip);
      return;
    }
    assert.equal(report.caseFailed, undefined, 'a check after the call failed');
    const { outcome } = report;
    if (expected === RESULT) {
      assert.equal(outcome.threw, undefined, `threw instead of returning: ${JSON.stringify(outcome.threw)}`);
      return;
    }
    assert.ok(outcome.threw, `returned ${outcome.returned} instead of throwing`);
    assert.equal(outcome.threw.name, expected.name, outcome.threw.message);
    assert.equal(outcome.threw.code, expected.code, outcome.threw.message);
    assert.match(outcome.threw.message, expected.message);
  });
}
