// Identity through the real edges (POST /api/contain on the local host, Graph over HTTP to the tenant
// simulator, Azurite), read off the simulator's request log: never the wrong person, one person one
// incident, alerts linked to the person's open incident, and the severity gate decided again.
import { startLocalStack, type LocalStack } from '../../dev/stack';
import type { TenantSimulator } from '../../dev/simulator';
import { isGraphWrite, manualAlert, request, type ContainBody, type IncidentBody } from '../support/http';
import { approverToken, bearer, readerToken } from '../support/tokens';
import { slotsTaken as countSlots } from '../support/blast-radius';

const KEY = 'identity-test-key-0123456789';

let stack: LocalStack;
let simulator: TenantSimulator;
const hostLog: string[] = [];

interface Incident extends IncidentBody {
  user: { upn?: string; objectId?: string };
  hold?: string;
  linked?: boolean;
  alertUser?: { upn?: string; objectId?: string };
  error?: { code: string; message: string };
}

const headers = { 'content-type': 'application/json', 'x-functions-key': KEY };
const contain = (body: string) =>
  request<ContainBody & { incidents: Incident[] }>(`${stack.baseUrl}/api/contain`, { method: 'POST', headers, body });
const detail = async (id: string) =>
  request<Incident>(`${stack.baseUrl}/api/incidents/${id}`, { headers: bearer(await readerToken(stack)) });
const decide = async (id: string, verb: 'approve' | 'reject') =>
  request<Incident>(`${stack.baseUrl}/api/incidents/${id}/${verb}`, { method: 'POST', headers: bearer(await approverToken(stack)) });

type Account = { upn?: string; objectId?: string };

/** A Sentinel incident (automation-rule shape) naming each account by exactly the identifiers given. */
function sentinelIncident(name: string, accounts: Account[], severity = 'High'): string {
  return JSON.stringify({
    object: {
      name,
      type: 'Microsoft.SecurityInsights/Incidents',
      properties: {
        severity,
        title: 'identity test',
        relatedEntities: accounts.map((account) => ({
          kind: 'Account',
          properties: {
            ...(account.upn ? { accountName: account.upn.split('@')[0], upnSuffix: account.upn.split('@')[1] } : {}),
            ...(account.objectId ? { aadUserId: account.objectId } : {}),
          },
        })),
      },
    },
  });
}

/** Containment writes (revoke, disable) to any of these users, by object id or UPN. */
function writesTo(...users: Array<{ id: string; userPrincipalName: string }>) {
  const targets = users
    .flatMap((user) => [user.id, user.userPrincipalName, encodeURIComponent(user.userPrincipalName)])
    .map((id) => `/users/${id.toLowerCase()}`);
  return simulator.requestLog.filter((entry) => {
    const path = entry.path.toLowerCase();
    return isGraphWrite(entry) && targets.some((target) => path.endsWith(target) || path.includes(`${target}/`));
  });
}

const revokes = (user: { id: string; userPrincipalName: string }) =>
  writesTo(user).filter((entry) => entry.path.endsWith('/revokeSignInSessions'));
const disables = (user: { id: string; userPrincipalName: string }) => writesTo(user).filter((entry) => entry.method === 'PATCH');

function slotsTaken(): Promise<number> {
  return countSlots(stack.storageConnectionString);
}

beforeAll(async () => {
  stack = await startLocalStack({ functionKey: KEY, settings: { BLAST_RADIUS_MAX: '1000' }, log: (line) => hostLog.push(line) });
  simulator = stack.simulator!;
});

afterAll(async () => {
  await stack?.stop();
});

describe('never the wrong person', () => {
  it("an alert naming A's UPN with B's object id writes nothing, holds the incident naming both, warns, and cannot be approved", async () => {
    const a = simulator.addUser({ userPrincipalName: 'mismatch.a@wingtip-lab.example' });
    const b = simulator.addUser({ userPrincipalName: 'mismatch.b@wingtip-lab.example' });
    const response = await contain(
      sentinelIncident('c0c0c0c0-0000-4000-8000-000000000001', [{ upn: a.userPrincipalName, objectId: b.id }]),
    );
    expect(response.status).toBe(200);
    const incident = response.json.incidents[0];
    expect(incident).toMatchObject({ state: 'awaiting_approval', hold: 'identity_mismatch', actions: [] });
    for (const named of [a.userPrincipalName, a.id, b.userPrincipalName, b.id]) expect(incident.reason).toContain(named);
    expect(writesTo(a, b)).toEqual([]);
    expect(a.accountEnabled && b.accountEnabled).toBe(true);
    expect(
      hostLog.some((line) => line.includes('"level":"warning"') && line.includes('identity mismatch') && line.includes(incident.id)),
    ).toBe(true);

    // An approval must not pick a person.
    const approved = await decide(incident.id, 'approve');
    expect(approved.status).toBe(409);
    expect(approved.json.error?.message).toMatch(/cannot be approved: identity mismatch/);
    expect(writesTo(a, b)).toEqual([]);
    expect((await detail(incident.id)).json.state).toBe('awaiting_approval');
    expect((await decide(incident.id, 'reject')).json.state).toBe('closed');
  });

  it('an object id that names nobody (a sign-in id in AadUserId) contains the person the UPN names, and says so', async () => {
    const person = simulator.addUser({ userPrincipalName: 'bad.aaduserid@wingtip-lab.example' });
    const signInId = 'd1d1d1d1-0000-4000-8000-000000000002';
    const response = await contain(
      sentinelIncident('c0c0c0c0-0000-4000-8000-000000000002', [{ upn: person.userPrincipalName, objectId: signInId }]),
    );
    expect(response.status).toBe(200);
    const incident = response.json.incidents[0];
    expect(incident).toMatchObject({
      state: 'contained',
      user: { upn: person.userPrincipalName, objectId: person.id },
      alertUser: { upn: person.userPrincipalName, objectId: signInId },
    });
    expect(revokes(person).map((entry) => entry.path)).toEqual([`/v1.0/users/${person.id}/revokeSignInSessions`]);
    expect(simulator.requestLog.filter((entry) => isGraphWrite(entry) && entry.path.includes(signInId))).toEqual([]);
    const timeline = (await detail(incident.id)).json.timeline ?? [];
    expect(timeline.find((event) => event.kind === 'identity_discrepancy')?.summary).toContain(signInId);
  });

  it('stores the resolved identity: ?user= finds an incident opened by UPN through its object id, and one opened by object id through its UPN', async () => {
    const byUpn = simulator.addUser({ userPrincipalName: 'found.by.id@wingtip-lab.example' });
    const byId = simulator.addUser({ userPrincipalName: 'found.by.upn@wingtip-lab.example' });
    const first = (await contain(manualAlert(byUpn.userPrincipalName, 'find-001'))).json.incidents[0];
    const second = (await contain(manualAlert(byId.id, 'find-002'))).json.incidents[0];
    const list = async (user: string) =>
      request<{ incidents: Array<{ id: string }> }>(`${stack.baseUrl}/api/incidents?user=${encodeURIComponent(user)}`, {
        headers: bearer(await readerToken(stack)),
      });
    expect((await list(byUpn.id)).json.incidents.map((incident) => incident.id)).toEqual([first.id]);
    expect((await list(byId.userPrincipalName)).json.incidents.map((incident) => incident.id)).toEqual([second.id]);
  });
});

describe('one person, one incident', () => {
  it('an alert naming one person twice (by UPN and by object id) is one incident, one revoke, one disable, one slot', async () => {
    const person = simulator.addUser({ userPrincipalName: 'named.twice@wingtip-lab.example' });
    const before = await slotsTaken();
    const response = await contain(
      sentinelIncident('c0c0c0c0-0000-4000-8000-000000000003', [{ upn: person.userPrincipalName }, { objectId: person.id }]),
    );
    expect(response.status).toBe(200);
    expect(response.json.incidents).toHaveLength(1);
    expect(response.json.incidents[0]).toMatchObject({ state: 'contained', user: { objectId: person.id } });
    expect(revokes(person)).toHaveLength(1);
    expect(disables(person)).toHaveLength(1);
    expect((await slotsTaken()) - before).toBe(1);
  });

  it('twenty concurrent deliveries of one alert in three shapes (UPN only, object id only, both): one incident, one revoke, one disable', async () => {
    const person = simulator.addUser({ userPrincipalName: 'three.shapes@wingtip-lab.example' });
    const shapes: Account[] = [
      { upn: person.userPrincipalName },
      { objectId: person.id },
      { upn: person.userPrincipalName, objectId: person.id },
    ];
    simulator.setLatency(50);
    try {
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, i) => contain(sentinelIncident('c0c0c0c0-0000-4000-8000-000000000004', [shapes[i % 3]]))),
      );
      expect(responses.map((response) => response.status)).toEqual(Array(20).fill(200));
      expect(new Set(responses.map((response) => response.json.incidents[0].id)).size).toBe(1);
      expect(responses.filter((response) => !response.json.incidents[0].replayed)).toHaveLength(1);
      // A late replay may already see the queued diagnosis done.
      expect(responses.filter((response) => !['contained', 'diagnosed'].includes(response.json.incidents[0].state))).toEqual([]);
    } finally {
      simulator.setLatency(0);
    }
    expect(revokes(person)).toHaveLength(1);
    expect(disables(person)).toHaveLength(1);
    expect(person.revokeCount).toBe(1);
  });

  it('a new alert for someone with an open incident is linked to it; it contains again only when the account was re-enabled since', async () => {
    const person = simulator.addUser({ userPrincipalName: 'linked.person@wingtip-lab.example' });
    const first = (await contain(manualAlert(person.userPrincipalName, 'linked-001'))).json.incidents[0];
    expect(first.state).toBe('contained');
    const slots = await slotsTaken();

    const linked = await contain(sentinelIncident('c0c0c0c0-0000-4000-8000-000000000005', [{ objectId: person.id }]));
    expect(linked.json.incidents).toEqual([expect.objectContaining({ id: first.id, linked: true, replayed: false })]);
    expect(revokes(person)).toHaveLength(1);

    // Someone enables the account again: the next alert contains again, through the same incident.
    person.accountEnabled = true;
    const again = await contain(manualAlert(person.userPrincipalName, 'linked-002'));
    expect(again.json.incidents).toEqual([expect.objectContaining({ id: first.id, linked: true, state: 'contained', t0: first.t0 })]);
    expect(person.accountEnabled).toBe(false);
    expect(revokes(person)).toHaveLength(2);
    expect(disables(person)).toHaveLength(2);
    // One person, one slot: linking and containing again took none.
    expect(await slotsTaken()).toBe(slots);

    const timeline = (await detail(first.id)).json.timeline ?? [];
    const kinds = timeline.map((event) => event.kind);
    expect(kinds.filter((kind) => kind === 'alert_linked')).toHaveLength(2);
    expect(kinds).toEqual(expect.arrayContaining(['account_reenabled', 'recontained']));
    expect(timeline.filter((event) => event.mark === 'T0')).toHaveLength(1);
  });
});

describe('the severity gate is decided again', () => {
  it('a redelivery at a higher severity (Medium -> High) contains the held incident instead of replaying it', async () => {
    const person = simulator.addUser({ userPrincipalName: 'severity.raised@wingtip-lab.example' });
    const held = (await contain(manualAlert(person.userPrincipalName, 'raise-001', 'Medium'))).json.incidents[0];
    expect(held).toMatchObject({ state: 'awaiting_approval', hold: 'severity' });
    expect(writesTo(person)).toEqual([]);
    const raised = await contain(manualAlert(person.userPrincipalName, 'raise-001', 'High'));
    expect(raised.status).toBe(200);
    expect(raised.json.incidents[0]).toMatchObject({ id: held.id, state: 'contained' });
    expect(revokes(person)).toHaveLength(1);
    expect(disables(person)).toHaveLength(1);
    expect((await detail(held.id)).json.timeline?.map((event) => event.kind)).toContain('severity_raised');
    // And the same redelivery once more is a replay.
    expect((await contain(manualAlert(person.userPrincipalName, 'raise-001', 'High'))).json.incidents[0]).toMatchObject({
      id: held.id,
      replayed: true,
    });
    expect(revokes(person)).toHaveLength(1);
  });

  it('a High alert for a person whose Medium alert is held is linked to that incident and contains it', async () => {
    const person = simulator.addUser({ userPrincipalName: 'severity.linked@wingtip-lab.example' });
    const held = (await contain(manualAlert(person.userPrincipalName, 'raise-002', 'Medium'))).json.incidents[0];
    expect(held.state).toBe('awaiting_approval');
    const high = await contain(
      sentinelIncident('c0c0c0c0-0000-4000-8000-000000000006', [{ upn: person.userPrincipalName, objectId: person.id }]),
    );
    expect(high.json.incidents[0]).toMatchObject({ id: held.id, state: 'contained', linked: true });
    expect(revokes(person)).toHaveLength(1);
  });
});
