// The deployable package, built as `npm run package` builds it and loaded as Azure loads it: a clean
// Node process, in the package directory, requires every file the package.json `main` glob matches and
// reports the function definitions that registered. They are checked against the one table below and
// against what the Azure Functions runtime needs from each definition.
import { spawnSync, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';

const ROOT = path.resolve(__dirname, '../..');

type ExpectedFunction =
  | { kind: 'http'; route: string; methods: string[]; authLevel: 'function' | 'anonymous' | 'admin' }
  | { kind: 'queue'; queueName: string; connection: string };

/**
 * Every function Azure should find, by name: the one table to update when a function is added or
 * changed. authLevel is the level with default settings: `contain` takes the function key; the
 * people's routes are anonymous at the host and the code requires an analyst's user token. The other
 * settings' levels are checked below.
 */
const EXPECTED: Record<string, ExpectedFunction> = {
  contain: { kind: 'http', route: 'contain', methods: ['POST'], authLevel: 'function' },
  getIncident: { kind: 'http', route: 'incidents/{id}', methods: ['GET'], authLevel: 'anonymous' },
  listIncidents: { kind: 'http', route: 'incidents', methods: ['GET'], authLevel: 'anonymous' },
  approveIncident: { kind: 'http', route: 'incidents/{id}/approve', methods: ['POST'], authLevel: 'anonymous' },
  rejectIncident: { kind: 'http', route: 'incidents/{id}/reject', methods: ['POST'], authLevel: 'anonymous' },
  health: { kind: 'http', route: 'health', methods: ['GET'], authLevel: 'anonymous' },
  huntIncident: { kind: 'http', route: 'incidents/{id}/hunt', methods: ['POST'], authLevel: 'anonymous' },
  console: { kind: 'http', route: 'console', methods: ['GET'], authLevel: 'anonymous' },
  consoleAsset: { kind: 'http', route: 'console/{asset}', methods: ['GET'], authLevel: 'anonymous' },
  listCampaigns: { kind: 'http', route: 'campaigns', methods: ['GET'], authLevel: 'anonymous' },
  getCampaign: { kind: 'http', route: 'campaigns/{id}', methods: ['GET'], authLevel: 'anonymous' },
  incidentReport: { kind: 'http', route: 'incidents/{id}/report', methods: ['GET'], authLevel: 'anonymous' },
  diagnose: { kind: 'queue', queueName: 'diagnose', connection: 'AzureWebJobsStorage' },
  hunt: { kind: 'queue', queueName: 'hunt', connection: 'AzureWebJobsStorage' },
  diagnosePoison: { kind: 'queue', queueName: 'diagnose-poison', connection: 'AzureWebJobsStorage' },
  huntPoison: { kind: 'queue', queueName: 'hunt-poison', connection: 'AzureWebJobsStorage' },
  eradicateIncident: { kind: 'http', route: 'incidents/{id}/eradicate', methods: ['POST'], authLevel: 'anonymous' },
  recoverIncident: { kind: 'http', route: 'incidents/{id}/recover', methods: ['POST'], authLevel: 'anonymous' },
  notifiedIncident: { kind: 'http', route: 'incidents/{id}/notified', methods: ['POST'], authLevel: 'anonymous' },
  closeIncident: { kind: 'http', route: 'incidents/{id}/close', methods: ['POST'], authLevel: 'anonymous' },
  eradicate: { kind: 'queue', queueName: 'eradicate', connection: 'AzureWebJobsStorage' },
  verify: { kind: 'queue', queueName: 'verify', connection: 'AzureWebJobsStorage' },
  eradicatePoison: { kind: 'queue', queueName: 'eradicate-poison', connection: 'AzureWebJobsStorage' },
  verifyPoison: { kind: 'queue', queueName: 'verify-poison', connection: 'AzureWebJobsStorage' },
  writeBack: { kind: 'queue', queueName: 'write-back', connection: 'AzureWebJobsStorage' },
  writeBackPoison: { kind: 'queue', queueName: 'write-back-poison', connection: 'AzureWebJobsStorage' },
};

interface LoadedDefinition {
  kind: string;
  name: string;
  route?: string;
  methods?: string[];
  authLevel?: string;
  queueName?: string;
  connection?: string;
  handler: string;
}

interface LoadReport {
  files: string[];
  definitions: LoadedDefinition[];
  outside: string[];
  unresolved: string[];
}

// What the child process runs: Azure's view of the package (main glob -> require each file).
const LOADER = `
const fs = require('node:fs');
const path = require('node:path');
const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'));
const dir = path.dirname(pkg.main);
const pattern = new RegExp('^' + path.basename(pkg.main).replace(/[.+^$()|[\\]\\\\]/g, '\\\\$&').replace(/\\*/g, '[^/]*') + '$');
const files = fs.readdirSync(dir).filter((file) => pattern.test(file)).sort();
for (const file of files) require(path.resolve(dir, file));
const { registeredFunctions } = require(path.resolve(dir, 'registry.js'));
const definitions = registeredFunctions().map((d) => ({ ...d, handler: typeof d.handler }));
const root = process.cwd() + path.sep;
const outside = Object.keys(require.cache).filter((file) => !file.startsWith(root));
const unresolved = [];
for (const name of Object.keys(pkg.dependencies)) {
  try {
    if (!require.resolve(name).startsWith(root)) outside.push(name);
  } catch (error) {
    unresolved.push(name + ': ' + error.message.split('\\n')[0]);
  }
}
process.stdout.write(JSON.stringify({ files: files.map((file) => path.join(dir, file)), definitions, outside, unresolved }));
`;

/** The settings are validated while the functions register: the least Azure gives the app (identity-based storage). */
const AZURE_SETTINGS = {
  AzureWebJobsStorage__queueServiceUri: 'https://staitm.queue.core.windows.net/',
  AzureWebJobsStorage__tableServiceUri: 'https://staitm.table.core.windows.net/',
};

function spawnLoader(packageDir: string, env: Record<string, string>) {
  return spawnSync(process.execPath, ['-e', LOADER], {
    cwd: packageDir,
    // A clean process: no NODE_OPTIONS, NODE_PATH or jest state; only what Azure would also lack.
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', ...AZURE_SETTINGS, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

function load(packageDir: string, env: Record<string, string> = {}): LoadReport {
  const result = spawnLoader(packageDir, env);
  if (result.status !== 0) throw new Error(`loading the package failed (${result.status}):\n${result.stderr}`);
  return JSON.parse(result.stdout) as LoadReport;
}

/** Entry names of a zip file, from its central directory, with each entry's content. */
function readZip(zipPath: string): Map<string, Buffer> {
  const zip = fs.readFileSync(zipPath);
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const entries = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const local = zip.readUInt32LE(offset + 42);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    const size = zip.readUInt32LE(offset + 20);
    const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    entries.set(name, inflateRawSync(zip.subarray(dataStart, dataStart + size)));
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

const projectPackage = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  main: string;
  type?: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  scripts: Record<string, string>;
};

describe('deployable package (npm run package)', () => {
  let work: string;
  let packageDir: string;
  let report: LoadReport;

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'aitm-package-'));
    packageDir = path.join(work, 'app');
    // Outside the repository, so a dependency missing from the package cannot be found in ../node_modules.
    // The emitted files are the same with or without tsc's type check, which npm test runs on its own.
    execFileSync(process.execPath, [path.join(ROOT, 'scripts/package.js'), '--out', packageDir, '--no-typecheck'], {
      cwd: ROOT,
      stdio: 'pipe',
    });
    report = load(packageDir);
  }, 120_000);

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('npm run package is the build azd deploys', () => {
    expect(projectPackage.scripts.package).toMatch(/scripts\/package\.js/);
    const azureYaml = fs.readFileSync(path.join(ROOT, 'azure.yaml'), 'utf8');
    expect(azureYaml).toMatch(/dist: \.package/);
    expect(azureYaml).toMatch(/remoteBuild: false/);
    expect(azureYaml).toMatch(/run: npm run package/);
  });

  test('holds host.json, a CommonJS package.json with the main glob, and production dependencies only', () => {
    expect(fs.readFileSync(path.join(packageDir, 'host.json'), 'utf8')).toBe(fs.readFileSync(path.join(ROOT, 'host.json'), 'utf8'));
    const deployed = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
    expect(deployed.main).toBe(projectPackage.main);
    expect(deployed.type).toBeUndefined();
    expect(deployed.dependencies).toEqual(projectPackage.dependencies);
    expect(deployed.devDependencies).toBeUndefined();
    for (const name of Object.keys(projectPackage.dependencies)) {
      expect(fs.existsSync(path.join(packageDir, 'node_modules', name, 'package.json'))).toBe(true);
    }
    // A build-time package that a production dependency also needs (@azure/msal-browser: @azure/identity's)
    // ships for that dependency.
    const production = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: ROOT, encoding: 'utf8' });
    for (const name of Object.keys(projectPackage.devDependencies)) {
      const needed = production.split('\n').some((line) => line.endsWith(`${path.sep}node_modules${path.sep}${name}`));
      expect(fs.existsSync(path.join(packageDir, 'node_modules', name))).toBe(needed);
    }
  });

  test('the main glob matches the compiled function files, and they are CommonJS', () => {
    const functionSources = fs.readdirSync(path.join(ROOT, 'functions')).filter((file) => file.endsWith('.ts'));
    expect(report.files).toEqual(functionSources.map((file) => `dist/functions/${file.replace(/\.ts$/, '.js')}`).sort());
    for (const file of report.files) {
      const code = fs.readFileSync(path.join(packageDir, file), 'utf8');
      expect(code).toMatch(/^"use strict";/);
      expect(code).not.toMatch(/^\s*(import|export)\s/m);
    }
  });

  test('ships the console bundle where the console function looks for it', () => {
    for (const asset of ['index.html', 'app.js', 'app.css']) expect(fs.existsSync(path.join(packageDir, 'dist/console', asset))).toBe(true);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { consoleBundleDir } = require(path.join(packageDir, 'dist/shared/http/console.js')) as { consoleBundleDir: () => string };
    expect(consoleBundleDir()).toBe(path.join(packageDir, 'dist/console'));
  });

  test('loads from the package alone', () => {
    expect(report.unresolved).toEqual([]);
    expect(report.outside).toEqual([]);
  });

  test('every function in the table registers, with its route, methods, auth level or queue', () => {
    const found = Object.fromEntries(
      report.definitions.map(({ name, kind, route, methods, authLevel, queueName, connection }) => [
        name,
        kind === 'http' ? { kind, route, methods, authLevel } : { kind, queueName, connection },
      ]),
    );
    expect(found).toEqual(EXPECTED);
  });

  test('every definition has what the Azure Functions runtime needs', () => {
    const names = new Set<string>();
    const routes = new Set<string>();
    for (const definition of report.definitions) {
      // Function names are unique (case-insensitively) and limited to letters, digits, _ and -.
      expect(definition.name).toMatch(/^[A-Za-z][A-Za-z0-9_-]{0,127}$/);
      expect(names.has(definition.name.toLowerCase())).toBe(false);
      names.add(definition.name.toLowerCase());
      expect(definition.handler).toBe('function');
      if (definition.kind === 'http') {
        expect(definition.route).toMatch(/^[A-Za-z0-9][A-Za-z0-9{}/_.-]*$/);
        // The host reserves routes under admin/ and runtime/.
        expect(definition.route).not.toMatch(/^(admin|runtime)(\/|$)/i);
        expect(definition.methods?.length).toBeGreaterThan(0);
        for (const method of definition.methods ?? [])
          expect(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']).toContain(method);
        expect(['anonymous', 'function', 'admin']).toContain(definition.authLevel);
        for (const method of definition.methods ?? []) {
          const key = `${method} ${definition.route?.replace(/\{[^}]+\}/g, '{}')}`;
          expect(routes.has(key)).toBe(false);
          routes.add(key);
        }
      } else {
        expect(definition.kind).toBe('queue');
        // Azure Storage queue names: 3-63 lowercase letters, digits and single hyphens.
        expect(definition.queueName).toMatch(/^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/);
        expect(definition.connection).toMatch(/^[A-Za-z][A-Za-z0-9_]*$/);
      }
    }
  });

  test('every queue connection is an identity-based connection the Bicep app settings define', () => {
    const bicep = fs.readFileSync(path.join(ROOT, 'infra/main.bicep'), 'utf8');
    const connections = new Set(report.definitions.filter((d) => d.kind === 'queue').map((d) => d.connection));
    for (const connection of connections) {
      for (const suffix of ['credential', 'clientId', 'queueServiceUri']) {
        expect(bicep).toMatch(new RegExp(`^  ${connection}__${suffix}: `, 'm'));
      }
    }
  });

  const tokens = { WEBHOOK_AUDIENCE: 'api://aitm-contain-test', WEBHOOK_TENANT_ID: '9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d' };
  const levels = (env: Record<string, string>) =>
    Object.fromEntries(
      load(packageDir, env)
        .definitions.filter((d) => d.kind === 'http')
        .map((d) => [d.name, d.authLevel]),
    );
  const people = [
    'getIncident',
    'listIncidents',
    'approveIncident',
    'rejectIncident',
    'health',
    'eradicateIncident',
    'recoverIncident',
    'notifiedIncident',
    'closeIncident',
    'huntIncident',
    'listCampaigns',
    'getCampaign',
    'incidentReport',
  ];
  // The console's page and bundle are public whatever the settings: the data behind them is not.
  const pages = { console: 'anonymous', consoleAsset: 'anonymous' };

  test("with allowed callers' app tokens, contain lets requests through for the code to check the token", () => {
    // A playbook's managed identity has no function key, so the host must not demand one.
    const found = levels({ ...tokens, WEBHOOK_ALLOWED_CALLERS: 'c0ffee00-1234-4abc-9def-0123456789ab' });
    expect(found).toEqual({ contain: 'anonymous', ...pages, ...Object.fromEntries(people.map((name) => [name, 'anonymous'])) });
  });

  test('token settings for people alone leave contain on its function key', () => {
    expect(levels(tokens)).toEqual({ contain: 'function', ...pages, ...Object.fromEntries(people.map((name) => [name, 'anonymous'])) });
  });

  test("APPROVAL_AUTH=function-key puts the people's routes behind keys at the host", () => {
    expect(levels({ APPROVAL_AUTH: 'function-key' })).toEqual({
      contain: 'function',
      ...pages,
      ...Object.fromEntries(people.map((name) => [name, 'function'])),
    });
  });

  test('a bad setting stops the worker loading the functions, with a message naming it', () => {
    const result = spawnLoader(packageDir, { PROTECTED_ACCOUNTS: 'bg-admin' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/ConfigError: Invalid configuration: PROTECTED_ACCOUNTS: "bg-admin" is neither a UPN/);
  });

  test('loading the package requires the containment path only; the follow-up phases load on first use', () => {
    // The cold start (issue 13 item 5): a fresh worker requires every function file before it serves the
    // first alert, so what the containment path does not use must not be required then. Which modules
    // are in require.cache is what the time depends on; the time itself is `npm run bench:cold`.
    const script = `
const path = require('node:path');
const root = process.cwd() + path.sep;
const modules = () => Object.keys(require.cache).map((file) => {
  const at = file.lastIndexOf('node_modules' + path.sep);
  if (at < 0) return path.relative(root, file);
  const [scope, name] = file.slice(at + 13).split(path.sep);
  return scope.startsWith('@') ? scope + '/' + name : scope;
});
const fs = require('node:fs');
for (const file of fs.readdirSync('dist/functions').filter((f) => f.endsWith('.js'))) require(path.resolve('dist/functions', file));
const atStart = [...new Set(modules())];
require(path.resolve('dist/shared/services.js')).getServices().followUps().then(() => {
  process.stdout.write(JSON.stringify({ atStart, later: [...new Set(modules())] }));
});
`;
    const result = spawnSync(process.execPath, ['-e', script], {
      cwd: packageDir,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        ...AZURE_SETTINGS,
        HUNT_BACKEND: 'log-analytics',
        LOG_ANALYTICS_WORKSPACE_ID: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.stderr).not.toMatch(/Error/);
    const { atStart, later } = JSON.parse(result.stdout) as { atStart: string[]; later: string[] };
    const deferred = [
      '@azure/identity',
      '@azure/msal-node',
      '@azure/monitor-query-logs',
      'jose',
      'dist/shared/follow-up-services.js',
      'dist/shared/hunting/log-analytics.js',
      'dist/shared/hunting/hunt-backends.js',
      'dist/shared/graph/evidence/graph-evidence-reader.js',
      'dist/shared/graph/eradication-actions.js',
      'dist/shared/diagnosis/judge.js',
    ];
    expect(deferred.filter((name) => atStart.includes(name))).toEqual([]);
    // Containment itself is all there, and the phases it left out do load when first needed.
    for (const name of ['dist/shared/runbook/contain.js', 'dist/shared/graph/containment-actions.js', '@azure/data-tables'])
      expect(atStart).toContain(name);
    for (const name of ['@azure/monitor-query-logs', 'dist/shared/follow-up-services.js', 'dist/shared/hunting/log-analytics.js'])
      expect(later).toContain(name);
  });

  test('the zip (for az functionapp deployment source config-zip) holds the files, byte for byte', () => {
    const small = path.join(work, 'small');
    fs.mkdirSync(path.join(small, 'dist/functions'), { recursive: true });
    fs.copyFileSync(path.join(packageDir, 'host.json'), path.join(small, 'host.json'));
    fs.copyFileSync(path.join(packageDir, 'package.json'), path.join(small, 'package.json'));
    fs.copyFileSync(path.join(packageDir, 'dist/functions/contain.js'), path.join(small, 'dist/functions/contain.js'));
    // The zip writer, on a small tree: deflating the whole package takes seconds and tests nothing more.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- scripts/package.js is a CommonJS script, loaded by path
    const packaging = require(path.join(ROOT, 'scripts/package.js')) as { writeZip: (dir: string, zipPath: string) => void };
    packaging.writeZip(small, path.join(work, 'app.zip'));
    const entries = readZip(path.join(work, 'app.zip'));
    expect(entries.get('host.json')?.toString('utf8')).toBe(fs.readFileSync(path.join(ROOT, 'host.json'), 'utf8'));
    expect(entries.get('package.json')?.equals(fs.readFileSync(path.join(small, 'package.json')))).toBe(true);
    expect(entries.get('dist/functions/contain.js')?.equals(fs.readFileSync(path.join(packageDir, 'dist/functions/contain.js')))).toBe(
      true,
    );
    expect([...entries.keys()].sort()).toEqual(['dist/functions/contain.js', 'host.json', 'package.json']);
    expect([...entries.keys()].some((name) => name.startsWith('/') || name.includes('..'))).toBe(false);
    // And a standard unzip agrees, where one is installed.
    const unzip = spawnSync('unzip', ['-tq', path.join(work, 'app.zip')], { encoding: 'utf8' });
    if (!unzip.error) expect(unzip.stdout).toMatch(/No errors detected/);
  });
});
