#!/usr/bin/env node
// @ts-check
// Builds the deployable Function App package: the compiled functions and shared code (CommonJS),
// host.json, a package.json whose `main` glob finds the function files, and the production dependencies
// only, from this checkout's node_modules (the versions the tests ran against; hard links where it can).
// Optionally zips it for `az functionapp deployment source config-zip`.
//   node scripts/package.js [--out .package] [--zip aitm-contain.zip] [--no-typecheck]
// --no-typecheck emits the same files without tsc's type check, for a caller that has just run it (npm
// test's own tsc covers every file the build compiles): the check is most of the build's CPU.
'use strict';

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const { buildConsole } = require('./build-console');

const ROOT = path.resolve(__dirname, '..');

/** @param {string[]} argv */
function parseArgs(argv) {
  const options = { out: path.join(ROOT, '.package'), zip: /** @type {string | undefined} */ (undefined), typecheck: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return path.resolve(next);
    };
    if (arg === '--out') options.out = value();
    else if (arg === '--zip') options.zip = value();
    else if (arg === '--no-typecheck') options.typecheck = false;
    else throw new Error(`unknown option ${arg} (use --out DIR, --zip FILE, --no-typecheck)`);
  }
  if (options.out === ROOT || ROOT.startsWith(options.out + path.sep)) throw new Error('--out must not contain the project');
  return options;
}

/** Compiles functions/ and shared/ with the project's build settings into <out>/dist, and the console into <out>/dist/console. */
async function compile(out, typecheck) {
  const tsc = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
  const args = [tsc, '-p', path.join(ROOT, 'tsconfig.build.json'), '--outDir', path.join(out, 'dist'), ...(typecheck ? [] : ['--noCheck'])];
  execFileSync(process.execPath, args, {
    cwd: ROOT,
    stdio: 'inherit',
  });
  await buildConsole(path.join(out, 'dist', 'console'));
}

/** The package.json Azure reads: the project's, less what only development needs. */
function writePackageJson(out) {
  const project = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  if (project.type === 'module') throw new Error('package.json "type": "module" would make the compiled CommonJS unloadable');
  const deployed = {
    name: project.name,
    version: project.version,
    private: true,
    description: project.description,
    license: project.license,
    main: project.main,
    engines: project.engines,
    dependencies: project.dependencies,
  };
  fs.writeFileSync(path.join(out, 'package.json'), JSON.stringify(deployed, null, 2) + '\n');
}

/**
 * The production dependency tree as npm resolved it, placed (placeTree) top-level package by package: a
 * package's own nested node_modules comes along with it. Offline and exactly the versions installed here.
 */
function copyProductionDependencies(out) {
  const listing = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const modules = path.join(ROOT, 'node_modules') + path.sep;
  const topLevel = new Set();
  for (const line of listing.split('\n')) {
    if (!line.startsWith(modules)) continue;
    const parts = line.slice(modules.length).split(path.sep);
    topLevel.add(parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]);
  }
  for (const name of [...topLevel].sort()) placeTree(path.join(modules, name), path.join(out, 'node_modules', name));
  return topLevel.size;
}

/**
 * Puts a copy of a directory tree at `to`, symbolic links followed. Each file is a hard link to the
 * installed one where both are on one filesystem (the usual case: .package sits in the checkout), else
 * a copy: the tree is about 28,000 files, and copying them cost ten seconds of system time a build
 * against one or two for links. Nothing writes into a package, so sharing the files is safe; delete the
 * package (npm run package does, first) rather than editing a file in it.
 * @param {string} from @param {string} to
 */
function placeTree(from, to) {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const linked = entry.isSymbolicLink();
    const source = linked ? fs.realpathSync(path.join(from, entry.name)) : path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (linked ? fs.statSync(source).isDirectory() : entry.isDirectory()) placeTree(source, target);
    else placeFile(source, target);
  }
}

/** @param {string} source @param {string} target */
function placeFile(source, target) {
  try {
    fs.linkSync(source, target);
  } catch (error) {
    const code = /** @type {NodeJS.ErrnoException} */ (error).code;
    // Another filesystem, or one that has no hard links: a copy.
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP') throw error;
    fs.copyFileSync(source, target);
  }
}

/** @param {string} dir @returns {string[]} relative file paths, sorted */
function listFiles(dir, prefix = '') {
  const files = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...listFiles(path.join(dir, entry.name), relative));
    else if (entry.isFile()) files.push(relative);
  }
  return files;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** @param {Buffer} data */
function crc32(data) {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** A plain deflate zip of every file under dir (no zip64: the package is far below 4 GiB). */
function writeZip(dir, zipPath) {
  const chunks = [];
  const central = [];
  let offset = 0;
  for (const name of listFiles(dir)) {
    const data = fs.readFileSync(path.join(dir, name));
    const compressed = zlib.deflateRawSync(data, { level: 9 });
    const nameBytes = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt32LE(0, 10); // time, date
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(0x031e, 4); // made by: Unix, 3.0
    header.writeUInt16LE(20, 6);
    header.writeUInt16LE(0x0800, 8);
    header.writeUInt16LE(8, 10);
    header.writeUInt32LE(0, 12);
    header.writeUInt32LE(crc, 16);
    header.writeUInt32LE(compressed.length, 20);
    header.writeUInt32LE(data.length, 24);
    header.writeUInt16LE(nameBytes.length, 28);
    header.writeUInt32LE((0o100644 << 16) >>> 0, 38); // regular file, rw-r--r--
    header.writeUInt32LE(offset, 42);
    central.push(header, nameBytes);
    chunks.push(local, nameBytes, compressed);
    offset += local.length + nameBytes.length + compressed.length;
  }
  const centralSize = central.reduce((sum, part) => sum + part.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(central.length / 2, 8);
  end.writeUInt16LE(central.length / 2, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  fs.writeFileSync(zipPath, Buffer.concat([...chunks, ...central, end]));
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  fs.rmSync(options.out, { recursive: true, force: true });
  fs.mkdirSync(options.out, { recursive: true });
  await compile(options.out, options.typecheck);
  fs.copyFileSync(path.join(ROOT, 'host.json'), path.join(options.out, 'host.json'));
  writePackageJson(options.out);
  const count = copyProductionDependencies(options.out);
  console.log(`package: ${path.relative(ROOT, options.out) || options.out} (${count} production packages)`);
  if (options.zip) {
    writeZip(options.out, options.zip);
    console.log(`zip: ${options.zip}`);
  }
}

if (require.main === module) {
  main().catch((error) => {
    console.error(`package: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}

module.exports = { crc32, listFiles, writeZip };
