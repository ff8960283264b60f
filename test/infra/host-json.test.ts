// host.json as Azure reads it: the per-incident log lines (`containment`, `approved`, the poison
// handlers' lines...) must reach Application Insights every time, not a sample of them. The code writes
// them with context.info / warn / error; the Node worker hands them to the Functions host, which logs
// them under the category `Function.<name>.User` and Application Insights stores them as traces
// (telemetry type `Trace`). Two host.json knobs can drop them: adaptive sampling
// (logging.applicationInsights.samplingSettings: every type not in excludedTypes is sampled once the
// app passes maxTelemetryItemsPerSecond) and the log level of their category. The file is read with the
// local host's reader (dev/host), so what is checked is what the local host serves too.
import fs from 'node:fs';
import path from 'node:path';
import { readHostJson } from '../../dev/host';

const FUNCTIONS = path.resolve(__dirname, '../../functions');

/** Names of the functions functions/*.ts register (read from source: importing them is slow and noisy). */
function functionNames(): string[] {
  return fs
    .readdirSync(FUNCTIONS)
    .filter((file) => file.endsWith('.ts'))
    .flatMap((file) =>
      [
        ...fs.readFileSync(path.join(FUNCTIONS, file), 'utf8').matchAll(/registerFunction\(\{\s*kind: '(?:http|queue)',\s*name: '(\w+)'/g),
      ].map((match) => match[1]),
    );
}

/** The telemetry types Application Insights knows for sampling (host.json reference). */
const TELEMETRY_TYPES = ['Dependency', 'Event', 'Exception', 'PageView', 'Request', 'Trace'] as const;

interface SamplingSettings {
  isEnabled?: boolean;
  excludedTypes?: string;
  includedTypes?: string;
}

const typeList = (value: string | undefined): string[] =>
  (value ?? '')
    .split(';')
    .map((type) => type.trim().toLowerCase())
    .filter(Boolean);

/** Types adaptive sampling may drop, per the host's rules: on by default; excluded wins over included. */
function sampledTypes(settings: SamplingSettings | undefined): string[] {
  if (settings?.isEnabled === false) return [];
  const included = typeList(settings?.includedTypes);
  const excluded = typeList(settings?.excludedTypes);
  return TELEMETRY_TYPES.filter(
    (type) => (included.length === 0 || included.includes(type.toLowerCase())) && !excluded.includes(type.toLowerCase()),
  );
}

const LEVELS = ['trace', 'debug', 'information', 'warning', 'error', 'critical', 'none'];

/** The minimum level logged for a category: the longest matching prefix in logging.logLevel, else default. */
function levelOf(logLevel: Record<string, string>, category: string): string {
  const match = Object.keys(logLevel)
    .filter((prefix) => prefix !== 'default' && (category === prefix || category.startsWith(`${prefix}.`)))
    .sort((a, b) => b.length - a.length)[0];
  return (logLevel[match ?? 'default'] ?? 'Information').toLowerCase();
}

describe('host.json keeps every containment record', () => {
  const hostJson = readHostJson();
  const logging = (hostJson.logging ?? {}) as {
    logLevel?: Record<string, string>;
    applicationInsights?: { samplingSettings?: SamplingSettings };
  };

  test("traces (the code's log lines), requests (each invocation) and exceptions are never sampled", () => {
    const sampled = sampledTypes(logging.applicationInsights?.samplingSettings);
    expect(sampled).not.toContain('Trace');
    expect(sampled).not.toContain('Request');
    expect(sampled).not.toContain('Exception');
    // Sampling stays on for the rest (dependencies: every Graph and storage call), which is what it is for.
    expect(sampled).toContain('Dependency');
  });

  test("every function's own log lines are logged at Information and above", () => {
    const names = functionNames();
    expect(names).toEqual(expect.arrayContaining(['contain', 'approveIncident', 'diagnosePoison']));
    for (const name of names) {
      const level = levelOf(logging.logLevel ?? {}, `Function.${name}.User`);
      expect({ name, informationLogged: LEVELS.indexOf(level) <= LEVELS.indexOf('information') }).toEqual({
        name,
        informationLogged: true,
      });
    }
  });

  test('the sampling rules themselves: absent settings sample everything, excluded types are not sampled', () => {
    expect(sampledTypes(undefined)).toEqual([...TELEMETRY_TYPES]);
    expect(sampledTypes({ excludedTypes: 'Request;Exception' })).toContain('Trace');
    expect(sampledTypes({ excludedTypes: ' trace ; request' })).not.toContain('Trace');
    expect(sampledTypes({ isEnabled: false })).toEqual([]);
    expect(levelOf({ default: 'Information', Function: 'Warning', 'Function.contain.User': 'Information' }, 'Function.contain.User')).toBe(
      'information',
    );
    expect(levelOf({ default: 'Information', Function: 'Warning' }, 'Function.contain.User')).toBe('warning');
  });
});
