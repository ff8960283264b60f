// Phase 2 end to end: real HTTP into the local host, the queued diagnose function, Graph over HTTP to the
// tenant simulator (sign-ins, directory audits, the Purview audit query API, mail, grants, methods,
// devices) and the findings in Azurite's Table Storage.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TableClient } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';
import { startLocalStack, type LocalStack } from '../../dev/stack';
import { SCENARIO_ATTACK, SCENARIO_BENIGN, SCENARIO_NETWORKS, SCENARIO_USERS, type TenantSimulator } from '../../dev/simulator';
import { request, type ContainBody } from '../support/http';
import { rediagnose as rediagnoseQueued } from '../support/diagnosis-stack';
import { bearer, readerToken } from '../support/tokens';

const FUNCTION_KEY = 'diagnosis-test-key-0123456789';
const sentinelSample = readFileSync(path.join(__dirname, '../../samples/alerts/sentinel-incident.json'), 'utf8');
const headers = { 'content-type': 'application/json', 'x-functions-key': FUNCTION_KEY };

interface FindingBody {
  kind: string;
  providerId: string;
  title: string;
  verdict: string;
  createdAt?: string;
  reasons: string[];
  details: Record<string, unknown>;
  raw?: unknown;
}
interface SourceBody {
  status: string;
  items: number;
  detail?: string;
}
interface DetailBody {
  id: string;
  state: string;
  t0?: string;
  diagnosis?: {
    status: string;
    runs: number;
    containmentHeld?: boolean;
    window: { start?: string; end: string; attackerIps: string[] };
    sources: Record<string, SourceBody>;
    recipients: { internal: string[]; external: string[] };
    summary: string;
  };
  findings: FindingBody[];
  timeline: Array<{ kind: string; summary: string }>;
}

let stack: LocalStack;
let simulator: TenantSimulator;

beforeAll(async () => {
  stack = await startLocalStack({ functionKey: FUNCTION_KEY, settings: { GRAPH_RETRY_BUDGET_MS: '3000', GRAPH_TIMEOUT_MS: '2000' } });
  simulator = stack.simulator!;
});

afterAll(async () => {
  await stack?.stop();
});

beforeEach(() => {
  simulator.clearFaults();
});

async function contain(body: string): Promise<string> {
  const response = await request<ContainBody>(`${stack.baseUrl}/api/contain`, { method: 'POST', headers, body });
  expect(response.status).toBe(200);
  const incident = response.json.incidents[0];
  // A later alert for the victim joins her open incident: diagnose it again under this test's faults.
  if (incident.linked === true) await rediagnoseQueued(stack, incident);
  return incident.id;
}

async function detail(id: string, query = ''): Promise<DetailBody> {
  const response = await request<DetailBody>(`${stack.baseUrl}/api/incidents/${id}${query}`, { headers: bearer(await readerToken(stack)) });
  expect(response.status).toBe(200);
  return response.json;
}

async function findingRows(id: string): Promise<number> {
  const client = TableClient.fromConnectionString(stack.storageConnectionString, 'Incidents', { allowInsecureConnection: true });
  let count = 0;
  for await (const row of client.listEntities({
    queryOptions: { filter: `PartitionKey eq '${id}' and RowKey ge 'finding-' and RowKey lt 'finding-~'` },
  }))
    if (row) count++;
  return count;
}

/** Closes the user's incidents in storage, so the next alert for them opens a new one. */
async function closeIncidentsOf(user: string): Promise<void> {
  const listed = await request<{ incidents: Array<{ id: string }> }>(`${stack.baseUrl}/api/incidents?user=${encodeURIComponent(user)}`, {
    headers: bearer(await readerToken(stack)),
  });
  const client = TableClient.fromConnectionString(stack.storageConnectionString, 'Incidents', { allowInsecureConnection: true });
  for (const { id } of listed.json.incidents) await client.updateEntity({ partitionKey: id, rowKey: 'incident', state: 'closed' }, 'Merge');
}

/** Queues diagnosis again for an incident, as a redelivered message would. */
async function rediagnose(incident: DetailBody, upn: string): Promise<void> {
  const queue = new QueueClient(stack.storageConnectionString, 'diagnose');
  const message = {
    version: 1,
    incidentId: incident.id,
    userKey: SCENARIO_USERS.victim.id,
    upn,
    alertKey: 'redelivered',
    ips: [],
    userAgents: [],
    t0: incident.t0,
  };
  await queue.sendMessage(Buffer.from(JSON.stringify(message)).toString('base64'));
  await stack.host.drainQueues(30_000);
}

function suspicious(findings: readonly FindingBody[], kinds: readonly string[]): string[] {
  return findings
    .filter((f) => f.verdict === 'suspicious' && kinds.includes(f.kind))
    .map((f) => `${f.kind} ${f.kind === 'sent_message' ? f.title : f.providerId}`)
    .sort();
}

const PERSISTENCE_AND_SENDS = ['inbox_rule', 'oauth_grant', 'app_role_assignment', 'authentication_method', 'device', 'sent_message'];
const SEEDED_ATTACK = [
  `authentication_method ${SCENARIO_ATTACK.phoneMethod.id}`,
  `device ${SCENARIO_ATTACK.device.id}`,
  `inbox_rule ${SCENARIO_ATTACK.inboxRule.id}`,
  `oauth_grant ${SCENARIO_ATTACK.maliciousApp.grantId}`,
  'sent_message Sent "Invoice 4471: new bank details"',
  'sent_message Sent "Updated remittance details"',
].sort();

describe('the demo victim', () => {
  let victimIncident: DetailBody;

  it("gets a pack that flags exactly the seeded persistence and the attacker's sends, and none of the benign items", async () => {
    const id = await contain(sentinelSample);
    await stack.host.drainQueues(30_000);
    victimIncident = await detail(id);
    const { diagnosis, findings } = victimIncident;
    expect(victimIncident.state).toBe('diagnosed');
    expect(diagnosis?.status).toBe('complete');
    expect(Object.values(diagnosis?.sources ?? {}).map((s) => s.status)).toEqual(Array(8).fill('complete'));

    expect(suspicious(findings, PERSISTENCE_AND_SENDS)).toEqual(SEEDED_ATTACK);
    const verdictOf = (providerId: string) => findings.find((f) => f.providerId === providerId)?.verdict;
    for (const benign of [
      SCENARIO_BENIGN.inboxRule.id,
      SCENARIO_BENIGN.app.grantId,
      SCENARIO_BENIGN.app.appRoleAssignmentId,
      SCENARIO_BENIGN.authenticatorMethod.id,
      SCENARIO_BENIGN.passwordMethod.id,
    ]) {
      expect([benign, verdictOf(benign)]).toEqual([benign, 'benign']);
    }
    expect(findings.some((f) => f.title === 'Sent "Q3 expense report"')).toBe(false);
    expect(findings.filter((f) => f.kind === 'sign_in').every((f) => f.details.ip === SCENARIO_NETWORKS.attacker.ipAddress)).toBe(true);

    expect(diagnosis?.recipients).toEqual({ internal: ['blake.morris@wingtip-lab.example'], external: ['ap@northwind-traders.example'] });
    expect(diagnosis?.containmentHeld).toBe(true);
    expect(diagnosis?.window.attackerIps).toEqual([SCENARIO_NETWORKS.attacker.ipAddress]);
    const rule = findings.find((f) => f.providerId === SCENARIO_ATTACK.inboxRule.id);
    expect(rule?.reasons).toEqual(
      expect.arrayContaining([
        'forwards to an external address (leak0314@protonmail.example)',
        'moves messages to RSS Feeds, a folder people rarely open',
      ]),
    );
    expect(diagnosis?.summary).toMatch(
      /Persistence to remove \(Phase 3\): Inbox rule "\.", Consent to MailPort Sync, Phone \+1 5555550100 and Device DESKTOP-AITM01\./,
    );
    expect(victimIncident.timeline.map((e) => e.kind)).toContain('diagnosed');
  });

  it('keeps raw evidence out of the answer unless asked for, and capped when it is', async () => {
    expect(victimIncident.findings.every((f) => f.raw === undefined)).toBe(true);
    const withRaw = await detail(victimIncident.id, '?raw=true');
    const rule = withRaw.findings.find((f) => f.providerId === SCENARIO_ATTACK.inboxRule.id);
    expect(rule?.raw).toMatchObject({ id: SCENARIO_ATTACK.inboxRule.id, displayName: '.' });
  });

  it('re-running diagnosis is idempotent: the same finding rows, one more run', async () => {
    const before = await findingRows(victimIncident.id);
    expect(before).toBe(victimIncident.findings.length);
    await rediagnose(victimIncident, SCENARIO_USERS.victim.userPrincipalName);
    expect(await findingRows(victimIncident.id)).toBe(before);
    const again = await detail(victimIncident.id);
    expect(again.diagnosis).toMatchObject({ status: 'complete', runs: 2 });
    expect(suspicious(again.findings, PERSISTENCE_AND_SENDS)).toEqual(SEEDED_ATTACK);
  });

  it('a successful sign-in after T0 is loud: post_containment_activity, containment did not hold', async () => {
    const victim = simulator.tenant.findUser(SCENARIO_USERS.victim.userPrincipalName)!;
    // Graph times are whole seconds: two seconds past T0 is after it whatever T0's milliseconds.
    const afterT0 = new Date(Math.floor(Date.parse(victimIncident.t0 as string) / 1000) * 1000 + 2000).toISOString().replace('.000Z', 'Z');
    const after = simulator.tenant.addSignIn({ user: victim, createdDateTime: afterT0, ipAddress: '203.0.113.200' });
    await rediagnose(victimIncident, victim.userPrincipalName);
    const again = await detail(victimIncident.id);
    expect(again.diagnosis?.containmentHeld).toBe(false);
    expect(again.findings.find((f) => f.kind === 'post_containment_activity')).toMatchObject({
      providerId: after.signIn.id,
      verdict: 'suspicious',
    });
    expect(again.timeline.filter((e) => e.kind === 'post_containment_activity')).toHaveLength(1);
    expect(again.diagnosis?.summary).toContain('CONTAINMENT DID NOT HOLD');
    simulator.tenant.signIns.splice(simulator.tenant.signIns.indexOf(after), 1);
  });
});

it('a 403 source is recorded with the permission it needs and a truncated one says so; the rest of the pack is intact', async () => {
  simulator.addFault({ method: 'GET', path: /\/authentication\/methods$/, status: 403, code: 'Authorization_RequestDenied' });
  const limit = simulator.tenant.auditQueryBehaviour.recordCountLimit;
  // Newest first: the limit keeps the attacker's sends, reads and the rule's creation, and cuts older records.
  simulator.tenant.auditQueryBehaviour.recordCountLimit = 4;
  try {
    // A fresh pack needs a fresh incident: the victim's earlier one is closed first (as a human or recovery would).
    await closeIncidentsOf(SCENARIO_USERS.victim.userPrincipalName);
    const id = await contain(
      JSON.stringify({
        user: SCENARIO_USERS.victim.userPrincipalName,
        alertId: 'diag-403',
        severity: 'High',
        sourceIp: SCENARIO_NETWORKS.attacker.ipAddress,
      }),
    );
    await stack.host.drainQueues(30_000);
    const incident = await detail(id);
    expect(incident.diagnosis?.sources.authenticationMethods).toMatchObject({
      status: 'unavailable',
      detail: 'unavailable: missing permission UserAuthenticationMethod.Read.All (Graph 403 Authorization_RequestDenied)',
    });
    expect(incident.diagnosis?.sources.mailboxAudit).toMatchObject({
      status: 'truncated',
      detail: 'truncated: the audit query exceeded its record-count limit',
    });
    expect(incident.findings.some((f) => f.kind === 'authentication_method')).toBe(false);
    expect(suspicious(incident.findings, ['inbox_rule', 'oauth_grant', 'device'])).toEqual([
      `device ${SCENARIO_ATTACK.device.id}`,
      `inbox_rule ${SCENARIO_ATTACK.inboxRule.id}`,
      `oauth_grant ${SCENARIO_ATTACK.maliciousApp.grantId}`,
    ]);
    // Unavailable and truncated are settled outcomes: the pack is complete, and says what it lacks.
    expect(incident.state).toBe('diagnosed');
    expect(incident.diagnosis?.summary).toMatch(
      /Incomplete: mailbox audit truncated: .*; authentication methods unavailable: missing permission UserAuthenticationMethod\.Read\.All/,
    );
  } finally {
    simulator.tenant.auditQueryBehaviour.recordCountLimit = limit;
  }
});

it("pages through more than 3,000 sign-ins to find the attacker's first one on the last page", async () => {
  const user = simulator.addUser({ userPrincipalName: 'paging.user@wingtip-lab.example', displayName: 'Paging User' });
  const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
  const corporate = SCENARIO_NETWORKS.corporate.ipAddress;
  for (let i = 0; i < 10; i++) simulator.tenant.addSignIn({ user, createdDateTime: minutesAgo(1200 - i * 60), ipAddress: corporate });
  const attackerIp = '203.0.113.66';
  const first = simulator.tenant.addSignIn({
    user,
    createdDateTime: minutesAgo(150),
    ipAddress: attackerIp,
    city: 'Amsterdam',
    countryOrRegion: 'NL',
  });
  // 3,000 newer sign-ins from the office: newest first, the attacker's is the 3,001st.
  for (let i = 0; i < 3_000; i++)
    simulator.tenant.addSignIn({
      user,
      createdDateTime: new Date(Date.now() - (140 * 60_000 - i * 2_500)).toISOString(),
      ipAddress: corporate,
    });
  simulator.clearRequestLog();

  const id = await contain(JSON.stringify({ user: user.userPrincipalName, alertId: 'paging-001', severity: 'High', sourceIp: attackerIp }));
  await stack.host.drainQueues(30_000);
  const incident = await detail(id);
  expect(incident.diagnosis?.sources.signIns).toMatchObject({ status: 'complete', items: 3_011 });
  expect(incident.diagnosis?.window.start).toBe(new Date(first.signIn.createdDateTime).toISOString());
  expect(incident.findings.filter((f) => f.kind === 'sign_in').map((f) => f.providerId)).toEqual([first.signIn.id]);
  const pages = simulator.requestLog.filter(
    (entry) =>
      entry.path === '/v1.0/auditLogs/signIns' &&
      [user.userPrincipalName, user.id].some((id) => decodeURIComponent(entry.query).includes(id)),
  );
  // Four distinct pages, following nextLink; a page whose transfer failed on a loaded machine is read
  // again by the retry middleware (an idempotent GET), so requests may exceed pages.
  const distinct = [...new Set(pages.map((entry) => entry.query))];
  expect(distinct).toHaveLength(4);
  expect(distinct.slice(1).every((query) => query.includes('skiptoken'))).toBe(true);
});

it('a protected (skipped) incident still gets its pack, and keeps its state', async () => {
  const id = await contain(JSON.stringify({ user: SCENARIO_USERS.breakGlass.userPrincipalName, alertId: 'diag-bg', severity: 'High' }));
  await stack.host.drainQueues(30_000);
  const incident = await detail(id);
  expect(incident.state).toBe('skipped_protected');
  expect(incident.diagnosis).toMatchObject({ status: 'complete', window: { endsAt: 'diagnosis' } });
  expect(incident.timeline.map((e) => e.kind)).toContain('diagnosis_completed');
});
