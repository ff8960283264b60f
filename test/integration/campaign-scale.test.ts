// Containing many people at once under Graph's write throttling (scaled down so a test reaches it in
// seconds): a burst of alerts and a 60-person campaign found by the hunt with CAMPAIGN_CONTAINMENT=contain
// all end contained, throttled writes retried, nothing lost, no batch over 20 (and in the burst no write
// sent twice), the campaign's victims contained side by side, not one after another. The throttle's clock is logical
// (100 ms per write it judges), so the writes over the quota are refused whatever the machine's speed.
import type { RequestLogEntry } from '../../dev/simulator';
import { SCENARIO_NETWORKS, SCENARIO_USERS } from '../../dev/simulator';
import { isGraphWrite, request, type ContainBody } from '../support/http';
import { useHuntStack } from '../support/hunt-stack';

let judged = 0;
const hunt = useHuntStack(
  'campaign-scale-test-key-0123456789',
  {
    CAMPAIGN_CONTAINMENT: 'contain',
    BLAST_RADIUS_MAX: '1000',
    // Long enough that the scaled-down quota, not the budget, decides: every write must get through.
    GRAPH_RETRY_BUDGET_MS: '60000',
    // Nor the machine's speed: on a loaded machine a write that outlasts the 10 s timeout and is sent
    // again reaches the simulator twice (revokeCount 2, seen once at load 10). Timeouts are tested elsewhere.
    GRAPH_TIMEOUT_MS: '600000',
  },
  { throttleClock: () => 100 * judged++ },
);

/** What the write log must show for a run that lost nothing and repeated nothing. */
function expectEachWrittenOnce(log: readonly RequestLogEntry[], expected: number): void {
  const done = new Map<string, number>();
  for (const e of log.filter((entry) => isGraphWrite(entry) && entry.status >= 200 && entry.status < 300)) {
    done.set(`${e.method} ${e.path}`, (done.get(`${e.method} ${e.path}`) ?? 0) + 1);
  }
  expect(done.size).toBe(expected);
  expect([...done].filter(([, n]) => n > 1)).toEqual([]);
}

function batchSizes(log: readonly RequestLogEntry[]): number[] {
  return log.filter((e) => e.path === '/v1.0/$batch').map((e) => (e.body as { requests: unknown[] }).requests.length);
}

it('a burst of 30 alerts past the write limit: all contained, throttled writes retried, each written once', async () => {
  const simulator = hunt.current.stack.simulator!;
  const users = Array.from({ length: 30 }, (_, i) => simulator.addUser({ userPrincipalName: `burst${i}@wingtip-lab.example` }));
  // 10 writes, then one every 200 ms (every second write judged): the burst's 60 cannot all pass.
  simulator.setWriteLimits({ appTenant: { requests: 10, perMs: 2_000 } });
  simulator.clearRequestLog();
  const responses = await Promise.all(
    users.map((user, i) =>
      request<ContainBody>(`${hunt.current.stack.baseUrl}/api/contain`, {
        method: 'POST',
        headers: hunt.current.headers,
        body: JSON.stringify({ user: user.userPrincipalName, alertId: `burst-${i}`, severity: 'High' }),
      }),
    ),
  );
  expect(responses.map((r) => [r.status, r.json.incidents[0]?.state])).toEqual(users.map(() => [200, 'contained']));
  expect(users.map((u) => [u.accountEnabled, u.revokeCount])).toEqual(users.map(() => [false, 1]));
  const log = simulator.requestLog;
  expect(log.filter((e) => isGraphWrite(e) && e.status === 429).length).toBeGreaterThan(0);
  expectEachWrittenOnce(log, 60);
  expect(Math.max(0, ...batchSizes(log))).toBeLessThanOrEqual(20);
  simulator.setWriteLimits({});
});

it('a campaign of 60 people under the write limit: every victim reaches T0, contained side by side', async () => {
  const simulator = hunt.current.stack.simulator!;
  const seeded = simulator.seedCampaign(60);
  // 20 writes, then one every 200 ms: the campaign's 120-odd writes take the quota several times over.
  simulator.setWriteLimits({ appTenant: { requests: 20, perMs: 4_000 } });
  simulator.clearRequestLog();
  const [origin] = await hunt.current.contain({
    user: SCENARIO_USERS.victim.userPrincipalName,
    alertId: 'campaign-scale',
    severity: 'High',
    sourceIp: SCENARIO_NETWORKS.attacker.ipAddress,
  });
  const campaignId = (await hunt.current.incident(origin)).campaign?.id;
  expect(campaignId).toBeDefined();
  const campaign = await hunt.current.campaign(campaignId!);
  // The Graph sign-ins backend sees the attacker IP's victims: the 60 and the seeded campaign's own.
  const victims = campaign.hits.filter((h) => h.verdict === 'suspicious');
  expect(victims.length).toBeGreaterThanOrEqual(60);
  for (const v of seeded) expect(victims.some((h) => h.upn === v.userPrincipalName)).toBe(true);
  const links = campaign.incidents.filter((l) => l.role === 'victim');
  expect(links.map((l) => l.upn).sort()).toEqual(victims.map((h) => h.upn).sort());
  const incidents = await Promise.all(links.map((link) => hunt.current.incident(link.incidentId)));
  expect(incidents.filter((i) => i.t0 === undefined).map((i) => [i.user?.upn, i.state])).toEqual([]);
  for (const hit of victims) {
    expect(simulator.tenant.findUser(hit.upn!)).toMatchObject({ accountEnabled: false, revokeCount: 1 });
  }
  // Side by side, not one after another: from a victim's first lookup to its last write it is in
  // progress; one at a time, no two of those spans would overlap.
  const log = simulator.requestLog;
  const spans = seeded.map((v) => {
    const own = log.filter(
      (e) =>
        e.path === `/v1.0/users/${v.id}` ||
        e.path === `/v1.0/users/${v.userPrincipalName}` ||
        e.path.startsWith(`/v1.0/users/${v.id}/revoke`),
    );
    const writes = own.filter((e) => isGraphWrite(e) && e.status < 300);
    return { from: Math.min(...own.map((e) => Date.parse(e.receivedAt))), to: Math.max(...writes.map((e) => Date.parse(e.finishedAt))) };
  });
  const overlapping = Math.max(...spans.map((s) => spans.filter((o) => o.from <= s.from && s.from < o.to).length));
  expect(overlapping).toBeGreaterThan(5);
  expect(log.filter((e) => isGraphWrite(e) && e.status === 429).length).toBeGreaterThan(0);
  expect(Math.max(0, ...batchSizes(log))).toBeLessThanOrEqual(20);
  simulator.setWriteLimits({});
  // The drain runs every victim's own diagnosis and hunt too: minutes on a busy 2-core machine.
}, 300_000);
