// SPDX-License-Identifier: MIT
// Types of the ES module entry point (index.mjs): the same names as index.d.ts.
import crelu from './index.js';

export * from './index.js';
export default crelu;
