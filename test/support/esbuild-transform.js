// @ts-check
// jest's transformer for our TypeScript and for jose's ES modules: esbuild strips the types and writes
// CommonJS, file by file. It does not type-check, and need not: tsc checks every file once before jest in
// `npm test`, and tsconfig.json's isolatedModules makes tsc reject anything that would not compile on its
// own like this. ts-jest did the same job through the TypeScript compiler, which on a fresh clone (an empty
// jest cache, as in CI) every worker loads and runs over every file it meets: most of a minute of CPU that
// esbuild does in a few seconds.
'use strict';

const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const { transformSync, version } = require('esbuild');

/** tsconfig.json's settings that change emitted code (target ES2022 defines class fields, as tsc does). */
const TSCONFIG = { compilerOptions: { target: 'ES2022', useDefineForClassFields: true, esModuleInterop: true } };

const OWN_SOURCE = readFileSync(__filename, 'utf8');

/** @type {import('@jest/transform').SyncTransformer} */
module.exports = {
  process(source, filename) {
    const { code, map } = transformSync(source, {
      loader: filename.endsWith('.ts') ? 'ts' : 'js',
      format: 'cjs',
      target: 'node22',
      // jest runs files in a CommonJS module wrapper: `import()` becomes a require, as tsc's commonjs output does.
      supported: { 'dynamic-import': false },
      tsconfigRaw: TSCONFIG,
      sourcefile: filename,
      sourcemap: 'external',
      sourcesContent: false,
    });
    return { code, map };
  },
  getCacheKey(source, filename) {
    return createHash('sha256').update(version).update(OWN_SOURCE).update(filename).update(source).digest('hex');
  },
};
