#!/usr/bin/env node
// @ts-check
// The static half of `npm test`: type checks (the function app's and the console's), lint and format check, run side by side. Each is one
// process that mostly keeps one core busy, so on a two-core machine three in a row leave a core idle
// for half a minute. Each tool's output is printed whole when it ends, so the three never interleave;
// the exit code is non-zero when any of them fails.
//   node scripts/checks.js
// The type check and the format check keep caches under node_modules/.cache (tsc's build info tracks
// every file a result depends on; Prettier's cache keys each file by its content and the config). ESLint
// keeps none: its cache would key a file's lint by that file alone, while the typed rules (floating
// promises, no `any`) read the types of the files it imports.
'use strict';

const { spawn } = require('node:child_process');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const CACHE = path.join(ROOT, 'node_modules', '.cache', 'aitm-contain');
const bin = (/** @type {string} */ name) => path.join(ROOT, 'node_modules', '.bin', name);

const CHECKS = [
  {
    name: 'tsc',
    command: bin('tsc'),
    args: ['--noEmit', '-p', '.', '--incremental', '--tsBuildInfoFile', path.join(CACHE, 'tsc.tsbuildinfo')],
  },
  {
    name: 'tsc console',
    command: bin('tsc'),
    args: ['--noEmit', '-p', 'console', '--incremental', '--tsBuildInfoFile', path.join(CACHE, 'tsc-console.tsbuildinfo')],
  },
  { name: 'eslint', command: bin('eslint'), args: ['.'] },
  {
    name: 'prettier',
    command: bin('prettier'),
    args: ['--check', '.', '--cache', '--cache-strategy', 'content', '--cache-location', path.join(CACHE, 'prettier-cache')],
  },
];

/** @param {{ name: string, command: string, args: string[] }} check */
function run(check) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(check.command, check.args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    /** @type {Buffer[]} */
    const output = [];
    child.stdout.on('data', (chunk) => output.push(chunk));
    child.stderr.on('data', (chunk) => output.push(chunk));
    child.on('error', (error) => output.push(Buffer.from(`${error.message}\n`)));
    child.on('close', (code) => {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      process.stdout.write(`${code === 0 ? 'ok  ' : 'FAIL'} ${check.name} (${seconds} s)\n${Buffer.concat(output).toString()}`);
      resolve(code === 0);
    });
  });
}

Promise.all(CHECKS.map(run)).then((results) => {
  process.exitCode = results.every(Boolean) ? 0 : 1;
});
