// POST /api/contain end to end: real HTTP into the local host, Graph over HTTP to the tenant simulator,
// Table and Queue Storage in Azurite.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TableClient } from '@azure/data-tables';
import { startLocalStack, type LocalStack } from '../../dev/stack';
import { isGraphWrite } from '../support/http';
import { bearer, readerToken } from '../support/tokens';
import type { TenantSimulator } from '../../dev/simulator';

const FUNCTION_KEY = 'integration-test-key-0123456789';
const VICTIM_UPN = 'avery.chen@wingtip-lab.example';
const sentinelSample = readFileSync(path.join(__dirname, '../../samples/alerts/sentinel-incident.json'), 'utf8');

interface ActionBody {
  action: string;
  result: string;
  httpStatus?: number;
  graphCode?: string;
  requestId?: string;
  transient?: boolean;
  attempts: number;
}
interface IncidentBody {
  id: string;
  state: string;
  t0?: string;
  replayed: boolean;
  reason?: string;
  followUpsQueuedAt?: string;
  actions: ActionBody[];
}
interface ContainBody {
  incidents: IncidentBody[];
  errors?: Array<{ message: string }>;
  error?: { code: string; message: string; missing?: string };
}

let stack: LocalStack;
let simulator: TenantSimulator;
const hostLog: string[] = [];

async function post(
  body: string,
  headers: Record<string, string> = { 'content-type': 'application/json', 'x-functions-key': FUNCTION_KEY },
) {
  const response = await fetch(`${stack.baseUrl}/api/contain`, { method: 'POST', headers, body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: (text ? JSON.parse(text) : {}) as ContainBody };
}

function manualAlert(user: string, alertId: string): string {
  return JSON.stringify({ user, alertId, severity: 'High', sourceIp: '198.51.100.23' });
}

/** Graph writes addressed to the user, by object id (where containment sends them) or by UPN. */
function writesFor(userId: string) {
  const user = simulator.tenant.findUser(userId);
  const names = user ? [user.id, user.userPrincipalName, encodeURIComponent(user.userPrincipalName)] : [userId];
  const targets = names.map((name) => `/users/${name.toLowerCase()}`);
  return simulator.requestLog.filter((entry) => {
    const path = entry.path.toLowerCase();
    return isGraphWrite(entry) && targets.some((target) => path.endsWith(target) || path.includes(`${target}/`));
  });
}

async function countRows(table: string): Promise<number> {
  const client = TableClient.fromConnectionString(stack.storageConnectionString, table, { allowInsecureConnection: true });
  let count = 0;
  try {
    for await (const entity of client.listEntities()) {
      if (entity) count++;
    }
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return 0;
    throw error;
  }
  return count;
}

beforeAll(async () => {
  stack = await startLocalStack({
    functionKey: FUNCTION_KEY,
    settings: { GRAPH_RETRY_BUDGET_MS: '3000', GRAPH_TIMEOUT_MS: '1000' },
    log: (line) => hostLog.push(line),
  });
  simulator = stack.simulator!;
});

afterAll(async () => {
  await stack?.stop();
});

beforeEach(() => {
  simulator.clearFaults();
  simulator.setLatency(0);
});

describe('POST /api/contain', () => {
  let firstIncident: IncidentBody;

  it('contains the Sentinel sample: revoke and disable in parallel, T0 recorded, follow-ups queued', async () => {
    simulator.setLatency(300);
    const response = await post(sentinelSample);
    expect(response.status).toBe(200);
    expect(response.json.incidents).toHaveLength(1);
    const incident = response.json.incidents[0];
    firstIncident = incident;
    expect(incident.state).toBe('contained');
    expect(incident.replayed).toBe(false);
    expect(incident.t0).toEqual(expect.any(String));
    expect(incident.followUpsQueuedAt).toEqual(expect.any(String));

    const victim = simulator.tenant.findUser(VICTIM_UPN)!;
    expect(victim.accountEnabled).toBe(false);
    expect(victim.revokeCount).toBe(1);

    const writes = writesFor(victim.id);
    const revoke = writes.filter((entry) => entry.method === 'POST' && entry.path.endsWith('/revokeSignInSessions'));
    const disable = writes.filter((entry) => entry.method === 'PATCH');
    expect(revoke).toHaveLength(1);
    expect(disable).toHaveLength(1);
    expect(disable[0].body).toEqual({ accountEnabled: false });
    // In parallel: each request arrived before the other was answered.
    expect(revoke[0].receivedAt < disable[0].finishedAt && disable[0].receivedAt < revoke[0].finishedAt).toBe(true);

    const byAction = Object.fromEntries(incident.actions.map((action) => [action.action, action]));
    expect(byAction.revokeSessions).toMatchObject({ result: 'succeeded', httpStatus: 200, requestId: revoke[0].requestId });
    expect(byAction.disableAccount).toMatchObject({ result: 'succeeded', httpStatus: 204, requestId: disable[0].requestId });
  });

  it('records the incident and its timeline, and the queued phases receive their messages', async () => {
    await stack.host.drainQueues(15_000);
    const response = await fetch(`${stack.baseUrl}/api/incidents/${firstIncident.id}`, { headers: bearer(await readerToken(stack)) });
    expect(response.status).toBe(200);
    const detail = (await response.json()) as { state: string; timeline: Array<{ kind: string; mark?: string; at: string }> };
    // The queued diagnosis (Phase 2) moved the contained incident on to diagnosed.
    expect(detail.state).toBe('diagnosed');
    const kinds = detail.timeline.map((event) => event.kind);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'alert_received',
        'revokeSessions_succeeded',
        'disableAccount_succeeded',
        'contained',
        'follow_ups_queued',
        'diagnosed',
        'hunt_completed',
      ]),
    );
    expect(detail.timeline.find((event) => event.kind === 'contained')).toMatchObject({ mark: 'T0', at: firstIncident.t0 });
  });

  it('a redelivery returns the same incident and sends no Graph write', async () => {
    simulator.clearRequestLog();
    const response = await post(sentinelSample);
    expect(response.status).toBe(200);
    expect(response.json.incidents[0]).toMatchObject({ id: firstIncident.id, state: 'diagnosed', replayed: true });
    expect(simulator.requestLog.filter(isGraphWrite)).toHaveLength(0);
  });

  it('twenty concurrent deliveries of one alert make exactly one containment', async () => {
    const user = simulator.addUser({ userPrincipalName: 'concurrent.user@wingtip-lab.example' });
    simulator.setLatency(100);
    const body = manualAlert(user.userPrincipalName, 'concurrent-001');
    const responses = await Promise.all(Array.from({ length: 20 }, () => post(body)));
    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(200));
    const ids = new Set(responses.map((response) => response.json.incidents[0].id));
    expect(ids.size).toBe(1);
    expect(responses.filter((response) => !response.json.incidents[0].replayed)).toHaveLength(1);
    const writes = writesFor(user.userPrincipalName);
    expect(writes.filter((entry) => entry.path.endsWith('/revokeSignInSessions'))).toHaveLength(1);
    expect(writes.filter((entry) => entry.method === 'PATCH')).toHaveLength(1);
    expect(user.revokeCount).toBe(1);
  });

  it('revoke refused (403) while disable succeeds: partially_contained, the Graph error kept, no retry invited', async () => {
    const user = simulator.addUser({ userPrincipalName: 'partial.user@wingtip-lab.example' });
    simulator.addFault({ method: 'POST', path: /\/revokeSignInSessions$/, status: 403, code: 'Authorization_RequestDenied' });
    const response = await post(manualAlert(user.userPrincipalName, 'partial-001'));
    expect(response.status).toBe(200);
    const incident = response.json.incidents[0];
    expect(incident.state).toBe('partially_contained');
    const revoke = incident.actions.find((action) => action.action === 'revokeSessions')!;
    expect(revoke).toMatchObject({ result: 'failed', httpStatus: 403, graphCode: 'Authorization_RequestDenied', transient: false });
    expect(revoke.requestId).toEqual(expect.any(String));
    expect(incident.actions.find((action) => action.action === 'disableAccount')).toMatchObject({ result: 'succeeded' });
    expect(incident.reason).toContain('Authorization_RequestDenied');
    expect(incident.t0).toBeUndefined();
    expect(user.accountEnabled).toBe(false);
    expect(user.revokeCount).toBe(0);
  });

  it('Graph unavailable past the retry budget: 503 with Retry-After; the redelivery re-sends only the failed write', async () => {
    const user = simulator.addUser({ userPrincipalName: 'flaky.user@wingtip-lab.example' });
    simulator.addFault({ method: 'POST', path: /\/revokeSignInSessions$/, status: 503 });
    const body = manualAlert(user.userPrincipalName, 'flaky-001');
    const first = await post(body);
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('5');
    expect(first.json.incidents[0]).toMatchObject({ state: 'partially_contained' });
    expect(first.json.incidents[0].actions.find((action) => action.action === 'revokeSessions')).toMatchObject({
      transient: true,
      httpStatus: 503,
    });
    expect(user.accountEnabled).toBe(false);
    const patchesBefore = writesFor(user.userPrincipalName).filter((entry) => entry.method === 'PATCH').length;

    simulator.clearFaults();
    await stack.host.drainQueues(15_000);
    const second = await post(body);
    expect(second.status).toBe(200);
    expect(second.json.incidents[0]).toMatchObject({ id: first.json.incidents[0].id, state: 'contained', replayed: true });
    expect(user.revokeCount).toBe(1);
    expect(writesFor(user.userPrincipalName).filter((entry) => entry.method === 'PATCH')).toHaveLength(patchesBefore);

    // The follow-ups were queued once, by the first delivery; the retry did not queue them again.
    await stack.host.drainQueues(15_000);
    const detail = (await (
      await fetch(`${stack.baseUrl}/api/incidents/${second.json.incidents[0].id}`, { headers: bearer(await readerToken(stack)) })
    ).json()) as {
      timeline: Array<{ kind: string }>;
    };
    expect(
      detail.timeline.filter((event) => /^(diagnosed|diagnosis_completed|diagnosis_partial|diagnosis_deferred)$/.test(event.kind)),
    ).toHaveLength(1);
    expect(detail.timeline.filter((event) => event.kind === 'containment_retry')).toHaveLength(1);
  });

  it('429 with Retry-After is waited out and retried within the budget', async () => {
    const user = simulator.addUser({ userPrincipalName: 'throttled.user@wingtip-lab.example' });
    simulator.addFault({ method: 'POST', path: /\/revokeSignInSessions$/, status: 429, retryAfterSeconds: 1, times: 1 });
    const response = await post(manualAlert(user.userPrincipalName, 'throttled-001'));
    expect(response.status).toBe(200);
    const incident = response.json.incidents[0];
    expect(incident.state).toBe('contained');
    expect(incident.actions.find((action) => action.action === 'revokeSessions')).toMatchObject({ result: 'succeeded', attempts: 2 });
    const revokes = writesFor(user.userPrincipalName).filter((entry) => entry.path.endsWith('/revokeSignInSessions'));
    expect(revokes.map((entry) => entry.status)).toEqual([429, 200]);
    expect(Date.parse(revokes[1].receivedAt) - Date.parse(revokes[0].finishedAt)).toBeGreaterThanOrEqual(900);
  });

  it('a hung Graph call is abandoned at the attempt timeout and retried on a fresh connection', async () => {
    const user = simulator.addUser({ userPrincipalName: 'hung.once@wingtip-lab.example' });
    simulator.addFault({ method: 'PATCH', path: `/v1.0/users/${user.id}`, status: 'hang', times: 1 });
    const response = await post(manualAlert(user.userPrincipalName, 'hung-001'));
    expect(response.status).toBe(200);
    expect(response.json.incidents[0].state).toBe('contained');
    expect(response.json.incidents[0].actions.find((action) => action.action === 'disableAccount')).toMatchObject({
      result: 'succeeded',
      attempts: 2,
    });
    expect(
      writesFor(user.userPrincipalName)
        .filter((entry) => entry.method === 'PATCH')
        .map((entry) => entry.status),
    ).toEqual([0, 204]);
  });

  it('a Graph call that hangs past the budget is recorded as a transient timeout and invites a retry', async () => {
    const user = simulator.addUser({ userPrincipalName: 'hung.always@wingtip-lab.example' });
    simulator.addFault({ method: 'PATCH', path: `/v1.0/users/${user.id}`, status: 'hang' });
    const response = await post(manualAlert(user.userPrincipalName, 'hung-002'));
    expect(response.status).toBe(503);
    expect(response.json.incidents[0].state).toBe('partially_contained');
    expect(response.json.incidents[0].actions.find((action) => action.action === 'disableAccount')).toMatchObject({
      result: 'failed',
      graphCode: 'timeout',
      transient: true,
    });
    expect(user.revokeCount).toBe(1);
    expect(user.accountEnabled).toBe(true);
  });

  it('never touches a protected (break-glass) account', async () => {
    const breakGlass = simulator.tenant.findUser('bg-admin-01@wingtip-lab.example')!;
    simulator.clearRequestLog();
    const response = await post(manualAlert(breakGlass.userPrincipalName, 'bg-001'));
    expect(response.status).toBe(200);
    expect(response.json.incidents[0]).toMatchObject({ state: 'skipped_protected', actions: [] });
    expect(simulator.requestLog.filter(isGraphWrite)).toHaveLength(0);
    expect(breakGlass.accountEnabled).toBe(true);
  });
});

describe('refusals change nothing', () => {
  const json = { 'content-type': 'application/json', 'x-functions-key': FUNCTION_KEY };
  const missingAccount = (() => {
    const body = JSON.parse(sentinelSample) as { object: { name: string; properties: { relatedEntities: Array<{ kind: string }> } } };
    body.object.name = 'a0a0a0a0-0000-4000-8000-000000000001';
    body.object.properties.relatedEntities = body.object.properties.relatedEntities.filter((entity) => entity.kind !== 'Account');
    return JSON.stringify(body);
  })();

  it.each([
    ['malformed JSON', '{"user": "x@y.example",', json, 400, 'malformed_request'],
    ['an empty body', '', json, 400, 'malformed_request'],
    ['an unknown shape', '{"hello":"world"}', json, 422, 'unprocessable_alert'],
    ['a Sentinel incident with no user', missingAccount, json, 422, 'unprocessable_alert'],
    [
      'a non-JSON content type',
      manualAlert('casey.nguyen@wingtip-lab.example', 'ct-001'),
      { ...json, 'content-type': 'application/xml' },
      415,
      'unsupported_media_type',
    ],
    [
      'an oversized body',
      JSON.stringify({ user: 'casey.nguyen@wingtip-lab.example', alertId: 'big', pad: 'x'.repeat(1_100_000) }),
      json,
      413,
      undefined,
    ],
    [
      'no function key',
      manualAlert('casey.nguyen@wingtip-lab.example', 'nokey-001'),
      { 'content-type': 'application/json' },
      401,
      undefined,
    ],
    [
      'a wrong function key',
      manualAlert('casey.nguyen@wingtip-lab.example', 'badkey-001'),
      { ...json, 'x-functions-key': 'wrong' },
      401,
      undefined,
    ],
  ])('%s -> %i, zero Graph calls, zero rows', async (_label, body, headers, status, code) => {
    // Queued phases from earlier tests append timeline rows; let them finish so the count is ours alone.
    await stack.host.drainQueues(15_000);
    const [incidentsBefore, gateBefore] = await Promise.all([countRows('Incidents'), countRows('AlertGate')]);
    simulator.clearRequestLog();
    const response = await post(body, headers);
    expect(response.status).toBe(status);
    if (code) expect(response.json.error?.code).toBe(code);
    expect(response.text).not.toMatch(/\bat .*\.(ts|js):\d+/);
    expect(simulator.requestLog).toHaveLength(0);
    expect(await countRows('Incidents')).toBe(incidentsBefore);
    expect(await countRows('AlertGate')).toBe(gateBefore);
  });

  it('says which field is missing', async () => {
    const response = await post(missingAccount);
    expect(response.json.error?.message).toBe('Sentinel incident: no Account entity with a UPN or object id');
    expect(response.json.error?.missing).toContain('relatedEntities[kind=Account]');
  });
});

describe('logging', () => {
  it('logs one structured line per incident with step latencies, and never the function key', () => {
    const messages = hostLog
      .map((line) => (JSON.parse(line) as { message?: string }).message ?? '')
      .filter((message) => message.startsWith('{"event":"containment"'));
    expect(messages.length).toBeGreaterThan(0);
    const parsed = JSON.parse(messages[0]) as { latencyMs: Record<string, number> };
    expect(parsed.latencyMs).toEqual(
      expect.objectContaining({
        total: expect.any(Number),
        claim: expect.any(Number),
        revokeSessions: expect.any(Number),
        disableAccount: expect.any(Number),
      }),
    );
    expect(hostLog.join('\n')).not.toContain(FUNCTION_KEY);
  });
});
