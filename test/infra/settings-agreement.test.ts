// The app settings infra/main.bicep gives the Function App and the settings the code reads
// (shared/config.ts SETTING_NAMES) must agree: a setting added to the code and not to Bicep, a typo in
// Bicep, or a Bicep default that means something else than the code's default fails here. The Bicep
// source is parsed (no Bicep CLI needed); bicep-cli.test.ts checks the compiled template keeps every key.
import fs from 'node:fs';
import path from 'node:path';
import { parseConfig, SETTING_NAMES } from '../../shared/config';

const ROOT = path.resolve(__dirname, '../..');
const MAIN_BICEP = fs.readFileSync(path.join(ROOT, 'infra/main.bicep'), 'utf8');

/** Settings the code reads that Azure deliberately does not set, and why. */
const NOT_IN_AZURE: Record<string, string> = {
  AzureWebJobsStorage:
    'a connection string needs shared-key access, which the storage account has off; the identity-based AzureWebJobsStorage__* settings replace it',
  LOG_ANALYTICS_CA_FILE: "trusts a CA of our own for a loopback Log Analytics endpoint only (the local simulator's HTTPS stand-in)",
  TELEMETRY_CA_FILE:
    "trusts a CA of our own for a loopback Application Insights ingestion endpoint only (the local simulator's HTTPS stand-in)",
  WEBSITE_HOSTNAME: 'Azure sets it on every app (its default host name); the console link in write-back comments is built from it',
  AzureWebJobsStorage__accountName:
    'the service URIs (__blobServiceUri, __queueServiceUri, __tableServiceUri) are set instead; they name the endpoints exactly, sovereign clouds included',
};

/** Settings Azure needs that the code never reads (the Functions host and its telemetry read them). */
const HOST_ONLY: Record<string, string> = {
  AzureWebJobsStorage__credential: 'the Functions host: use a managed identity for its storage connection',
  AzureWebJobsStorage__blobServiceUri: 'the Functions host: leases, keys and the deployment package live in blobs',
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'the Functions host: sign telemetry with the identity (local auth is off)',
};

/**
 * Settings whose Bicep default differs from the code's default on purpose. Settings with no Azure
 * meaning of their own (MAX_ALERT_BYTES, GRAPH_RETRY_BUDGET_MS, GRAPH_TIMEOUT_MS, ...) are not "default
 * only": they are app settings carrying the code's default, so an operator sees and tunes them in one place.
 */
const DELIBERATE_DEFAULTS: Record<string, { value: string; why: string }> = {
  CONTAINMENT_MODE: { value: 'dry-run', why: 'a new deployment proves itself in dry-run before it is switched to enforce' },
};

/** NAME -> Bicep value expression, from the `var appSettings = { ... }` block (one `NAME: value` per line). */
function bicepAppSettings(source: string): Map<string, string> {
  const start = source.indexOf('\nvar appSettings = {\n');
  if (start < 0) throw new Error('infra/main.bicep has no "var appSettings = {" block');
  const settings = new Map<string, string>();
  for (const line of source
    .slice(start + 1)
    .split('\n')
    .slice(1)) {
    if (line === '}') return settings;
    if (/^\s*(\/\/.*)?$/.test(line)) continue;
    const match = /^ {2}([A-Za-z_][A-Za-z0-9_]*): (.+)$/.exec(line);
    if (!match) throw new Error(`cannot read app setting line: ${line}`);
    if (settings.has(match[1])) throw new Error(`app setting ${match[1]} is set twice`);
    settings.set(match[1], match[2].trim());
  }
  throw new Error('the appSettings block in infra/main.bicep is not closed by a "}" line');
}

/** param NAME -> its default, when the default is a string or number literal. */
function bicepParamDefaults(source: string): Map<string, string> {
  const defaults = new Map<string, string>();
  for (const match of source.matchAll(/^param (\w+) (?:string|int) = (?:'((?:[^'\\]|\\.)*)'|(-?\d+))\s*$/gm)) {
    defaults.set(match[1], match[2] ?? match[3]);
  }
  return defaults;
}

/** The param a setting's value comes from: `name` or `string(name)`. */
function paramOf(expression: string): string | undefined {
  return /^(?:string\((\w+)\)|(\w+))$/.exec(expression)?.slice(1).find(Boolean);
}

const appSettings = bicepAppSettings(MAIN_BICEP);
const paramDefaults = bicepParamDefaults(MAIN_BICEP);
// The least the code accepts: identity-based storage, as Azure has it.
const BASE = {
  AzureWebJobsStorage__queueServiceUri: 'https://staitm.queue.core.windows.net/',
  AzureWebJobsStorage__tableServiceUri: 'https://staitm.table.core.windows.net/',
};

describe('Bicep app settings agree with shared/config.ts', () => {
  test('every setting the code reads is an app setting, or is listed with the reason it is not', () => {
    const missing = SETTING_NAMES.filter((name) => !appSettings.has(name) && !(name in NOT_IN_AZURE));
    expect(missing).toEqual([]);
    const both = SETTING_NAMES.filter((name) => appSettings.has(name) && name in NOT_IN_AZURE);
    expect(both).toEqual([]);
  });

  test('every app setting is one the code reads or one the host needs', () => {
    const unknown = [...appSettings.keys()].filter((name) => !SETTING_NAMES.includes(name) && !(name in HOST_ONLY));
    expect(unknown).toEqual([]);
  });

  test('the exception lists hold no stale names', () => {
    expect(Object.keys(NOT_IN_AZURE).filter((name) => !SETTING_NAMES.includes(name))).toEqual([]);
    expect(Object.keys(HOST_ONLY).filter((name) => SETTING_NAMES.includes(name) || !appSettings.has(name))).toEqual([]);
  });

  test('each Bicep default means what the code default means', () => {
    const codeDefaults = parseConfig(BASE);
    const checked: string[] = [];
    for (const [name, expression] of appSettings) {
      const param = paramOf(expression);
      if (!param || !SETTING_NAMES.includes(name)) continue;
      const value = paramDefaults.get(param);
      if (value === undefined) throw new Error(`${name} comes from param ${param}, which has no literal default`);
      checked.push(name);
      const deliberate = DELIBERATE_DEFAULTS[name];
      if (deliberate) {
        expect({ name, value }).toEqual({ name, value: deliberate.value });
        continue;
      }
      // An empty value is left out of the app (function-app.bicep), which is what "unset" means to the code.
      const env = value === '' ? BASE : { ...BASE, [name]: value };
      expect({ name, config: parseConfig(env) }).toEqual({ name, config: codeDefaults });
    }
    // The tunable settings really are checked, not skipped by a parsing slip.
    expect(checked).toEqual(
      expect.arrayContaining(['GRAPH_BASE_URL', 'GRAPH_RETRY_BUDGET_MS', 'MAX_ALERT_BYTES', 'BLAST_RADIUS_MAX', 'CONTAINMENT_MODE']),
    );
  });

  test('the storage settings Azure gets satisfy the code without a connection string', () => {
    const config = parseConfig({
      ...BASE,
      AzureWebJobsStorage__clientId: '00000000-0000-0000-0000-000000000001',
      AzureWebJobsStorage__credential: 'managedidentity',
    });
    expect(config.storage).toEqual({
      kind: 'identity',
      queueServiceUri: BASE.AzureWebJobsStorage__queueServiceUri,
      tableServiceUri: BASE.AzureWebJobsStorage__tableServiceUri,
      clientId: '00000000-0000-0000-0000-000000000001',
    });
    expect(appSettings.get('GRAPH_AUTH')).toBe("'managed-identity'");
  });

  test('caller-token settings are set all together or not at all', () => {
    // The code refuses a partial set, so the tenant and the allowed callers follow the audience.
    expect(appSettings.get('WEBHOOK_AUDIENCE')).toBe('webhookAudience');
    expect(appSettings.get('WEBHOOK_TENANT_ID')).toMatch(/^tokensEnabled \? tenant\(\)\.tenantId : ''$/);
    expect(appSettings.get('WEBHOOK_ALLOWED_CALLERS')).toMatch(/^tokensEnabled \? .*callerIdentity\.properties\.principalId/);
    expect(MAIN_BICEP).toMatch(/^var tokensEnabled = !empty\(webhookAudience\)$/m);
  });

  test('azd passes each setting under its own name, with the same default', () => {
    const parameters = JSON.parse(fs.readFileSync(path.join(ROOT, 'infra/main.parameters.json'), 'utf8')) as {
      parameters: Record<string, { value: string }>;
    };
    const settingOfParam = new Map([...appSettings].map(([name, expression]) => [paramOf(expression), name] as const));
    for (const [param, { value }] of Object.entries(parameters.parameters)) {
      expect(MAIN_BICEP).toMatch(new RegExp(`^param ${param} `, 'm'));
      const setting = settingOfParam.get(param);
      if (!setting) continue;
      const match = /^\$\{(\w+)(?:=(.*))?\}$/.exec(value);
      expect({ param, variable: match?.[1] }).toEqual({ param, variable: setting });
      expect({ param, default: match?.[2] ?? '' }).toEqual({ param, default: paramDefaults.get(param) ?? '' });
    }
  });

  test('the README documents every setting', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const deploy = readme.slice(readme.indexOf('\n## Deploy to Azure'));
    expect(deploy.length).toBeGreaterThan(100);
    expect(SETTING_NAMES.filter((name) => !deploy.includes(`\`${name}\``))).toEqual([]);
  });
});
