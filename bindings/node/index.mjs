// SPDX-License-Identifier: MIT
// The ES module entry point (package.json's exports map: "import"). The
// package is one CommonJS module, index.js, so that `import` and `require`
// in one process share one addon instance and one ReLU class; this file
// names its exports, which Node cannot find in a CommonJS module by itself.
import crelu from './index.js';

export const { ReLU, relu, version, isa } = crelu;
export default crelu;
