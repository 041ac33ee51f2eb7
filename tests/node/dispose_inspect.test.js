// SPDX-License-Identifier: MIT
'use strict';
// [Symbol.dispose] is close() where the runtime has Symbol.dispose (and only
// there), and util.inspect shows a ReLU's options.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const util = require('node:util');
const { ReLU } = require('crelu');

// Runs `code` in a fresh node (NODE_PATH inherited) and returns its stdout.
function child(code) {
  const result = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', timeout: 60000 });
  assert.equal(result.status, 0, `child failed:\n${result.stderr}`);
  return result.stdout.trim();
}

test('[Symbol.dispose] is close() on this runtime, which defines the symbol', (t) => {
  // Node defines Symbol.dispose from 20.4 on; a runtime without it is
  // covered by the child-process tests below.
  if (typeof Symbol.dispose !== 'symbol') {
    t.skip(`this node (${process.version}) has no Symbol.dispose`);
    return;
  }
  assert.equal(ReLU.prototype[Symbol.dispose], ReLU.prototype.close);
  const descriptor = Object.getOwnPropertyDescriptor(ReLU.prototype, Symbol.dispose);
  assert.equal(descriptor.enumerable, false);
  const r = new ReLU();
  r.forward([1, -1]);
  r[Symbol.dispose]();
  assert.equal(r.closed, true);
  r[Symbol.dispose](); // idempotent, as close()
  assert.throws(() => r.forward([1]), { code: 'CRELU_ERR_CLOSED' });
  assert.throws(() => ReLU.prototype[Symbol.dispose].call({}), TypeError);
});

// Node 20 defines Symbol.dispose as a non-configurable property, which no
// code can remove or replace. A runtime without it, or with a polyfill's, is
// made by replacing the global Symbol (writable, as every global) before
// crelu loads with a stand-in whose dispose is undefined, or a new symbol,
// and that gives the real Symbol's everything else. (A proxy of the real
// Symbol may not lie about a non-configurable property; the stand-in's
// target is an empty arrow function.)
const fakeSymbol = (dispose) => `
  const real = Symbol;
  const dispose = ${dispose};
  globalThis.Symbol = new Proxy(() => {}, {
    get: (target, key) => (key === 'dispose' ? dispose : Reflect.get(real, key)),
    apply: (target, self, args) => real(...args),
  });
`;
const withoutDispose = fakeSymbol('undefined');
const polyfilledDispose = fakeSymbol("real('polyfill.dispose')");

test('without Symbol.dispose the package loads and has no dispose method', () => {
  const out = child(`${withoutDispose}
    const { ReLU } = require('crelu');
    const r = new ReLU();
    const symbols = Object.getOwnPropertySymbols(ReLU.prototype).map(String);
    r.close();
    console.log(JSON.stringify({ dispose: typeof Symbol.dispose, symbols, closed: r.closed }));
  `);
  const { dispose, symbols, closed } = JSON.parse(out);
  assert.equal(dispose, 'undefined');
  assert.deepEqual(symbols, ['Symbol(nodejs.util.inspect.custom)']);
  assert.equal(closed, true);
});

test('a polyfilled Symbol.dispose, defined before crelu loads, gets the alias', () => {
  const out = child(`${polyfilledDispose}
    const { ReLU } = require('crelu');
    const r = new ReLU();
    r[Symbol.dispose]();
    console.log(JSON.stringify({
      alias: ReLU.prototype[Symbol.dispose] === ReLU.prototype.close,
      nodeSymbol: Object.getOwnPropertySymbols(ReLU.prototype).map(String).includes('Symbol(nodejs.dispose)'),
      closed: r.closed,
    }));
  `);
  assert.deepEqual(JSON.parse(out), { alias: true, nodeSymbol: false, closed: true });
});

test('util.inspect shows the options a ReLU was made with', () => {
  const show = (r) => util.inspect(r, { breakLength: Infinity });
  assert.equal(show(new ReLU()),
    "ReLU { save: 'x', grad: 'pytorch', negativeSlope: 0, maxValue: Infinity, closed: false }");
  assert.equal(show(new ReLU({ save: 'mask', grad: 'cs231n', negativeSlope: 0.25 })),
    "ReLU { save: 'mask', grad: 'cs231n', negativeSlope: 0.25, maxValue: Infinity, closed: false }");
  const capped = new ReLU({ maxValue: 6 });
  capped.close();
  assert.equal(show(capped),
    "ReLU { save: 'x', grad: 'pytorch', negativeSlope: 0, maxValue: 6, closed: true }");
  // Explicit undefined options are the defaults.
  assert.equal(show(new ReLU({ save: undefined, maxValue: undefined })), show(new ReLU()));
  // console.log goes through the same path.
  assert.match(util.format('%o', new ReLU({ save: 'mask' })), /^ReLU \{.*save: 'mask'/s);
});

test('util.inspect of subclasses, the prototype and nested ReLUs', () => {
  class Leaky extends ReLU {}
  assert.match(util.inspect(new Leaky({ negativeSlope: 0.01 }), { breakLength: Infinity }),
    /^Leaky \{ save: 'x', grad: 'pytorch', negativeSlope: 0\.01, /);
  // Not a ReLU object: shown the ordinary way, no throw.
  assert.doesNotThrow(() => util.inspect(ReLU.prototype));
  assert.doesNotThrow(() => util.inspect(Object.create(ReLU.prototype)));
  assert.equal(util.inspect({ layer: { relu: new ReLU() } }, { depth: 0 }), '{ layer: [Object] }');
  assert.equal(util.inspect({ relu: new ReLU() }, { depth: 0 }), '{ relu: [ReLU] }');
});
