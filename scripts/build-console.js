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

/** @param {string} outDir */
async function buildConsole(outDir = path.join(ROOT, 'dist', 'console')) {
  const esbuild = require('esbuild');
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
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
  return outDir;
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
