#!/usr/bin/env node
// @ts-check
// The static half of `npm test`: type checks (the function app's and the console's), lint and format check, run side by side. Each is one
// process that mostly keeps one core busy, so on a two-core machine three in a row leave a core idle
// for half a minute. Each tool's output is printed whole when it ends, so the three never interleave;
// the exit code is non-zero when any of them fails.
//   node scripts/checks.js
//   node scripts/checks.js --jest [jest arguments]   (npm test: jest too, at the same time, its output live)
// With --jest the checks run beside jest rather than before it: jest's files spend much of their time
// waiting (on Azurite, child processes, retry budgets), and the checks fill that idle CPU (the whole of
// `npm test`, measured on the shared 2-core machine at load about 6: 214 s one after the other, 172 s side by side).
// The type check and the format check keep caches under node_modules/.cache (tsc's build info tracks
// every file a result depends on; Prettier's cache keys each file by its content and the config). ESLint
// keeps none: its cache would key a file's lint by that file alone, while the typed rules (floating
// promises, no `any`) read the types of the files it imports.
'use strict';

const { spawn } = require('node:child_process');
const os = require('node:os');
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

/** A nice value: runnable only when jest's processes leave a core idle (19 is the lowest priority). */
const CHECKS_PRIORITY = 10;

const [flag, ...jestArgs] = process.argv.slice(2);
if (flag !== undefined && flag !== '--jest') {
  process.stderr.write(`unknown argument ${flag}: node scripts/checks.js [--jest [jest arguments]]\n`);
  process.exit(2);
}

/** @param {{ name: string, command: string, args: string[], live?: boolean }} check */
function run(check) {
  return new Promise((resolve) => {
    const started = Date.now();
    // jest's output is the long one, read as it comes; the checks' is printed whole when each ends.
    const child = spawn(check.command, check.args, {
      cwd: ROOT,
      stdio: ['ignore', check.live ? 'inherit' : 'pipe', check.live ? 'inherit' : 'pipe'],
    });
    /** @type {Buffer[]} */
    const output = [];
    // Beside jest, the checks take the CPU jest leaves idle rather than slowing its files (whose Graph and
    // storage deadlines are real time): the lower priority does that, and they still end long before jest.
    if (flag === '--jest' && !check.live && child.pid !== undefined) os.setPriority(child.pid, CHECKS_PRIORITY);
    child.stdout?.on('data', (chunk) => output.push(chunk));
    child.stderr?.on('data', (chunk) => output.push(chunk));
    child.on('error', (error) => output.push(Buffer.from(`${error.message}\n`)));
    child.on('close', (code) => {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      process.stdout.write(`${code === 0 ? 'ok  ' : 'FAIL'} ${check.name} (${seconds} s)\n${Buffer.concat(output).toString()}`);
      resolve(code === 0);
    });
  });
}

const runs = [...CHECKS, ...(flag === '--jest' ? [{ name: 'jest', command: bin('jest'), args: jestArgs, live: true }] : [])];
Promise.all(runs.map(run)).then((results) => {
  process.exitCode = results.every(Boolean) ? 0 : 1;
});
