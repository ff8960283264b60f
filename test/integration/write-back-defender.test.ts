// WRITE_BACK=defender end to end: a Defender XDR alert (Graph security alert v2) posted to the local host is
// contained, and the queued write-back function comments on it through Graph
// (POST /security/alerts_v2/{id}/comments) on the tenant simulator. A retry after a lost answer finds its
// own comment and posts nothing.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startLocalStack, type LocalStack } from '../../dev/stack';
import type { TenantSimulator } from '../../dev/simulator';
import { parseConfig } from '../../shared/config';
import { DefenderComments } from '../../shared/graph/alert-comments';
import { createGraphClient } from '../../shared/graph/client';
import { commentIdFor, commentText, writeBack } from '../../shared/runbook/write-back';
import type { TableIncidentStore } from '../../shared/store/table-incident-store';
import { request, type ContainBody } from '../support/http';
import { incidentStore } from '../support/incident-store';
import { storedIncident, timelineEvent } from '../support/write-back';

const FUNCTION_KEY = 'write-back-defender-test-key-0123';
const sample = readFileSync(path.join(__dirname, '../../samples/alerts/defender-alert-v2.json'), 'utf8');
const ALERT_ID = (JSON.parse(sample) as { id: string }).id;
const headers = { 'content-type': 'application/json', 'x-functions-key': FUNCTION_KEY };

let stack: LocalStack;
let simulator: TenantSimulator;
let store: TableIncidentStore;
let comments: DefenderComments;

beforeAll(async () => {
  stack = await startLocalStack({ functionKey: FUNCTION_KEY, settings: { WRITE_BACK: 'defender' } });
  simulator = stack.simulator!;
  store = incidentStore(stack.storageConnectionString);
  const config = parseConfig({ AzureWebJobsStorage: stack.storageConnectionString, GRAPH_BASE_URL: simulator.baseUrl, GRAPH_AUTH: 'none' });
  comments = new DefenderComments(createGraphClient(config.graph));
});

afterAll(async () => {
  await stack?.stop();
});

it('comments on the source Defender alert through Graph at T0', async () => {
  const response = await request<ContainBody>(`${stack.baseUrl}/api/contain`, { method: 'POST', headers, body: sample });
  expect(response.status).toBe(200);
  const incident = response.json.incidents[0];
  expect(incident.state).toBe('contained');
  const written = await timelineEvent(stack, incident.id, 'write_back_written', 'T0');
  const posts = simulator.requestLog.filter(
    (entry) =>
      entry.method === 'POST' &&
      entry.path === `/v1.0/security/alerts_v2/${ALERT_ID}/comments` &&
      (entry.body as { comment: string }).comment.includes(`[aitm-contain ${incident.id} T0 `),
  );
  expect(posts).toHaveLength(1);
  expect(posts[0].body).toMatchObject({ '@odata.type': 'microsoft.graph.security.alertComment' });
  expect((posts[0].body as { comment: string }).comment).toContain('contained avery.chen@wingtip-lab.example');
  expect(written.detail).toMatchObject({ target: 'Microsoft Defender XDR', status: 200, requestId: posts[0].requestId });
  const stored = simulator.tenant.security.alertComments.get(ALERT_ID)!;
  expect(stored.filter((c) => c.comment.includes(`[aitm-contain ${incident.id} T0 `))).toHaveLength(1);
}, 60_000);

it('finds the comment an earlier attempt posted (its answer lost) and posts nothing', async () => {
  const incident = await storedIncident(store, {
    id: '01JDZ0000000000000000WBD01',
    source: 'defender-incident',
    alertKey: 'defender-incident:7731',
    alertId: 'Defender incident 7731',
    origin: { defenderIncident: '7731' },
    state: 'eradicated',
    t1: new Date().toISOString(),
  });
  const target = comments.target(incident.origin)!;
  expect(target).toBe('/security/incidents/7731');
  await comments.comment(target, commentIdFor(incident.id, 'T1'), commentText(incident, 'T1'));
  const deps = { store, comments, clock: { now: () => new Date() } };
  const result = await writeBack({ version: 1, incidentId: incident.id, mark: 'T1' }, deps, { invocationId: 'x', finalAttempt: false });
  expect(result).toMatchObject({ outcome: 'written', receipt: { alreadyPresent: true } });
  expect(
    simulator.tenant.security.incidentComments.get('7731')!.filter((c) => c.comment.includes(`[aitm-contain ${incident.id} T1 `)),
  ).toHaveLength(1);
  const event = (await store.timeline(incident.id)).find((e) => e.kind === 'write_back_written');
  expect(event?.summary).toBe('Microsoft Defender XDR comment (T1 eradicated) was already there');
});

it('records a Graph 404 for an alert Defender does not know, with the request id', async () => {
  const incident = await storedIncident(store, {
    id: '01JDZ0000000000000000WBD02',
    source: 'defender-alert',
    alertKey: 'defender-alert:unknown',
    alertId: 'da-unknown',
    origin: { defenderAlert: 'da-not-seeded-0001' },
  });
  const deps = { store, comments, clock: { now: () => new Date() } };
  const result = await writeBack({ version: 1, incidentId: incident.id, mark: 'T0' }, deps, { invocationId: 'y', finalAttempt: false });
  expect(result.outcome).toBe('failed');
  const [read] = simulator.requestLog.filter((entry) => entry.path === '/v1.0/security/alerts_v2/da-not-seeded-0001');
  const failed = (await store.timeline(incident.id)).find((e) => e.kind === 'write_back_failed');
  expect(failed?.detail).toMatchObject({ service: 'graph', status: 404, code: 'NotFound', requestId: read.requestId });
});
