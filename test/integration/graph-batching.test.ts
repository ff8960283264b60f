// JSON batching over real HTTP: the simulator answers `$batch` as Graph does (per-item status, a throttled
// item is a 429 inside a 200 batch, more than 20 is a 400), and the Graph adapter's containment writes
// batch only under load, retry a throttled item on its own, never put more than 20 in a batch, and end
// every write as a receipt or a typed failure.
import { startTenantSimulator, type RequestLogEntry, type TenantSimulator } from '../../dev/simulator';
import { UpstreamError } from '../../shared/errors';
import { parseConfig } from '../../shared/config';
import { createGraphClient } from '../../shared/graph/client';
import { GraphContainmentActions } from '../../shared/graph/containment-actions';
import type { WriteBatcherOptions } from '../../shared/graph/write-batcher';

let sim: TenantSimulator;
let throttleNow = 0;

beforeEach(async () => {
  throttleNow = 0;
  sim = await startTenantSimulator({ throttleClock: () => throttleNow });
});

afterEach(() => sim.stop());

/** mulberry32: the adapter's jitter, seeded so no run depends on luck. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function actions(options: Partial<WriteBatcherOptions> = {}): GraphContainmentActions {
  const config = parseConfig({ AzureWebJobsStorage: 'UseDevelopmentStorage=true', GRAPH_BASE_URL: sim.baseUrl, GRAPH_AUTH: 'none' });
  return new GraphContainmentActions(createGraphClient(config.graph), { budgetMs: 8_000, random: seeded(13), ...options });
}

function people(n: number): string[] {
  return Array.from({ length: n }, (_, i) => sim.addUser({ userPrincipalName: `batch${i}@wingtip-lab.example` }).id);
}

async function batch(requests: object[]): Promise<{ status: number; body: { responses?: Array<Record<string, unknown>> } }> {
  const res = await fetch(`${sim.baseUrl}/v1.0/$batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ requests }),
  });
  return { status: res.status, body: (await res.json()) as { responses?: Array<Record<string, unknown>> } };
}

const disable = (id: string, itemId = id) => ({
  id: itemId,
  method: 'PATCH',
  url: `/users/${id}`,
  headers: { 'Content-Type': 'application/json' },
  body: { accountEnabled: false },
});

const envelopes = () => sim.requestLog.filter((e) => e.path === '/v1.0/$batch');
const items = () => sim.requestLog.filter((e) => e.batch !== undefined);
/** Writes Graph carried out, counted per (method, path): a count above 1 is a write sent twice. */
function succeededWrites(log: readonly RequestLogEntry[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of log) {
    if (e.method === 'GET' || e.path === '/v1.0/$batch' || e.status < 200 || e.status >= 300) continue;
    counts.set(`${e.method} ${e.path}`, (counts.get(`${e.method} ${e.path}`) ?? 0) + 1);
  }
  return counts;
}

describe('the simulator: POST /v1.0/$batch', () => {
  it('answers each item in a 200 batch; a write over the limit is a 429 item with its own Retry-After, and each item counts', async () => {
    sim.setWriteLimits({ appTenant: { requests: 2, perMs: 10_000 } });
    const [a, b, c] = people(3);
    const first = await batch([disable(a), disable(b), disable(c)]);
    expect(first.status).toBe(200);
    expect(first.body.responses?.map((r) => r.status)).toEqual([204, 204, 429]);
    const throttled = first.body.responses![2] as { headers: Record<string, string>; body: { error: { code: string } } };
    // One token comes back every 5 s (2 per 10 s).
    expect(throttled.headers['Retry-After']).toBe('5');
    expect(throttled.headers['x-ms-throttle-information']).toBe('WriteLimitExceeded');
    expect(throttled.body.error.code).toBe('TooManyRequests');
    expect(sim.tenant.findUser(c)?.accountEnabled).toBe(true);

    throttleNow += 4_999;
    expect((await batch([disable(c)])).body.responses?.[0].status).toBe(429);
    throttleNow += 1;
    expect((await batch([disable(c)])).body.responses?.[0].status).toBe(204);
    expect(sim.tenant.findUser(c)?.accountEnabled).toBe(false);
    // The log shows every item, tied to its batch.
    expect(items().map((e) => [e.method, e.path, e.status])).toEqual([
      ['PATCH', `/v1.0/users/${a}`, 204],
      ['PATCH', `/v1.0/users/${b}`, 204],
      ['PATCH', `/v1.0/users/${c}`, 429],
      ['PATCH', `/v1.0/users/${c}`, 429],
      ['PATCH', `/v1.0/users/${c}`, 204],
    ]);
    expect(new Set(items().map((e) => e.batch?.requestId)).size).toBe(3);
  });

  it('refuses more than 20 requests in one batch (400), running none of them', async () => {
    const ids = people(21);
    const response = await batch(ids.map((id) => disable(id)));
    expect(response.status).toBe(400);
    expect(items()).toEqual([]);
    expect(ids.every((id) => sim.tenant.findUser(id)?.accountEnabled)).toBe(true);
  });

  it('an item whose dependency failed answers 424; a read action (checkMemberGroups) is not a write', async () => {
    sim.setWriteLimits({ appTenant: { requests: 1, perMs: 10_000 } });
    const [a] = people(1);
    const response = await batch([
      {
        id: 'check',
        method: 'POST',
        url: `/users/${a}/checkMemberGroups`,
        headers: { 'Content-Type': 'application/json' },
        body: { groupIds: ['3f9e2d1c-0b4a-4e5f-8a7b-6c5d4e3f2a10'] },
      },
      { ...disable('nobody-here', 'missing') },
      { ...disable(a, 'after'), dependsOn: ['missing'] },
    ]);
    expect(response.body.responses?.map((r) => [r.id, r.status])).toEqual([
      ['check', 200],
      ['missing', 404],
      ['after', 424],
    ]);
  });
});

describe('the Graph adapter: containment writes', () => {
  it("one alert's two writes go out at once as two plain requests, no batch", async () => {
    const [a] = people(1);
    const graph = actions();
    const receipts = await Promise.all([graph.revokeSessions(a), graph.disableAccount(a)]);
    expect(receipts.map((r) => r.status)).toEqual([200, 204]);
    expect(envelopes()).toEqual([]);
    expect(sim.requestLog.map((e) => e.method).sort()).toEqual(['PATCH', 'POST']);
  });

  it('a throttled batch item is retried on its own after its Retry-After and succeeds; the others are not re-sent', async () => {
    const ids = people(3);
    sim.addFault({ method: 'POST', path: `/v1.0/users/${ids[1]}/revokeSignInSessions`, status: 429, times: 1, retryAfterSeconds: 1 });
    const graph = actions({ maxInFlight: 1 });
    const receipts = await Promise.all(ids.flatMap((id) => [graph.revokeSessions(id), graph.disableAccount(id)]));
    expect(receipts.map((r) => r.attempts)).toEqual([1, 1, 2, 1, 1, 1]);
    expect(receipts.every((r) => r.status >= 200 && r.status < 300 && typeof r.requestId === 'string')).toBe(true);
    const revokes = sim.requestLog.filter((e) => e.path === `/v1.0/users/${ids[1]}/revokeSignInSessions`);
    expect(revokes.map((e) => e.status)).toEqual([429, 200]);
    // First inside the batch of all six; then alone (nothing else was left to send).
    expect(revokes[0].batch).toBeDefined();
    expect(revokes[1].batch).toBeUndefined();
    expect(Date.parse(revokes[1].receivedAt) - Date.parse(revokes[0].finishedAt)).toBeGreaterThanOrEqual(950);
    expect([...succeededWrites(sim.requestLog).values()]).toEqual([1, 1, 1, 1, 1, 1]);
    expect(ids.map((id) => sim.tenant.findUser(id)?.revokeCount)).toEqual([1, 1, 1]);
  });

  it('a burst of 100 writes never puts more than 20 in one batch, and writes each exactly once', async () => {
    const ids = people(50);
    const graph = actions({ maxInFlight: 2 });
    const receipts = await Promise.all(ids.flatMap((id) => [graph.revokeSessions(id), graph.disableAccount(id)]));
    expect(receipts).toHaveLength(100);
    const sizes = envelopes().map((e) => (e.body as { requests: unknown[] }).requests.length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(20);
    // Fewer round-trips than writes: 100 writes over two slots take at most a handful of requests.
    expect(envelopes().length).toBeLessThanOrEqual(10);
    expect(succeededWrites(sim.requestLog).size).toBe(100);
    expect([...succeededWrites(sim.requestLog).values()].every((n) => n === 1)).toBe(true);
  });

  it('an item Graph refuses for good fails alone, typed: service, status, code, request-id', async () => {
    const ids = people(3);
    sim.addFault({ method: 'PATCH', path: `/v1.0/users/${ids[2]}`, status: 403 });
    const graph = actions({ maxInFlight: 1 });
    const results = await Promise.allSettled(ids.map((id) => graph.disableAccount(id)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    const error = (results[2] as PromiseRejectedResult).reason as UpstreamError;
    expect(error).toBeInstanceOf(UpstreamError);
    expect({
      service: error.service,
      status: error.status,
      code: error.code,
      transient: error.transient,
      attempts: error.attempts,
    }).toEqual({
      service: 'graph',
      status: 403,
      code: 'Authorization_RequestDenied',
      transient: false,
      attempts: 1,
    });
    expect(error.requestId).toBe(items().find((e) => e.path === `/v1.0/users/${ids[2]}`)?.requestId);
  });

  it('a throttled item past its budget fails as a transient 429, recorded, never left hanging', async () => {
    const ids = people(2);
    sim.addFault({ method: 'PATCH', path: `/v1.0/users/${ids[0]}`, status: 429, retryAfterSeconds: 30 });
    const graph = actions({ maxInFlight: 1, budgetMs: 2_000 });
    const results = await Promise.allSettled(ids.map((id) => graph.disableAccount(id)));
    const error = (results[0] as PromiseRejectedResult).reason as UpstreamError;
    expect({ status: error.status, code: error.code, transient: error.transient, retryAfter: error.retryAfterSeconds }).toEqual({
      status: 429,
      code: 'TooManyRequests',
      transient: true,
      retryAfter: 30,
    });
    expect(results[1].status).toBe('fulfilled');
  });
});
