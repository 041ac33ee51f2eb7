'use strict';
// The addon does the work; this file finds it (CMake installs it here, and
// build.js, npm's install step, builds it here) and puts a thin dispatch in
// front of its entry points, for speed only:
// - Float32Array and Float64Array operands go to the addon's entry point
//   for that type, which skips the addon's own type test (Node-API tests a
//   value against each typed array kind in turn, which costs more than the
//   ReLU of a thousand elements). V8's JIT makes the test here nearly free.
// - A plain array of numbers is copied here into a Float64Array: Node-API
//   reads an array one element per call, JS in one loop.
// Anything else (wrong types, bad elements, a foreign `this`) goes to the
// addon's checked entry points, which raise every error, so errors read the
// same whichever way a call came in.
const addon = require('./build/Release/crelu.node');
const { isProxy } = require('node:util').types;

const { ReLU, internal } = addon;
const { apply } = Reflect;
const FLOAT32 = 'Float32Array';
const FLOAT64 = 'Float64Array';

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

// What the addon reads as a plain array (napi_is_array: not a Proxy).
function isPlainArray(x) {
  return Array.isArray(x) && !isProxy(x);
}

// A plain array's elements as a Float64Array, each read once in index order
// as the addon would read them; undefined at the first element that is not
// a number, which the checked path then reads again and reports.
function copyNumbers(array) {
  const length = array.length;
  const copy = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    const value = array[i];
    if (typeof value !== 'number') return undefined;
    copy[i] = value;
  }
  return copy;
}

// One entry point of the API as the dispatch above: `float32` and `float64`
// are the addon's typed entry points, `checked` its checked one.
function dispatching(name, float32, float64, checked) {
  // A method, not an arrow function: `this` is the caller's, and V8 checks
  // it again when the addon's method is applied to it.
  return {
    [name](x, out) {
      const type = typedPair(x, out);
      if (type === FLOAT32) return apply(float32, this, [x, out]);
      if (type === FLOAT64) return apply(float64, this, [x, out]);
      if (isPlainArray(x)) {
        const copy = copyNumbers(x);
        if (copy !== undefined) {
          // The copy is private: without `out` the result is written into it.
          if (out === undefined) return apply(float64, this, [copy, copy]);
          if (apply(typedArrayName, out, []) === FLOAT64) return apply(float64, this, [copy, out]);
          return apply(checked, this, [copy, out]);
        }
      }
      return apply(checked, this, [x, out]);
    },
  }[name];
}

const { prototype } = ReLU;
for (const [name, float32, float64] of [
  ['forward', internal.forwardFloat32, internal.forwardFloat64],
  ['backward', internal.backwardFloat32, internal.backwardFloat64],
]) {
  const method = dispatching(name, prototype[float32], prototype[float64], prototype[name]);
  // The attributes of the addon's method it replaces.
  Object.defineProperty(prototype, name, { value: method, writable: true, configurable: true, enumerable: false });
}

module.exports = {
  ReLU,
  relu: dispatching('relu', internal.reluFloat32, internal.reluFloat64, addon.relu),
  version: addon.version,
  isa: addon.isa,
};
