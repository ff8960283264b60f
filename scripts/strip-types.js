// @ts-check
// How this project runs TypeScript without compiling it first (jest, npm start, the demo, the benches):
// esbuild strips the types and writes CommonJS, file by file. Nothing here type-checks, and nothing
// need: tsc checks every file in `npm test`, and tsconfig.json's isolatedModules makes it reject anything
// that would not compile on its own like this. The settings are tsc's where they change emitted code.
'use strict';

const { transformSync, version } = require('esbuild');

/** tsconfig.json's settings that change emitted code (target ES2022 defines class fields, as tsc does). */
const TSCONFIG = { compilerOptions: { target: 'ES2022', useDefineForClassFields: true, esModuleInterop: true } };

/**
 * @param {string} source
 * @param {string} filename
 * @param {'external' | 'inline'} sourcemap
 */
function stripTypes(source, filename, sourcemap) {
  return transformSync(source, {
    loader: filename.endsWith('.ts') ? 'ts' : 'js',
    format: 'cjs',
    target: 'node22',
    // A CommonJS module meets `import()` as a require, as tsc's commonjs output does: Node's own ES module
    // loader would not find an extensionless .ts file.
    supported: { 'dynamic-import': false },
    tsconfigRaw: TSCONFIG,
    sourcefile: filename,
    sourcemap,
    sourcesContent: false,
  });
}

module.exports = { stripTypes, esbuildVersion: version };
