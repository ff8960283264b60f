// The safety snapshot through the real edges (POST /api/contain on the local host, Graph over HTTP to the
// tenant simulator, Azurite), read off the simulator's request log and GET /api/health: a person the
// snapshot clears is contained with no read before the writes; a protected member or two people are
// held without a live read; a failed refresh and a stale snapshot fall back to the live reads.
import { startLocalStack, type LocalStack } from '../../dev/stack';
import type { TenantSimulator } from '../../dev/simulator';
import { isGraphWrite, request, type ContainBody, type IncidentBody } from '../support/http';
import { bearer, readerToken } from '../support/tokens';
import { REAL_TIMERS } from '../support/fake-date';

const KEY = 'snapshot-test-key-0123456789';
const EMERGENCY_GROUP = '3f9e2d1c-0b4a-4e5f-8a7b-6c5d4e3f2a10';
/** Refreshed every quarter of this (2 s): often enough for the test, far from the edge under load. */
const MAX_AGE_SECONDS = 8;

interface Incident extends IncidentBody {
  hold?: string;
  safety?: { path: 'snapshot' | 'live'; snapshotAgeSeconds?: number; why?: string };
}
interface Health {
  safetySnapshot?: { takenAt?: string; ageSeconds?: number; failure?: string };
}

jest.setTimeout(150_000);

let stack: LocalStack;
let simulator: TenantSimulator;
let reader: Record<string, string>;

const headers = { 'content-type': 'application/json', 'x-functions-key': KEY };
const contain = (body: string) =>
  request<ContainBody & { incidents: Incident[] }>(`${stack.baseUrl}/api/contain`, { method: 'POST', headers, body });
const detail = (id: string) => request<Incident>(`${stack.baseUrl}/api/incidents/${id}`, { headers: reader });
const health = async () => (await request<Health>(`${stack.baseUrl}/api/health`, { headers: reader })).json.safetySnapshot ?? {};

/** A Sentinel incident naming one account by both identifiers. */
function alert(name: string, upn: string, objectId: string): string {
  const [accountName, upnSuffix] = upn.split('@');
  return JSON.stringify({
    object: {
      name,
      type: 'Microsoft.SecurityInsights/Incidents',
      properties: {
        severity: 'High',
        title: 'snapshot test',
        relatedEntities: [{ kind: 'Account', properties: { accountName, upnSuffix, aadUserId: objectId } }],
      },
    },
  });
}

/** Waits (polling GET /api/health, never a fixed sleep) until `done` holds for the snapshot. */
async function until(done: (snapshot: NonNullable<Health['safetySnapshot']>) => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (done(await health())) return;
    if (Date.now() > deadline) throw new Error(`the safety snapshot never ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A refresh that started after now and succeeded. */
async function nextRefresh(): Promise<void> {
  const after = new Date().toISOString();
  await until((s) => s.takenAt !== undefined && s.takenAt > after && s.failure === undefined, 'refreshed');
}

/** Every request about this user (reads and writes), by object id or UPN. */
function requestsFor(user: { id: string; userPrincipalName: string }) {
  return simulator.requestLog.filter((entry) =>
    [user.id, user.userPrincipalName].some((key) => entry.path.toLowerCase().includes(`/users/${key.toLowerCase()}`)),
  );
}

function newUser(name: string) {
  return simulator.addUser({ userPrincipalName: `${name}@wingtip-lab.example` });
}

beforeAll(async () => {
  stack = await startLocalStack({
    functionKey: KEY,
    settings: {
      SAFETY_SNAPSHOT_MAX_AGE_SECONDS: String(MAX_AGE_SECONDS),
      // The stale case hangs a refresh: it must stay pending (not fail) for longer than the maximum age.
      GRAPH_TIMEOUT_MS: '120000',
      GRAPH_RETRY_BUDGET_MS: '120000',
      CAMPAIGN_CONTAINMENT: 'off',
    },
  });
  simulator = stack.simulator!;
  reader = bearer(await readerToken(stack));
});

afterAll(async () => {
  await stack?.stop();
});

it('contains a person the snapshot clears with the writes first: no read of the user finishes before them', async () => {
  const user = newUser('snapshot.cleared');
  await nextRefresh();
  simulator.setLatency(150);
  try {
    const response = await contain(alert('snapshot-cleared-1', user.userPrincipalName, user.id));
    expect(response.json.incidents[0]).toMatchObject({ state: 'contained', safety: { path: 'snapshot' } });
    expect(response.json.incidents[0].safety?.snapshotAgeSeconds).toBeLessThanOrEqual(MAX_AGE_SECONDS);
  } finally {
    simulator.setLatency(0);
  }
  const log = requestsFor(user);
  const writes = log.filter(isGraphWrite);
  expect(writes.map((w) => w.method).sort()).toEqual(['PATCH', 'POST']);
  const firstWrite = writes.map((w) => w.receivedAt).sort()[0];
  // The reads the incident wants (id, onPremisesSyncEnabled) run beside the writes: none answered before.
  const readsBefore = log.filter((entry) => !isGraphWrite(entry) && entry.finishedAt !== '' && entry.finishedAt <= firstWrite);
  expect(readsBefore).toEqual([]);
  expect(log.some((entry) => entry.method === 'GET')).toBe(true);
});

it('a user added to a protected group is untouchable by the first alert after the next refresh, with no live read', async () => {
  const user = newUser('snapshot.newly.protected');
  await nextRefresh();
  const added = await fetch(`${simulator.baseUrl}/_sim/group-members`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ group: EMERGENCY_GROUP, member: user.id }),
  });
  expect(added.status).toBe(204);
  await nextRefresh();
  const response = await contain(alert('snapshot-protected-1', user.userPrincipalName, user.id));
  expect(response.json.incidents[0]).toMatchObject({ state: 'skipped_protected', safety: { path: 'snapshot' } });
  expect(response.json.incidents[0].reason).toContain(EMERGENCY_GROUP);
  expect(requestsFor(user)).toEqual([]);
  expect(simulator.tenant.findUser(user.id)?.accountEnabled).toBe(true);
});

it('holds an identity mismatch on the snapshot path: two people, nothing read or written', async () => {
  const [one, two] = [newUser('snapshot.mismatch.one'), newUser('snapshot.mismatch.two')];
  await nextRefresh();
  const response = await contain(alert('snapshot-mismatch-1', one.userPrincipalName, two.id));
  expect(response.json.incidents[0]).toMatchObject({ state: 'awaiting_approval', safety: { path: 'snapshot' } });
  const held = await detail(response.json.incidents[0].id);
  expect(held.json.hold).toBe('identity_mismatch');
  // Nor later: nothing is queued that would read either person's mailbox or sign-ins.
  await stack.host.drainQueues(15_000);
  expect([...requestsFor(one), ...requestsFor(two)]).toEqual([]);
});

it('falls back to the live reads when the last refresh failed', async () => {
  const user = newUser('snapshot.refresh.failed');
  await nextRefresh();
  // Refused (permission revoked): not retried, so the refresh fails at once.
  simulator.addFault({ method: 'GET', path: '/v1.0/users/delta', status: 403 });
  try {
    await until((s) => s.failure !== undefined, 'failed to refresh');
    const response = await contain(alert('snapshot-failed-1', user.userPrincipalName, user.id));
    const incident = response.json.incidents[0];
    expect(incident).toMatchObject({ state: 'contained', safety: { path: 'live' } });
    expect(incident.safety?.why).toMatch(/refresh failed/);
    // The live reads came first, as before the snapshot: the user read answered before any write was sent.
    const log = requestsFor(user);
    const firstWrite = log
      .filter(isGraphWrite)
      .map((w) => w.receivedAt)
      .sort()[0];
    expect(log.some((entry) => entry.method === 'GET' && entry.finishedAt !== '' && entry.finishedAt <= firstWrite)).toBe(true);
  } finally {
    simulator.clearFaults();
  }
  await nextRefresh();
});

it('falls back to the live reads when the snapshot is older than SAFETY_SNAPSHOT_MAX_AGE_SECONDS', async () => {
  const user = newUser('snapshot.stale');
  await nextRefresh();
  // The next refresh never answers: no failure, only age.
  const logged = simulator.requestLog.length;
  simulator.addFault({ method: 'GET', path: '/v1.0/users/delta', status: 'hang' });
  try {
    // Once a refresh hangs, no other starts (one at a time), so the snapshot can only age: Date (and only
    // Date: the host runs in this process) moves past the maximum age instead of the test waiting it out.
    const hung = () => simulator.requestLog.slice(logged).some((entry) => entry.path === '/v1.0/users/delta' && entry.finishedAt === '');
    for (let waited = 0; !hung(); waited += 100) {
      if (waited > 60_000) throw new Error('no refresh reached the hanging delta read');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    jest.useFakeTimers({ doNotFake: [...REAL_TIMERS], advanceTimers: true, now: Date.now() + (MAX_AGE_SECONDS + 2) * 1000 });
    await until((s) => (s.ageSeconds ?? 0) > MAX_AGE_SECONDS && s.failure === undefined, `grew older than ${MAX_AGE_SECONDS} s`);
    const response = await contain(alert('snapshot-stale-1', user.userPrincipalName, user.id));
    const incident = response.json.incidents[0];
    expect(incident).toMatchObject({ state: 'contained', safety: { path: 'live' } });
    expect(incident.safety?.why).toMatch(/s old/);
  } finally {
    jest.useRealTimers();
    simulator.clearFaults();
  }
});
