// @ts-check
// jest's transformer for our TypeScript and for jose's ES modules: scripts/strip-types.js, the one way
// this project runs TypeScript uncompiled. ts-jest did the same job through the TypeScript compiler,
// which on a fresh clone (an empty jest cache, as in CI) every worker loads and runs over every file it
// meets: most of a minute of CPU that esbuild does in a few seconds.
'use strict';

const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const path = require('node:path');
const { stripTypes, esbuildVersion } = require('../../scripts/strip-types');

const OWN_SOURCE = readFileSync(__filename, 'utf8') + readFileSync(path.join(__dirname, '../../scripts/strip-types.js'), 'utf8');

/** @type {import('@jest/transform').SyncTransformer} */
module.exports = {
  process(source, filename) {
    const { code, map } = stripTypes(source, filename, 'external');
    return { code, map };
  },
  getCacheKey(source, filename) {
    return createHash('sha256').update(esbuildVersion).update(OWN_SOURCE).update(filename).update(source).digest('hex');
  },
};
