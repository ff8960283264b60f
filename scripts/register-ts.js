// @ts-check
// Loaded with `node -r ./scripts/register-ts.js file.ts`: Node then requires .ts files through
// scripts/strip-types.js. It replaces ts-node, which loads the whole TypeScript compiler into every
// process it starts (about 2 s of CPU each, paid by every `npm start` and every test that starts a child
// process) to do the same stripping. Stack traces name .ts lines: source maps are inline, and Node
// reads them only for files that carry one.
'use strict';

const { readFileSync } = require('node:fs');
const { stripTypes } = require('./strip-types');

process.setSourceMapsEnabled(true);

require.extensions['.ts'] = (module, filename) => {
  const { code } = stripTypes(readFileSync(filename, 'utf8'), filename, 'inline');
  /** @type {{ _compile(code: string, filename: string): void }} */ (/** @type {unknown} */ (module))._compile(code, filename);
};
