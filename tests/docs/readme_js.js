// SPDX-License-Identifier: MIT
'use strict';
// Every ```js and ```javascript block of the given Markdown files runs as
// written, with the crelu package resolved the way its users resolve it
// (node_modules, no NODE_PATH), and exits with status 0. A block is run as
// the kind of module it is written as (an `import`/`export` line makes it an
// ES module), and as the other kind too when its crelu line converts:
// `const { A, B } = require('crelu');` <-> `import { A, B } from 'crelu';`.
// So a CommonJS example also proves the ES named exports, and back.
//
//   node readme_js.js [--package <crelu package dir>] <work dir> <file.md>...
//
// With --package, <work dir>/node_modules/crelu becomes a link to it;
// without, <work dir>/node_modules/crelu must be there (npm installed it).

const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const args = process.argv.slice(2);
let packageDir;
if (args[0] === '--package') {
  packageDir = path.resolve(args[1]);
  args.splice(0, 2);
}
const [work, ...readmes] = args;
if (!work || readmes.length === 0) {
  console.error('usage: readme_js.js [--package <dir>] <work dir> <file.md>...');
  process.exit(2);
}

// The blocks of one file, in order: { line, text }.
function blocks(file) {
  const found = [];
  let current;
  fs.readFileSync(file, 'utf8').split('\n').forEach((line, index) => {
    if (current === undefined && /^```(js|javascript)\s*$/.test(line)) {
      current = { line: index + 1, lines: [] };
    } else if (current !== undefined && /^```\s*$/.test(line)) {
      found.push({ line: current.line, text: `${current.lines.join('\n')}\n` });
      current = undefined;
    } else if (current !== undefined) {
      current.lines.push(line);
    }
  });
  if (current !== undefined) throw new Error(`${file}:${current.line}: unterminated code block`);
  return found;
}

const isEsm = (text) => /^\s*(import|export)\s/m.test(text);
const requireLine = /^(\s*)const\s*(\{[^}]*\})\s*=\s*require\('crelu'\);?\s*$/m;
const importLine = /^(\s*)import\s*(\{[^}]*\})\s*from\s*'crelu';?\s*$/m;

// The block as the other kind of module, or undefined when it does not convert.
function converted(text) {
  if (isEsm(text)) {
    const rest = text.replace(importLine, '');
    if (rest === text || isEsm(rest)) return undefined;
    return text.replace(importLine, (_, indent, names) => `${indent}const ${names} = require('crelu');`);
  }
  if (!requireLine.test(text) || /require\(/.test(text.replace(requireLine, ''))) return undefined;
  return text.replace(requireLine, (_, indent, names) => `${indent}import ${names} from 'crelu';`);
}

fs.rmSync(path.join(work, 'blocks'), { recursive: true, force: true });
fs.mkdirSync(path.join(work, 'blocks'), { recursive: true });
if (packageDir !== undefined) {
  fs.rmSync(path.join(work, 'node_modules'), { recursive: true, force: true });
  fs.mkdirSync(path.join(work, 'node_modules'));
  fs.symlinkSync(packageDir, path.join(work, 'node_modules', 'crelu'), 'dir');
} else if (!fs.existsSync(path.join(work, 'node_modules', 'crelu', 'package.json'))) {
  console.error(`readme_js.js: no crelu package in ${path.join(work, 'node_modules')}`);
  process.exit(1);
}

const env = { ...process.env };
delete env.NODE_PATH; // found as users find it: node_modules
let runs = 0;
let count = 0;
let failed = 0;
for (const readme of readmes) {
  for (const block of blocks(readme)) {
    count++;
    const where = `${readme}:${block.line}`;
    const esm = isEsm(block.text);
    const kinds = [[esm ? 'mjs' : 'cjs', block.text]];
    const other = converted(block.text);
    if (other !== undefined) kinds.push([esm ? 'cjs' : 'mjs', other]);
    else console.log(`${where}: runs as ${esm ? 'an ES module' : 'CommonJS'} only (its crelu line does not convert)`);
    for (const [extension, text] of kinds) {
      const file = path.join(work, 'blocks', `block${count}.${extension}`);
      fs.writeFileSync(file, text);
      runs++;
      try {
        execFileSync(process.execPath, [file], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
        console.log(`${where}: ran as .${extension}`);
      } catch (error) {
        failed++;
        console.error(`${where}: block${count}.${extension} failed (${error.signal || `exit status ${error.status}`}):`);
        console.error(text.split('\n').map((line, i) => `${String(i + 1).padStart(4)}  ${line}`).join('\n'));
        console.error(String(error.stderr));
      }
    }
  }
}
if (count === 0) {
  console.error(`readme_js.js: no \`\`\`js block in ${readmes.join(', ')}`);
  process.exit(1);
}
console.log(`README JavaScript: ${count} block(s), ${runs} run(s), ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
