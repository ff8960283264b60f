#!/usr/bin/env node
// @ts-check
// Builds the incident console (console/) into dist/console: the TypeScript bundled by esbuild as ES
// modules (MSAL split into its own chunk, loaded only when the page signs in with Entra ID), plus the
// page and its stylesheet as they are. The function app serves that folder (shared/http/console.ts).
//   node scripts/build-console.js [--out dist/console]
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const SOURCE = path.join(ROOT, 'console');
const STATIC = ['index.html', 'app.css', 'favicon.svg'];

/** @param {string} dir @returns {Map<string, Buffer>} */
function contents(dir) {
  if (!fs.existsSync(dir)) return new Map();
  return new Map(fs.readdirSync(dir).map((name) => [name, fs.readFileSync(path.join(dir, name))]));
}

/** @param {Map<string, Buffer>} a @param {Map<string, Buffer>} b */
function same(a, b) {
  return a.size === b.size && [...a].every(([name, bytes]) => b.get(name)?.equals(bytes) === true);
}

/**
 * Builds into a fresh folder beside outDir and moves it in only when it differs: a running app (or a
 * second test file building at the same time) never reads a half-written bundle, and an unchanged
 * build leaves the served one alone.
 * @param {string} outDir
 */
async function buildConsole(outDir = path.join(ROOT, 'dist', 'console')) {
  const esbuild = require('esbuild');
  fs.mkdirSync(path.dirname(outDir), { recursive: true });
  const staging = fs.mkdtempSync(`${outDir}.build-`);
  try {
    await bundle(esbuild, staging);
    if (same(contents(staging), contents(outDir))) return outDir;
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.renameSync(staging, outDir);
    return outDir;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** @param {typeof import('esbuild')} esbuild @param {string} outDir */
async function bundle(esbuild, outDir) {
  await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { app: path.join(SOURCE, 'src', 'main.ts') },
    outdir: outDir,
    bundle: true,
    format: 'esm',
    splitting: true,
    minify: true,
    target: 'es2022',
    platform: 'browser',
    legalComments: 'eof',
    logLevel: 'warning',
  });
  for (const name of STATIC) fs.copyFileSync(path.join(SOURCE, name), path.join(outDir, name));
}

if (require.main === module) {
  const at = process.argv.indexOf('--out');
  const out = at >= 0 ? path.resolve(process.argv[at + 1] ?? '') : undefined;
  buildConsole(out).then(
    (dir) => console.log(`console: ${path.relative(ROOT, dir) || dir}`),
    (error) => {
      console.error(`console build: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}

module.exports = { buildConsole };
