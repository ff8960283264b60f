// WRITE_BACK=sentinel end to end: a Sentinel incident posted to the local host is contained, and the queued
// write-back function comments on the source incident through the simulator's Sentinel REST stand-in
// (ARM PUT .../incidents/{id}/comments/{commentId}) at T0 and when diagnosis completes, off the hot path;
// retries, refusals and redeliveries go through the real adapter and the incident store in Azurite.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startLocalStack, type LocalStack } from '../../dev/stack';
import type { RequestLogEntry, TenantSimulator } from '../../dev/simulator';
import { commentIdFor, writeBack } from '../../shared/runbook/write-back';
import { SentinelIncidentComments, SENTINEL_API_VERSION } from '../../shared/sentinel/incident-comments';
import type { Incident } from '../../shared/runbook/incident';
import type { TableIncidentStore } from '../../shared/store/table-incident-store';
import { manualAlert, request, type ContainBody } from '../support/http';
import { incidentStore } from '../support/incident-store';
import { storedIncident, timelineEvent } from '../support/write-back';

const FUNCTION_KEY = 'write-back-sentinel-test-key-0123';
const PUBLIC_BASE_URL = 'https://aitm-contain.example.test';
const sample = readFileSync(path.join(__dirname, '../../samples/alerts/sentinel-incident.json'), 'utf8');
const SENTINEL_INCIDENT = (JSON.parse(sample) as { object: { id: string } }).object.id;
const headers = { 'content-type': 'application/json', 'x-functions-key': FUNCTION_KEY };

let stack: LocalStack;
let simulator: TenantSimulator;
let store: TableIncidentStore;

beforeAll(async () => {
  stack = await startLocalStack({
    functionKey: FUNCTION_KEY,
    settings: { WRITE_BACK: 'sentinel', PUBLIC_BASE_URL, GRAPH_RETRY_BUDGET_MS: '3000', GRAPH_TIMEOUT_MS: '2000' },
  });
  simulator = stack.simulator!;
  store = incidentStore(stack.storageConnectionString);
});

afterAll(async () => {
  await stack?.stop();
});

beforeEach(() => simulator.clearFaults());

function sentinel(baseUrl = stack.simulator!.baseUrl): SentinelIncidentComments {
  return new SentinelIncidentComments({ baseUrl, budgetMs: 5_000, attemptTimeoutMs: 2_000, sleep: () => Promise.resolve() }, undefined);
}

function commentPuts(incidentResourceId: string): RequestLogEntry[] {
  return simulator.requestLog.filter(
    (entry) => entry.method === 'PUT' && entry.path.toLowerCase().startsWith(`${incidentResourceId.toLowerCase()}/comments/`),
  );
}

/** A contained incident from the Sentinel incident, for the cases that call writeBack directly. */
function containedFromSentinel(id: string): Promise<Incident> {
  return storedIncident(store, {
    id,
    source: 'sentinel-incident',
    alertKey: `sentinel-incident:${id.toLowerCase()}`,
    alertId: id,
    origin: { sentinelIncident: SENTINEL_INCIDENT },
  });
}

it('comments on the source Sentinel incident at T0 and when diagnosis completes, with the console link', async () => {
  const response = await request<ContainBody>(`${stack.baseUrl}/api/contain`, { method: 'POST', headers, body: sample });
  expect(response.status).toBe(200);
  const incident = response.json.incidents[0];
  expect(incident.state).toBe('contained');

  const t0 = await timelineEvent(stack, incident.id, 'write_back_written', 'T0');
  const [put] = commentPuts(SENTINEL_INCIDENT).filter((entry) => entry.path.endsWith(commentIdFor(incident.id, 'T0')));
  expect(put).toBeDefined();
  expect(put.query).toBe(`api-version=${SENTINEL_API_VERSION}`);
  expect(put.status).toBe(201);
  const message = (put.body as { properties: { message: string } }).properties.message;
  expect(message).toContain('contained avery.chen@wingtip-lab.example');
  expect(message).toContain('revokeSessions');
  expect(message).toContain(`${PUBLIC_BASE_URL}/api/console#/incidents/${incident.id}`);
  expect(message).not.toMatch(/bearer|eyJ|x-functions-key|password/i);
  expect(message).not.toContain(FUNCTION_KEY);
  expect(t0.detail).toMatchObject({
    target: 'Microsoft Sentinel',
    status: 201,
    requestId: put.requestId,
    commentId: commentIdFor(incident.id, 'T0'),
  });

  const diagnosed = await timelineEvent(stack, incident.id, 'write_back_written', 'diagnosed', 60_000);
  const comments = simulator.tenant.security.sentinelIncident(SENTINEL_INCIDENT)!;
  const summary = comments.get(commentIdFor(incident.id, 'diagnosed'))!;
  expect(summary.message).toMatch(/diagnosis complete for avery\.chen@wingtip-lab\.example: \d+ suspicious/);
  expect(summary.message).toContain(`${PUBLIC_BASE_URL}/api/console#/incidents/${incident.id}`);
  expect(diagnosed.detail).toMatchObject({ status: 201 });
}, 90_000);

it('records "not written: no source id" when the alert named no Sentinel incident, and sends nothing', async () => {
  const before = simulator.requestLog.filter((entry) => entry.path.startsWith('/subscriptions/')).length;
  const response = await request<ContainBody>(`${stack.baseUrl}/api/contain`, {
    method: 'POST',
    headers,
    body: manualAlert('blake.morris@wingtip-lab.example', 'write-back-no-source'),
  });
  expect(response.status).toBe(200);
  const skipped = await timelineEvent(stack, response.json.incidents[0].id, 'write_back_skipped', 'T0');
  expect(skipped.summary).toBe('Microsoft Sentinel comment (T0 contained) not written: no source id');
  expect(simulator.requestLog.filter((entry) => entry.path.startsWith('/subscriptions/')).length).toBe(before);
}, 60_000);

it('retries a throttled comment and writes it once', async () => {
  const incident = await containedFromSentinel('01JDZ0000000000000000WB001');
  simulator.addFault({ method: 'PUT', path: /\/comments\//i, status: 429, retryAfterSeconds: 0, times: 1 });
  const result = await writeBack(
    { version: 1, incidentId: incident.id, mark: 'T0' },
    { store, comments: sentinel(), clock: { now: () => new Date() } },
    {
      invocationId: 'test',
      finalAttempt: false,
    },
  );
  expect(result.outcome).toBe('written');
  const puts = commentPuts(SENTINEL_INCIDENT).filter((entry) => entry.path.endsWith(commentIdFor(incident.id, 'T0')));
  expect(puts.map((entry) => entry.status)).toEqual([429, 201]);
  expect(simulator.tenant.security.sentinelIncident(SENTINEL_INCIDENT)!.get(commentIdFor(incident.id, 'T0'))?.writes).toBe(1);
});

it('a redelivery after the comment was recorded sends nothing; one after a lost answer updates the same comment', async () => {
  const incident = await containedFromSentinel('01JDZ0000000000000000WB002');
  const id = commentIdFor(incident.id, 'T1');
  // The earlier attempt's PUT landed, but its answer (and so the timeline record) was lost.
  await sentinel().comment(SENTINEL_INCIDENT, id, 'earlier attempt');
  const deps = { store, comments: sentinel(), clock: { now: () => new Date() } };
  const first = await writeBack({ version: 1, incidentId: incident.id, mark: 'T1' }, deps, { invocationId: 'a', finalAttempt: false });
  expect(first).toMatchObject({ outcome: 'written', receipt: { status: 200 } });
  const again = await writeBack({ version: 1, incidentId: incident.id, mark: 'T1' }, deps, { invocationId: 'b', finalAttempt: false });
  expect(again.outcome).toBe('already_written');
  const comments = [...simulator.tenant.security.sentinelIncident(SENTINEL_INCIDENT)!.values()].filter((c) => c.id === id);
  expect(comments).toHaveLength(1);
  expect(comments[0].writes).toBe(2);
  expect(commentPuts(SENTINEL_INCIDENT).filter((entry) => entry.path.endsWith(id))).toHaveLength(2);
});

it('records a refusal with the service, status, code and request id, and what the app lacks', async () => {
  const incident = await containedFromSentinel('01JDZ0000000000000000WB003');
  simulator.addFault({ method: 'PUT', path: /\/comments\//i, status: 403, code: 'AuthorizationFailed' });
  const deps = { store, comments: sentinel(), clock: { now: () => new Date() } };
  const result = await writeBack({ version: 1, incidentId: incident.id, mark: 'T3' }, deps, { invocationId: 'c', finalAttempt: false });
  expect(result.outcome).toBe('failed');
  const [put] = commentPuts(SENTINEL_INCIDENT).filter((entry) => entry.path.endsWith(commentIdFor(incident.id, 'T3')));
  const failed = (await store.timeline(incident.id)).find((event) => event.kind === 'write_back_failed');
  expect(failed?.summary).toBe(
    'Microsoft Sentinel comment (T3 recovered) failed: Microsoft Sentinel 403 AuthorizationFailed; the app needs Microsoft Sentinel Responder on the workspace',
  );
  expect(failed?.detail).toMatchObject({
    service: 'sentinel',
    status: 403,
    code: 'AuthorizationFailed',
    requestId: put.requestId,
    mark: 'T3',
  });
});

it('hands a transient failure back to the queue until the last attempt, which records it', async () => {
  const incident = await containedFromSentinel('01JDZ0000000000000000WB004');
  simulator.addFault({ method: 'PUT', path: /\/comments\//i, status: 503 });
  const deps = { store, comments: sentinel(), clock: { now: () => new Date() } };
  const message = { version: 1 as const, incidentId: incident.id, mark: 'diagnosed' as const };
  await expect(writeBack(message, deps, { invocationId: 'd', finalAttempt: false })).rejects.toThrow(
    /write-back failed transiently \(Microsoft Sentinel 503/,
  );
  expect((await store.timeline(incident.id)).filter((event) => event.kind.startsWith('write_back'))).toEqual([]);
  const last = await writeBack(message, deps, { invocationId: 'e', finalAttempt: true });
  expect(last.outcome).toBe('failed');
  const failed = (await store.timeline(incident.id)).find((event) => event.kind === 'write_back_failed');
  expect(failed?.detail).toMatchObject({ service: 'sentinel', status: 503 });
});
