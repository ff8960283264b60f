// The safety rules, through POST /api/contain, Azurite and the simulator, read off the simulator's
// request log: protected accounts and groups, privileged users, hybrid users, the severity gate, and
// human approvals.
import fc from 'fast-check';
import { startLocalStack, type LocalStack } from '../../dev/stack';
import { SCENARIO_ANALYSTS, type TenantSimulator } from '../../dev/simulator';
import { isGraphWrite, manualAlert, request, type ContainBody, type IncidentBody } from '../support/http';
import { approverToken, bearer, readerToken } from '../support/tokens';

const KEY = 'safety-test-key-0123456789';
const EMERGENCY_GROUP = '3f9e2d1c-0b4a-4e5f-8a7b-6c5d4e3f2a10';
const PROPERTY_GROUP = '6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c21';
const LISTED_BY_ID = '0b2c4d6e-8f0a-4b2c-9d4e-6f8a0b2c4d61';

let stack: LocalStack;
let simulator: TenantSimulator;
const hostLog: string[] = [];
/** The seeded analysts' user tokens: an approver decides, a reader reads. */
let approver: Record<string, string>;
let reader: Record<string, string>;

const headers = { 'content-type': 'application/json', 'x-functions-key': KEY };
const contain = (body: string) => request<ContainBody>(`${stack.baseUrl}/api/contain`, { method: 'POST', headers, body });
const decide = (id: string, verb: 'approve' | 'reject', body = '') =>
  request<IncidentBody & { error?: { code: string; message: string } }>(`${stack.baseUrl}/api/incidents/${id}/${verb}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...approver },
    body,
  });
const incident = (id: string) => request<IncidentBody>(`${stack.baseUrl}/api/incidents/${id}`, { headers: reader });

function writesTo(...ids: string[]) {
  const wanted = ids.map((id) => id.toLowerCase());
  return simulator.requestLog.filter(
    (entry) => isGraphWrite(entry) && wanted.some((id) => entry.path.toLowerCase().includes(`/users/${id}`)),
  );
}

beforeAll(async () => {
  stack = await startLocalStack({
    functionKey: KEY,
    settings: {
      PROTECTED_ACCOUNTS: `bg-admin-01@wingtip-lab.example,${LISTED_BY_ID}`,
      PROTECTED_GROUP_IDS: `${EMERGENCY_GROUP},${PROPERTY_GROUP}`,
      BLAST_RADIUS_MAX: '1000',
      // The hunt's other victims (hunt-*.test.ts covers them) would add incidents and load this file does not measure.
      CAMPAIGN_CONTAINMENT: 'off',
    },
    log: (line) => hostLog.push(line),
  });
  simulator = stack.simulator!;
  [approver, reader] = [bearer(await approverToken(stack)), bearer(await readerToken(stack))];
  simulator.addGroup({ id: PROPERTY_GROUP, displayName: 'Property-test protected', members: [] });
});

afterAll(async () => {
  await stack?.stop();
});

describe('protected accounts', () => {
  it('never touches an account listed in PROTECTED_ACCOUNTS, and warns', async () => {
    const response = await contain(manualAlert('bg-admin-01@wingtip-lab.example', 'protected-001'));
    expect(response.status).toBe(200);
    expect(response.json.incidents[0]).toMatchObject({ state: 'skipped_protected', actions: [] });
    expect(writesTo('bg-admin-01@wingtip-lab.example', '5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b99')).toHaveLength(0);
    const detail = await incident(response.json.incidents[0].id);
    expect(detail.json.timeline?.map((event) => event.kind)).toContain('skipped_protected');
    expect(hostLog.some((line) => line.includes('"level":"warning"') && line.includes('skipped_protected'))).toBe(true);
  });

  it('catches an account listed by object id when the alert names it by UPN', async () => {
    const user = simulator.addUser({ id: LISTED_BY_ID, userPrincipalName: 'listed.by.id@wingtip-lab.example' });
    const response = await contain(manualAlert(user.userPrincipalName, 'protected-002'));
    expect(response.json.incidents[0].state).toBe('skipped_protected');
    expect(writesTo(user.id, user.userPrincipalName)).toHaveLength(0);
    expect(user.accountEnabled).toBe(true);
  });

  it('never touches a member of a protected group, directly or through a nested group', async () => {
    const direct = simulator.addUser({ userPrincipalName: 'group.direct@wingtip-lab.example' });
    const nested = simulator.addUser({ userPrincipalName: 'group.nested@wingtip-lab.example' });
    const inner = simulator.addGroup({ displayName: 'Inner', members: [nested.id] });
    simulator.tenant.groups.find((group) => group.id === EMERGENCY_GROUP)!.memberIds.push(direct.id, inner.id);
    for (const [user, alertId] of [
      [direct, 'group-001'],
      [nested, 'group-002'],
    ] as const) {
      const response = await contain(manualAlert(user.userPrincipalName, alertId));
      expect(response.json.incidents[0]).toMatchObject({ state: 'skipped_protected' });
      expect(response.json.incidents[0].reason).toContain(EMERGENCY_GROUP);
      expect(writesTo(user.id, user.userPrincipalName)).toHaveLength(0);
    }
  });

  it('a protected member named by a low-severity alert is skipped at once: protection is decided before the severity hold', async () => {
    const user = simulator.addUser({ userPrincipalName: 'protected.low@wingtip-lab.example' });
    simulator.tenant.groups.find((group) => group.id === EMERGENCY_GROUP)!.memberIds.push(user.id);
    const response = await contain(manualAlert(user.userPrincipalName, 'protected-004', 'Medium'));
    expect(response.json.incidents[0]).toMatchObject({ state: 'skipped_protected' });
    expect(writesTo(user.id, user.userPrincipalName)).toHaveLength(0);
  });

  it('approval never overrides protection', async () => {
    const user = simulator.addUser({ userPrincipalName: 'protected.medium@wingtip-lab.example' });
    const held = await contain(manualAlert(user.userPrincipalName, 'protected-003', 'Medium'));
    expect(held.json.incidents[0].state).toBe('awaiting_approval');
    // Made protected while the incident waits: the approval reads the directory again.
    simulator.tenant.groups.find((group) => group.id === EMERGENCY_GROUP)!.memberIds.push(user.id);
    const approved = await decide(held.json.incidents[0].id, 'approve');
    expect(approved.status).toBe(200);
    expect(approved.json.state).toBe('skipped_protected');
    expect(writesTo(user.id, user.userPrincipalName)).toHaveLength(0);
  });
});

describe('privileged, hybrid, severity', () => {
  it('holds a user with a directory role for approval; approval contains and records who decided', async () => {
    const erin = simulator.tenant.findUser('erin.lopez@wingtip-lab.example')!;
    const held = await contain(manualAlert(erin.userPrincipalName, 'privileged-001'));
    expect(held.status).toBe(200);
    expect(held.json.incidents[0]).toMatchObject({ state: 'awaiting_approval', directoryRoles: ['Global Administrator'] });
    expect(held.json.incidents[0].reason).toMatch(/PRIVILEGED_USERS=approve/);
    expect(writesTo(erin.id, erin.userPrincipalName)).toHaveLength(0);

    // The first pack is made while the incident is held (no T0 yet).
    await stack.host.drainQueues(30_000);
    expect((await incident(held.json.incidents[0].id)).json.state).toBe('awaiting_approval');
    const approved = await decide(held.json.incidents[0].id, 'approve', JSON.stringify({ comment: 'confirmed by phone' }));
    expect(approved.status).toBe(200);
    expect(approved.json.state).toBe('contained');
    expect(erin.accountEnabled).toBe(false);
    expect(erin.revokeCount).toBe(1);
    const approvedEvent = (await incident(held.json.incidents[0].id)).json.timeline?.find((event) => event.kind === 'approved');
    const sam = `${SCENARIO_ANALYSTS.approver.userPrincipalName} (oid ${SCENARIO_ANALYSTS.approver.objectId})`;
    expect(approvedEvent).toMatchObject({ actor: sam, summary: `Approved by ${sam}: confirmed by phone` });
    // Diagnosis runs again now that there is a T0, and moves the incident on.
    await stack.host.drainQueues(30_000);
    expect((await incident(held.json.incidents[0].id)).json.state).toBe('diagnosed');
  });

  it('a 403 when disabling a privileged user becomes awaiting_approval with the reason, not a crash', async () => {
    const admin = simulator.addUser({ userPrincipalName: 'priv.refused@wingtip-lab.example', directoryRoles: ['User Administrator'] });
    const held = await contain(manualAlert(admin.userPrincipalName, 'privileged-002'));
    simulator.addFault({ method: 'PATCH', path: `/v1.0/users/${admin.id}`, status: 403, code: 'Authorization_RequestDenied' });
    const approved = await decide(held.json.incidents[0].id, 'approve');
    simulator.clearFaults();
    expect(approved.status).toBe(200);
    expect(approved.json.state).toBe('awaiting_approval');
    expect(approved.json.reason).toMatch(/Privileged Authentication Administrator/);
    expect(admin.revokeCount).toBe(1);
    expect(admin.accountEnabled).toBe(true);
  });

  it('contains a hybrid user and records that AD must be disabled too', async () => {
    const drew = simulator.tenant.findUser('drew.patel@wingtip-lab.example')!;
    const response = await contain(manualAlert(drew.userPrincipalName, 'hybrid-001'));
    expect(response.json.incidents[0]).toMatchObject({ state: 'contained', requiresOnPremDisable: true });
    expect(drew.accountEnabled).toBe(false);
    const timeline = (await incident(response.json.incidents[0].id)).json.timeline ?? [];
    expect(timeline.find((event) => event.kind === 'on_premises_disable_required')?.summary).toMatch(/disable it in AD too/);
  });

  it('holds an alert below MIN_AUTO_CONTAIN_SEVERITY; reject closes it and sends nothing', async () => {
    const user = simulator.addUser({ userPrincipalName: 'medium.severity@wingtip-lab.example' });
    const held = await contain(manualAlert(user.userPrincipalName, 'severity-001', 'Medium'));
    expect(held.json.incidents[0]).toMatchObject({ state: 'awaiting_approval' });
    expect(held.json.incidents[0].reason).toMatch(/below MIN_AUTO_CONTAIN_SEVERITY=high/);
    const rejected = await decide(held.json.incidents[0].id, 'reject', JSON.stringify({ comment: 'user was travelling' }));
    expect(rejected.status).toBe(200);
    expect(rejected.json.state).toBe('closed');
    expect(writesTo(user.id, user.userPrincipalName)).toHaveLength(0);
    expect((await decide(held.json.incidents[0].id, 'approve')).status).toBe(409);
    expect((await decide(held.json.incidents[0].id, 'reject')).status).toBe(409);
  });

  it('approval is refused for an incident that is not waiting, an unknown id, and a caller without a token', async () => {
    const user = simulator.addUser({ userPrincipalName: 'already.contained@wingtip-lab.example' });
    const done = await contain(manualAlert(user.userPrincipalName, 'approve-409'));
    expect(done.json.incidents[0].state).toBe('contained');
    expect((await decide(done.json.incidents[0].id, 'approve')).status).toBe(409);
    expect((await decide('01JAAAAAAAAAAAAAAAAAAAAAAA', 'approve')).status).toBe(404);
    const noKey = await request(`${stack.baseUrl}/api/incidents/${done.json.incidents[0].id}/approve`, { method: 'POST' });
    expect(noKey.status).toBe(401);
  });
});

describe('property: no write ever reaches a protected account', () => {
  it('holds for random alerts over random protected sets', async () => {
    const pool = Array.from({ length: 8 }, (_, i) => simulator.addUser({ userPrincipalName: `pool-${i}@wingtip-lab.example` }));
    const propertyGroup = simulator.tenant.groups.find((group) => group.id === PROPERTY_GROUP)!;
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.subarray(pool.map((_, i) => i)),
        fc.array(
          fc.record({
            users: fc.subarray(
              pool.map((_, i) => i),
              { minLength: 1 },
            ),
            severity: fc.constantFrom('High', 'Medium'),
            byId: fc.boolean(),
            approve: fc.boolean(),
          }),
          {
            minLength: 1,
            maxLength: 3,
          },
        ),
        async (protectedIndexes, alerts) => {
          run++;
          // Fresh users each run, so no cached membership answer can hide a change in the protected set.
          const users = pool.map((_, i) => simulator.addUser({ userPrincipalName: `p${run}-${i}@wingtip-lab.example` }));
          const shielded = protectedIndexes.map((i) => users[i]);
          propertyGroup.memberIds.splice(0, propertyGroup.memberIds.length, ...shielded.map((user) => user.id));
          simulator.clearRequestLog();
          for (const [n, alert] of alerts.entries()) {
            const body = JSON.stringify({
              object: {
                name: `prop-${run}-${n}`,
                type: 'Microsoft.SecurityInsights/Incidents',
                properties: {
                  severity: alert.severity,
                  title: 'property test',
                  relatedEntities: alert.users.map((i) =>
                    alert.byId
                      ? { kind: 'Account', properties: { aadUserId: users[i].id } }
                      : {
                          kind: 'Account',
                          properties: { accountName: users[i].userPrincipalName.split('@')[0], upnSuffix: 'wingtip-lab.example' },
                        },
                  ),
                },
              },
            });
            const response = await contain(body);
            expect(response.status).toBe(200);
            if (alert.approve) {
              for (const held of response.json.incidents.filter((incident) => incident.state === 'awaiting_approval'))
                await decide(held.id, 'approve');
            }
          }
          expect(writesTo(...shielded.flatMap((user) => [user.id, user.userPrincipalName]))).toEqual([]);
          for (const user of shielded) expect(user.accountEnabled).toBe(true);
        },
      ),
      { numRuns: 12 },
    );
    // Up to 12 x 3 alerts x 8 people through the real stack, with their queued diagnoses: bounded work
    // whose duration depends on the seed and on the machine's load, not a race; it gets room for both.
  }, 180_000);
});
