// SPDX-License-Identifier: MIT
// Types of the crelu package (libcrelu's Node-API binding), for require();
// index.d.mts gives the same names to import.

declare global {
  interface SymbolConstructor {
    /**
     * Explicit resource management's symbol (`using`). Node defines it from
     * 20.4 on; declared here too, as @types/node and lib esnext.disposable
     * do, so that these typings need neither.
     */
    readonly dispose: unique symbol;
  }
}

/** Options of `new ReLU(...)`; multiword names are camelCase. Every one may be left out. */
export interface ReLUOptions {
  /** What forward keeps for backward: a copy of x (default), or one bit per element. */
  save?: 'x' | 'mask';
  /** Which reference backward matches at the kinks and at NaN x (default 'pytorch'). */
  grad?: 'pytorch' | 'cs231n';
  /** Leaky slope; 0 (default) is plain ReLU. Finite. */
  negativeSlope?: number;
  /** Cap (> 0) for clipped ReLU, 6 = ReLU6; undefined or Infinity (default) = no cap. */
  maxValue?: number;
  /**
   * How a Uint16Array's elements are read: bfloat16 or float16 bit
   * patterns. No default: a Uint16Array without it is a TypeError. Other
   * inputs do not need it (a Float16Array is float16).
   */
  dtype?: Dtype;
}

/** The 16-bit formats a Uint16Array may hold: bfloat16 ('bf16') or IEEE binary16 ('f16'). */
export type Dtype = 'bf16' | 'f16';

/** Options of `relu(x, out, options)`. */
export interface ReluFunctionOptions {
  /** How a Uint16Array x is read (required for one; see ReLUOptions.dtype). */
  dtype?: Dtype;
}

/**
 * A Float16Array, where the runtime has one (Node 20 has none), named by its
 * tag so that these typings need no library that declares Float16Array.
 */
export interface Float16ArrayLike extends ArrayBufferView {
  readonly [Symbol.toStringTag]: 'Float16Array';
  readonly length: number;
  [index: number]: number;
}

/**
 * What forward/backward accept: typed arrays are used in place, plain arrays
 * are copied as float64. A Uint16Array holds bfloat16 or float16 bits, as
 * the dtype option says.
 */
export type Input = Float32Array | Float64Array | Uint16Array | Float16ArrayLike | readonly number[];

/** The result type for an input type: the same typed array type, or Float64Array for a plain array. */
export type Output<T extends Input> = T extends Float32Array ? Float32Array
  : T extends Uint16Array ? Uint16Array
    : T extends Float16ArrayLike ? T
      : Float64Array;

/**
 * The `code` of every error the package throws. A libcrelu status keeps its
 * C name (and the message carries crelu_strerror's text); the rest are the
 * binding's own: INVALID_TYPE (a TypeError: wrong kind of value), CLOSED,
 * DETACHED (a TypeError: an operand's ArrayBuffer is detached, or a view is
 * out of bounds of a resizable buffer that shrank; never read as empty),
 * NAPI (a Node-API call failed), VERSION (libcrelu of another major version
 * at load). OUT_OF_MEMORY is a RangeError, as V8's own allocation failures.
 */
export type ErrorCode =
  | 'CRELU_ERR_INVALID_ARGUMENT' | 'CRELU_ERR_OUT_OF_MEMORY' | 'CRELU_ERR_NO_FORWARD'
  | 'CRELU_ERR_SIZE_MISMATCH' | 'CRELU_ERR_DTYPE_MISMATCH' | 'CRELU_ERR_OVERFLOW'
  | 'CRELU_ERR_INVALID_TYPE' | 'CRELU_ERR_CLOSED' | 'CRELU_ERR_DETACHED'
  | 'CRELU_ERR_NAPI' | 'CRELU_ERR_VERSION';

/**
 * A ReLU layer: forward(x) remembers what backward(d) needs.
 *
 * Errors: TypeError for a wrong kind of value (a Uint16Array without a
 * dtype option included; and backward's dtype differing from forward's,
 * and a detached buffer), RangeError for a bad
 * size or option value or memory that cannot be had, Error for state
 * (closed, backward before forward). Each has a stable `code` (ErrorCode).
 */
export class ReLU {
  constructor(options?: ReLUOptions);
  /** y = relu(x): a new array, or `out` (same type and length as the result) filled and returned. */
  forward<T extends Input>(x: T, out?: Output<T>): Output<T>;
  /** dx = relu'(x) * d for the x of the last forward (same dtype and length). */
  backward<T extends Input>(d: T, out?: Output<T>): Output<T>;
  /** Frees the context now rather than at garbage collection. Idempotent; later calls throw. */
  close(): void;
  /**
   * close() itself, so that `using r = new ReLU()` closes r at the end of
   * the scope. Present where the runtime (or a polyfill loaded before
   * crelu) defines Symbol.dispose: Node 20.4 and later.
   */
  [Symbol.dispose](): void;
  /** Whether close() has been called. */
  readonly closed: boolean;
}

/** Plain ReLU with the default options, no state; options.dtype says how a Uint16Array is read. */
export function relu<T extends Input>(x: T, out?: Output<T>, options?: ReluFunctionOptions): Output<T>;

/** libcrelu's version, "MAJOR.MINOR.PATCH". */
export const version: string;

/** The instruction set libcrelu's kernels run on (see CRELU_ISA in crelu.h). */
export const isa: 'avx512' | 'avx2' | 'sse2' | 'neon' | 'portable' | 'scalar';
