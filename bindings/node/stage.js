// SPDX-License-Identifier: MIT
'use strict';
// npm's prepare and postpack steps, in a checkout of the repository only:
// the package is bindings/node, but what it compiles (libcrelu's sources)
// and its license live at the top of the checkout. Before npm packs this
// directory (npm pack, npm install <this directory>), `node stage.js` copies
// them in, so the tarball carries them; after npm pack, `node stage.js
// --clean` removes the copies again. Anywhere else (an unpacked tarball) it
// does nothing: the package already carries them.

const fs = require('fs');
const path = require('path');

const here = __dirname;
const top = path.join(here, '..', '..');
// What is copied: from the checkout's top to the same path in the package.
const staged = ['LICENSE', 'libcrelu/include', 'libcrelu/src'];

function inCheckout() {
  return path.basename(here) === 'node' && path.basename(path.dirname(here)) === 'bindings' &&
    fs.existsSync(path.join(top, 'libcrelu', 'include', 'crelu.h')) &&
    fs.existsSync(path.join(top, 'LICENSE'));
}

if (!inCheckout()) {
  if (!fs.existsSync(path.join(here, 'libcrelu', 'include', 'crelu.h'))) {
    console.error('crelu: stage.js: neither a checkout nor a package that carries libcrelu/');
    process.exit(1);
  }
} else {
  fs.rmSync(path.join(here, 'libcrelu'), { recursive: true, force: true });
  fs.rmSync(path.join(here, 'LICENSE'), { force: true });
  if (!process.argv.includes('--clean')) {
    for (const item of staged) {
      fs.cpSync(path.join(top, item), path.join(here, item), { recursive: true });
    }
  }
}
