// A delivery that died halfway must not strand an alert: the next delivery takes over once the holder
// is stale, at either gate (the delivery-shape row, the person row). A settled incident is answered at
// once. Real adapters (Azurite, the simulator over HTTP), with the runbook's timing shortened.
import { lendOrStartAzurite, type LentAzurite } from '../../dev/azurite';
import { startTenantSimulator, type TenantSimulator } from '../../dev/simulator';
import { parseConfig } from '../../shared/config';
import { createGraphClient } from '../../shared/graph/client';
import { GraphContainmentActions } from '../../shared/graph/containment-actions';
import { GraphUserDirectory } from '../../shared/graph/user-directory';
import { LIMITS_TABLE, TableBlastRadiusLimiter } from '../../shared/store/table-blast-radius';
import { StorageFollowUpQueues } from '../../shared/queues/follow-up-queues';
import { containAlert, gateKeyFor, type ContainDeps } from '../../shared/runbook/contain';
import type { NormalizedAlert } from '../../shared/alerts/types';
import { queueClient, tableClient } from '../../shared/store/table-clients';
import type { TableIncidentStore } from '../../shared/store/table-incident-store';
import { incidentStore } from '../support/incident-store';

let azurite: LentAzurite;
let simulator: TenantSimulator;
let deps: ContainDeps;
let store: TableIncidentStore;

const actor = { invocationId: 'test', caller: 'function-key' };

function alertFor(upn: string, alertId: string): NormalizedAlert {
  return {
    source: 'manual',
    alertKey: `manual:${alertId}`,
    alertId,
    severity: 'high',
    title: alertId,
    users: [{ upn }],
    ips: [],
    userAgents: [],
    asns: [],
    raw: '{}',
  };
}

beforeAll(async () => {
  [azurite, simulator] = await Promise.all([lendOrStartAzurite(), startTenantSimulator()]);
  const config = parseConfig({ AzureWebJobsStorage: azurite.connectionString, GRAPH_BASE_URL: simulator.baseUrl, GRAPH_AUTH: 'none' });
  store = incidentStore(azurite.connectionString);
  const graph = createGraphClient(config.graph);
  deps = {
    actions: new GraphContainmentActions(graph, { budgetMs: config.graph.retryBudgetMs }),
    directory: new GraphUserDirectory(graph, config.graph.baseUrl),
    limiter: new TableBlastRadiusLimiter(tableClient(config.storage, LIMITS_TABLE), 100, 15),
    store,
    queues: new StorageFollowUpQueues((queue) => queueClient(config.storage, queue)),
    policy: {
      protectedAccounts: new Set(),
      protectedGroupIds: [],
      privilegedUsers: 'approve',
      mode: 'enforce',
      minAutoContainSeverity: 'high',
    },
    clock: { now: () => new Date() },
    timing: { waitForWinnerMs: 1500, staleAfterMs: 300, pollMs: 50 },
  };
});

afterAll(async () => {
  await Promise.all([azurite?.stop(), simulator?.stop()]);
});

it('takes over a claim whose holder died before recording the incident', async () => {
  const user = simulator.addUser({ userPrincipalName: 'orphan.claim@wingtip-lab.example' });
  const alert = alertFor(user.userPrincipalName, 'orphan-001');
  const orphanId = '01JZZZZZZZZZZZZZZZZZZZZZZZ';
  await store.claimAlert(gateKeyFor(alert.alertKey, alert.users[0]), orphanId, new Date(Date.now() - 10_000).toISOString());

  const [result] = await containAlert(alert, deps, actor);
  expect(result.ok).toBe(true);
  if (!result.ok) return;
  expect(result.incident).toMatchObject({ id: orphanId, state: 'contained' });
  expect(user.accountEnabled).toBe(false);
  expect(user.revokeCount).toBe(1);
});

it('takes over an incident stuck in containing, and says so on the timeline', async () => {
  const user = simulator.addUser({ userPrincipalName: 'stuck.holder@wingtip-lab.example' });
  const alert = alertFor(user.userPrincipalName, 'stuck-001');
  const stuckId = '01JYYYYYYYYYYYYYYYYYYYYYYY';
  const longAgo = new Date(Date.now() - 10_000).toISOString();
  await store.claimAlert(gateKeyFor(alert.alertKey, alert.users[0]), stuckId, longAgo);
  await store.create(
    {
      id: stuckId,
      state: 'containing',
      user: { upn: user.userPrincipalName, objectId: user.id },
      userKey: user.id,
      resolvedAt: longAgo,
      alertKey: alert.alertKey,
      alertId: alert.alertId,
      source: 'manual',
      severity: 'high',
      title: 't',
      ips: [],
      userAgents: [],
      mode: 'enforce',
      createdAt: longAgo,
      updatedAt: longAgo,
      actions: [],
      alertRaw: '{}',
    },
    [],
  );

  const [result] = await containAlert(alert, deps, actor);
  expect(result.ok && result.incident.state).toBe('contained');
  expect(result.ok && result.replayed).toBe(true);
  expect(user.accountEnabled).toBe(false);
  const timeline = await store.timeline(stuckId);
  expect(timeline.map((event) => event.kind)).toEqual(expect.arrayContaining(['containment_retry', 'contained']));
});

it('a redelivery while the holder is still working waits, then answers "in progress" rather than acting twice', async () => {
  const user = simulator.addUser({ userPrincipalName: 'busy.holder@wingtip-lab.example' });
  const alert = alertFor(user.userPrincipalName, 'busy-001');
  const busyId = '01JXXXXXXXXXXXXXXXXXXXXXXX';
  await store.claimAlert(gateKeyFor(alert.alertKey, alert.users[0]), busyId, new Date().toISOString());
  const fresh = { ...deps, timing: { waitForWinnerMs: 400, staleAfterMs: 60_000, pollMs: 50 } };

  const [result] = await containAlert(alert, fresh, actor);
  expect(result.ok).toBe(false);
  expect(result.retryable).toBe(true);
  expect(!result.ok && result.error.message).toMatch(/still in progress/);
  expect(simulator.requestLog.filter((entry) => entry.path.includes('busy.holder'))).toHaveLength(0);
});

it('a redelivery for an incident that is already contained answers at once, even when the claim looks stale', async () => {
  const user = simulator.addUser({ userPrincipalName: 'already.done@wingtip-lab.example' });
  const alert = alertFor(user.userPrincipalName, 'done-001');
  const doneId = '01JWWWWWWWWWWWWWWWWWWWWWWW';
  const now = new Date().toISOString();
  await store.claimAlert(gateKeyFor(alert.alertKey, alert.users[0]), doneId, new Date(Date.now() - 10_000).toISOString());
  // Contained a moment ago; the holder is still marking its follow-ups queued.
  await store.create(
    {
      id: doneId,
      state: 'contained',
      user: { upn: user.userPrincipalName, objectId: user.id },
      userKey: user.id,
      resolvedAt: now,
      alertKey: alert.alertKey,
      alertId: alert.alertId,
      source: 'manual',
      severity: 'high',
      title: 't',
      ips: [],
      userAgents: [],
      mode: 'enforce',
      createdAt: now,
      updatedAt: now,
      t0: now,
      actions: [],
      alertRaw: '{}',
    },
    [],
  );
  const patient = { ...deps, timing: { waitForWinnerMs: 5_000, staleAfterMs: 60_000, pollMs: 50 } };
  simulator.clearRequestLog();
  const started = Date.now();
  const [result] = await containAlert(alert, patient, actor);
  expect(Date.now() - started).toBeLessThan(2_000);
  expect(result.ok && result.incident).toMatchObject({ id: doneId, state: 'contained' });
  expect(result.ok && result.replayed).toBe(true);
  expect(simulator.requestLog).toEqual([]);
});

it("takes over the person's incident when the delivery that claimed the person died before recording it", async () => {
  const user = simulator.addUser({ userPrincipalName: 'orphan.person@wingtip-lab.example' });
  const orphanId = '01JVVVVVVVVVVVVVVVVVVVVVVV';
  // A delivery naming the user by UPN resolved them, claimed the person, and died.
  await store.claimPerson(user.id, 'manual:orphan-person-001', orphanId, new Date(Date.now() - 10_000).toISOString());
  // A different alert naming them by object id.
  const other: NormalizedAlert = { ...alertFor(user.userPrincipalName, 'orphan-person-002'), users: [{ objectId: user.id }] };
  const [result] = await containAlert(other, deps, actor);
  expect(result.ok && result.incident).toMatchObject({ id: orphanId, state: 'contained' });
  expect(user.revokeCount).toBe(1);
  // The dead delivery's redelivery (by UPN) replays the same incident: nothing is sent again.
  const [replay] = await containAlert(alertFor(user.userPrincipalName, 'orphan-person-001'), deps, actor);
  expect(replay.ok && replay.incident.id).toBe(orphanId);
  expect(user.revokeCount).toBe(1);
});
