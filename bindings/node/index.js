// SPDX-License-Identifier: MIT
'use strict';
// The addon does the work; this file finds it (CMake installs it here, and
// build.js, npm's install step, builds it here) and puts a thin dispatch in
// front of it, for speed only. Node-API's own checks cost several times the
// ReLU of a thousand elements; the JIT does the same checks here almost for
// free:
// - The object: each ReLU keeps its slot in the addon's table (slots.h) in
//   a private field, which cannot be forged or inherited; the addon finds
//   the context from it without napi_unwrap's property lookups.
// - The operands: a typed array's own type name, read from its internal
//   slot, picks the addon's entry point for Float32Array, Float64Array,
//   Uint16Array (read as the object's dtype option says) or Float16Array,
//   which skips Node-API's test against each typed array kind in turn (and
//   knows a Float16Array where Node-API cannot name one).
// - A plain array of numbers is copied here into a Float64Array in one
//   loop; Node-API reads one element per call.
// Anything else (wrong types or sizes, bad elements, a closed object, a
// foreign `this`) goes to the addon's checked entry points, which raise
// every error, so errors read the same whichever way a call came in.
const addon = require('./build/Release/crelu.node');
const util = require('node:util');

const { isProxy } = util.types;

const { ReLU, internal } = addon;
const { apply } = Reflect;
const FLOAT32 = 'Float32Array';
const FLOAT64 = 'Float64Array';
const UINT16 = 'Uint16Array';
const FLOAT16 = 'Float16Array';
// The runtime's Float16Array (Node 20 has none), as it was at load.
const Float16 = typeof globalThis.Float16Array === 'function' ? globalThis.Float16Array : undefined;

// Returns its argument from a base constructor, so that Slot's private
// field is added to an object made elsewhere (the addon's constructor).
class Base {
  constructor(object) {
    return object;
  }
}

class Slot extends Base {
  #slot;

  constructor(object, slot) {
    super(object);
    this.#slot = slot;
  }

  // The slot of a ReLU object, -1 for anything else.
  static of(object) {
    return typeof object === 'object' && object !== null && #slot in object ? object.#slot : -1;
  }
}
// The addon calls this for each new ReLU object (the object is not
// reachable from JS before), and nothing else can: Slot stays in here.
internal.setSlotKeeper((object, slot) => new Slot(object, slot));

// A typed array's own type name, undefined for anything else. Read from the
// object's internal slot: a prototype or `constructor` cannot fake it.
const typedArrayName = Object.getOwnPropertyDescriptor(
  Object.getPrototypeOf(Uint8Array.prototype), Symbol.toStringTag).get;

// The type of x when out is undefined or a typed array of the same type,
// else undefined. Sizes are the addon's to check.
function typedPair(x, out) {
  const name = apply(typedArrayName, x, []);
  return out === undefined || apply(typedArrayName, out, []) === name ? name : undefined;
}

// A result array for x, made here: several times cheaper than through
// Node-API. A wrong `length` (an own property can shadow the getter) only
// makes the fast entry point decline, and the checked one allocates. When
// it cannot be made (no memory, an impossible `length`), undefined: the
// entry point then makes it itself, or raises the addon's RangeError.
function newLike(x, Type) {
  try {
    return new Type(x.length);
  } catch {
    return undefined;
  }
}

// What the addon reads as a plain array (napi_is_array: not a Proxy).
function isPlainArray(x) {
  return Array.isArray(x) && !isProxy(x);
}

// V8 keeps at most 2^27 - 2 elements in a dense array (a 1 GiB backing
// store); a longer array is sparse, and its holes read as undefined unless
// its prototype fills them. Such arrays go to the addon, which reads
// elements before it allocates: a copy sized by the length alone could be
// 32 GiB for an array that holds nothing.
const MAX_DENSE_LENGTH = 2 ** 27;

// A plain array's elements as a Float64Array, each read once in index order
// as the addon would read them; undefined at the first element that is not
// a number, which the checked path then reads again and reports, and for
// an array too long or a copy that cannot be allocated, which the checked
// path handles.
function copyNumbers(array) {
  const length = array.length;
  if (length > MAX_DENSE_LENGTH) return undefined;
  let copy;
  try {
    copy = new Float64Array(length);
  } catch {
    return undefined;
  }
  for (let i = 0; i < length; i++) {
    const value = array[i];
    if (typeof value !== 'number') return undefined;
    copy[i] = value;
  }
  return copy;
}

// The operands a fast entry point can take for (x, out), or undefined:
// x itself, or a plain array's copy, which is also the result when there is
// no out (it is private), and the fast entry point for their type.
function fastOperands(x, out, float32, float64) {
  let type = typedPair(x, out);
  if (type === undefined && isPlainArray(x)) {
    x = copyNumbers(x);
    if (x === undefined) return undefined;
    if (out === undefined) out = x;
    type = typedPair(x, out);
  }
  if (type === FLOAT32) return [x, out, float32];
  if (type === FLOAT64) return [x, out, float64];
  return undefined;
}

// A ReLU method: the fast entry point when the operands suit it (it gives
// undefined when anything else is wrong), else the checked method. Only the
// float types are in the method itself, which the JIT inlines whole; 16-bit
// data and plain arrays are in `others` (with them inside, forward(x, out)
// on a Float32Array(1024) measured a few ns slower).
function method(name, float32, float64, uint16, float16, checked) {
  function others(self, slot, type, x, out) {
    if (type === UINT16 || type === FLOAT16) {
      const y = type === UINT16 ? uint16(slot, x, out ?? newLike(x, Uint16Array))
        : float16(slot, x, out ?? newLike(x, Float16));
      if (y !== undefined) return y;
    } else if (type === undefined) {
      const operands = fastOperands(x, out, float32, float64);
      if (operands !== undefined) {
        const [input, result, entry] = operands;
        const y = entry(slot, input, result);
        if (y !== undefined) return y;
        return apply(checked, self, [input, out]);
      }
    }
    return apply(checked, self, [x, out]);
  }
  return {
    [name](x, out) {
      const slot = Slot.of(this);
      if (slot >= 0) {
        const type = typedPair(x, out);
        // The common case first, without fastOperands' array.
        const fast = type === FLOAT32 ? float32(slot, x, out ?? newLike(x, Float32Array))
          : type === FLOAT64 ? float64(slot, x, out ?? newLike(x, Float64Array)) : undefined;
        if (fast !== undefined) return fast;
        return others(this, slot, type, x, out);
      }
      return apply(checked, this, [x, out]);
    },
  }[name];
}

const { prototype } = ReLU;
for (const [name, float32, float64, uint16, float16] of [
  ['forward', internal.forwardFloat32, internal.forwardFloat64, internal.forwardUint16, internal.forwardFloat16],
  ['backward', internal.backwardFloat32, internal.backwardFloat64, internal.backwardUint16, internal.backwardFloat16],
]) {
  // With the attributes of the addon's method it replaces.
  Object.defineProperty(prototype, name, {
    value: method(name, float32, float64, uint16, float16, prototype[name]),
    writable: true,
    configurable: true,
    enumerable: false,
  });
}

// `using r = new ReLU()` closes r at the end of its scope, on runtimes that
// have explicit resource management: [Symbol.dispose] is close itself.
// Installed only where Symbol.dispose exists (Node defines it from 20.4 on;
// a polyfill that defines it before this file loads counts too).
if (typeof Symbol.dispose === 'symbol') {
  Object.defineProperty(prototype, Symbol.dispose, {
    value: prototype.close,
    writable: true,
    configurable: true,
    enumerable: false,
  });
}

// util.inspect (and console.log) of a ReLU shows its options, as made:
// ReLU { save: 'mask', grad: 'cs231n', negativeSlope: 0, maxValue: Infinity, closed: false }.
// Anything else that reaches this method (ReLU.prototype itself, an object
// made from it) is shown the usual way.
Object.defineProperty(prototype, util.inspect.custom, {
  value: function inspectReLU(depth, options, inspect = util.inspect) {
    if (Slot.of(this) < 0) return this;
    const name = typeof this.constructor === 'function' && this.constructor.name || 'ReLU';
    if (depth < 0) return options.stylize(`[${name}]`, 'special');
    // The options are flat: no depth to pass down.
    return `${name} ${inspect(internal.describe(this), options)}`;
  },
  writable: true,
  configurable: true,
  enumerable: false,
});

// relu(x, out?, options?), dispatched as the methods are. Only the float
// types are in this function, which the JIT inlines whole; the rest is in
// reluOthers (with the 16-bit cases in it, relu(x, out) on a Float32Array(1024) measured 3 to 5 ns slower).
function relu(x, out, options) {
  const type = options === undefined ? typedPair(x, out) : undefined;
  const fast = type === FLOAT32 ? internal.reluFloat32(x, out ?? newLike(x, Float32Array))
    : type === FLOAT64 ? internal.reluFloat64(x, out ?? newLike(x, Float64Array)) : undefined;
  if (fast !== undefined) return fast;
  return reluOthers(x, out, options, type);
}

// With options (dtype, for a Uint16Array) it is the addon's checked relu
// that reads them, once.
function reluOthers(x, out, options, type) {
  if (options !== undefined) return addon.relu(x, out, options);
  if (type === FLOAT16) {
    const y = internal.reluFloat16(x, out ?? newLike(x, Float16));
    if (y !== undefined) return y;
  }
  if (type === undefined) {
    const operands = fastOperands(x, out, internal.reluFloat32, internal.reluFloat64);
    if (operands !== undefined) {
      const [input, result, entry] = operands;
      const y = entry(input, result);
      if (y !== undefined) return y;
      return addon.relu(input, out);
    }
  }
  return addon.relu(x, out);
}

module.exports = { ReLU, relu, version: addon.version, isa: addon.isa };
