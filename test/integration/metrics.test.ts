// Custom metrics end to end: containments through the local host are exported by @azure/monitor-opentelemetry
// over real HTTPS to the simulator's Application Insights ingestion stand-in (/v2.1/track), flushed on demand;
// the envelopes carry the metric names, values and dimensions the README's KQL reads. Without a connection
// string the SDK is never loaded.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LOCAL_WEBHOOK_AUDIENCE, simulatorTokenSettings, startLocalStack, type LocalStack } from '../../dev/stack';
import { startTenantSimulator, type TelemetryEnvelope, type TenantSimulator } from '../../dev/simulator';
import { getServices } from '../../shared/services';
import { manualAlert, request, type ContainBody } from '../support/http';
import { bearer, readerToken } from '../support/tokens';

const FUNCTION_KEY = 'metrics-test-key-0123456789abcdef';
const ROOT = path.resolve(__dirname, '../..');
const sample = readFileSync(path.join(ROOT, 'samples/alerts/sentinel-incident.json'), 'utf8');
const RAISED_AT = '2026-11-27T17:40:03Z'; // the sample's createdTimeUtc
const headers = { 'content-type': 'application/json', 'x-functions-key': FUNCTION_KEY };

let simulator: TenantSimulator;
let stack: LocalStack;

beforeAll(async () => {
  simulator = await startTenantSimulator({ campaign: true });
  stack = await startLocalStack({
    functionKey: FUNCTION_KEY,
    settings: {
      GRAPH_BASE_URL: simulator.baseUrl,
      GRAPH_AUTH: 'none',
      ...simulatorTokenSettings(simulator),
      APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=0b8c3a1e-6f2d-4c7b-9e4a-1d2c3b4a5f60;IngestionEndpoint=${simulator.ingestionEndpoint}/`,
      TELEMETRY_CA_FILE: simulator.logAnalyticsCaFile,
    },
  });
}, 120_000);

afterAll(async () => {
  // The SDK's global providers (its export timer, its sockets) belong to this process, not to the stack.
  await (await import('@azure/monitor-opentelemetry')).shutdownAzureMonitor();
  await stack?.stop();
  await simulator?.stop();
});

interface MetricPoint {
  name: string;
  value: number;
  count?: number;
  properties: Record<string, string>;
}

/** Every metric data point the exporter sent: Breeze MetricData, one metric per envelope, dimensions in properties. */
function points(envelopes: readonly TelemetryEnvelope[]): MetricPoint[] {
  return envelopes.flatMap((envelope) => {
    if (envelope.data?.baseType !== 'MetricData') return [];
    const baseData = envelope.data.baseData as {
      metrics: Array<{ name: string; value: number; count?: number }>;
      properties?: Record<string, string>;
    };
    return baseData.metrics.map((metric) => ({ ...metric, properties: baseData.properties ?? {} }));
  });
}

it('exports time to contain (from the alert and from receipt) and the outcome of each incident', async () => {
  const contained = await request<ContainBody>(`${stack.baseUrl}/api/contain`, { method: 'POST', headers, body: sample });
  expect(contained.json.incidents[0].state).toBe('contained');
  const incident = contained.json.incidents[0];
  const detail = await request<{ createdAt: string; t0: string }>(`${stack.baseUrl}/api/incidents/${incident.id}`, {
    headers: bearer(await readerToken({ simulatorUrl: simulator.baseUrl, audience: LOCAL_WEBHOOK_AUDIENCE })),
  });
  expect(detail.status).toBe(200);
  const protectedOne = await request<ContainBody>(`${stack.baseUrl}/api/contain`, {
    method: 'POST',
    headers,
    body: manualAlert('bg-admin-01@wingtip-lab.example', 'metrics-protected'),
  });
  expect(protectedOne.json.incidents[0].state).toBe('skipped_protected');
  // A redelivery is not another containment.
  await request<ContainBody>(`${stack.baseUrl}/api/contain`, { method: 'POST', headers, body: sample });

  await getServices().metrics.flush();

  const all = points(simulator.telemetry);
  const fromReceipt = all.filter((p) => p.name === 'aitm.time_to_contain' && p.properties.measured_from === 'receipt');
  const fromAlert = all.filter((p) => p.name === 'aitm.time_to_contain' && p.properties.measured_from === 'alert');
  expect(fromReceipt).toHaveLength(1);
  expect(fromAlert).toHaveLength(1);
  expect(fromReceipt[0]).toMatchObject({ count: 1, properties: { source: 'sentinel-incident', severity: 'high' } });
  expect(fromAlert[0].count).toBe(1);
  const t0 = incident.t0!;
  expect(fromAlert[0].value).toBeCloseTo((Date.parse(t0) - Date.parse(RAISED_AT)) / 1000, 3);
  expect(fromReceipt[0].value).toBeCloseTo((Date.parse(t0) - Date.parse(detail.json.createdAt)) / 1000, 3);
  expect(fromReceipt[0].value).toBeGreaterThanOrEqual(0);
  expect(fromReceipt[0].value).toBeLessThan(60);

  const outcomes = all
    .filter((p) => p.name === 'aitm.incidents')
    .map((p) => ({ outcome: p.properties.outcome, source: p.properties.source, mode: p.properties.mode, value: p.value }))
    .sort((a, b) => a.outcome.localeCompare(b.outcome));
  expect(outcomes).toEqual([
    { outcome: 'contained', source: 'sentinel-incident', mode: 'enforce', value: 1 },
    { outcome: 'skipped_protected', source: 'manual', mode: 'enforce', value: 1 },
  ]);
  // What the exporter sends is addressed to the connection string's resource.
  expect(new Set(simulator.telemetry.map((e) => e.iKey))).toEqual(new Set(['0b8c3a1e-6f2d-4c7b-9e4a-1d2c3b4a5f60']));
}, 120_000);

it('does not load the monitor SDK when no connection string is set', () => {
  const script = [
    "require('./scripts/register-ts');",
    "const { buildServices } = require('./shared/services');",
    "const { parseConfig } = require('./shared/config');",
    "const services = buildServices(parseConfig({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' }));",
    'services.metrics.contained({ id: "x", state: "contained", source: "manual", severity: "high", mode: "enforce", createdAt: "2026-01-01T00:00:00Z", t0: "2026-01-01T00:00:01Z" });',
    'setImmediate(() => console.log(JSON.stringify(Object.keys(require.cache).filter((k) => /monitor-opentelemetry|@opentelemetry/.test(k)).length)));',
  ].join('\n');
  const loaded = execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' }).trim();
  expect(loaded).toBe('0');
});
