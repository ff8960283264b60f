// The tenant simulator's Phase 2 surface over real HTTP: the Purview audit log query API (asynchronous,
// paged, record-limited), mail folders and sent messages, devices by id, the directory audit filters
// diagnosis sends, and bulk sign-ins for paging.
import { startTenantSimulator, SCENARIO_ATTACK, SCENARIO_MAILBOX, SCENARIO_USERS, type TenantSimulator } from '../../dev/simulator';

let sim: TenantSimulator;
const victim = SCENARIO_USERS.victim;
/** The tenant clock: the wall clock, or a time a test holds and moves itself. */
let heldClockMs: number | undefined;

beforeAll(async () => {
  sim = await startTenantSimulator({ now: () => new Date(heldClockMs ?? Date.now()) });
});

afterAll(async () => {
  await sim?.stop();
});

afterEach(() => {
  heldClockMs = undefined;
  sim.tenant.auditQueryBehaviour = { completesAfterMs: 0, recordCountLimit: 50_000, outcome: 'succeeded' };
});

async function call<T = Record<string, unknown>>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const response = await fetch(`${sim.baseUrl}${path}`, {
    ...init,
    headers: { 'content-type': 'application/json', ...(init.headers ?? {}) },
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
}

const dayAgo = () => new Date(Date.now() - 86_400_000).toISOString();

function createQuery(body: Record<string, unknown>) {
  return call<{ id: string; status: string; isRecordCountLimitExceeded: boolean }>('/v1.0/security/auditLog/queries', {
    method: 'POST',
    body: JSON.stringify(body),
  });
}

describe('security/auditLog/queries', () => {
  const mailbox = {
    filterStartDateTime: dayAgo(),
    filterEndDateTime: new Date().toISOString(),
    userPrincipalNameFilters: [victim.userPrincipalName],
  };

  it('runs asynchronously: notStarted, running, then succeeded with its records', async () => {
    sim.tenant.auditQueryBehaviour.completesAfterMs = 300;
    heldClockMs = Date.now();
    const created = await createQuery({ ...mailbox, operationFilters: ['Send'] });
    expect(created).toMatchObject({ status: 201, body: { status: 'notStarted' } });
    expect((await call(`/v1.0/security/auditLog/queries/${created.body.id}`)).body.status).toBe('running');
    expect((await call(`/v1.0/security/auditLog/queries/${created.body.id}/records`)).status).toBe(400);
    heldClockMs += 299;
    expect((await call(`/v1.0/security/auditLog/queries/${created.body.id}`)).body.status).toBe('running');
    heldClockMs += 1;
    expect((await call(`/v1.0/security/auditLog/queries/${created.body.id}`)).body.status).toBe('succeeded');
    const records = await call<{ value: Array<{ operation: string; auditData: { Item: { Subject: string } } }> }>(
      `/v1.0/security/auditLog/queries/${created.body.id}/records`,
    );
    expect(records.body.value.map((r) => r.auditData.Item.Subject).sort()).toEqual(
      [...SCENARIO_MAILBOX.attackerSends, ...SCENARIO_MAILBOX.benignSends].map((s) => s.subject).sort(),
    );
  });

  it('filters by time, operation and user, and pages with an absolute nextLink', async () => {
    const created = await createQuery({ ...mailbox, operationFilters: ['New-InboxRule', 'MailItemsAccessed'] });
    type Page = { value: Array<{ operation: string }>; '@odata.nextLink'?: string };
    const all: Array<{ operation: string }> = [];
    let link: string | undefined = `${sim.baseUrl}/v1.0/security/auditLog/queries/${created.body.id}/records?$top=2`;
    let pages = 0;
    while (link !== undefined) {
      expect(link.startsWith(`${sim.baseUrl}/v1.0/security/auditLog/queries/`)).toBe(true);
      const page: { body: Page } = await call<Page>(link.slice(sim.baseUrl.length));
      expect(page.body.value.length).toBeLessThanOrEqual(2);
      all.push(...page.body.value);
      link = page.body['@odata.nextLink'];
      pages++;
    }
    expect(pages).toBe(3);
    // The benign rule was made 21 days ago: outside the 24 h window.
    expect(all.map((r) => r.operation).sort()).toEqual([
      'MailItemsAccessed',
      'MailItemsAccessed',
      'MailItemsAccessed',
      'MailItemsAccessed',
      'New-InboxRule',
    ]);
    const other = await createQuery({ ...mailbox, userPrincipalNameFilters: [SCENARIO_USERS.casey.userPrincipalName] });
    expect((await call<{ value: unknown[] }>(`/v1.0/security/auditLog/queries/${other.body.id}/records`)).body.value).toEqual([]);
  });

  it('keeps the newest records up to its limit and says the limit was exceeded', async () => {
    sim.tenant.auditQueryBehaviour.recordCountLimit = 2;
    const created = await createQuery(mailbox);
    expect(created.body.isRecordCountLimitExceeded).toBe(true);
    const records = await call<{ value: Array<{ createdDateTime: string }> }>(`/v1.0/security/auditLog/queries/${created.body.id}/records`);
    expect(records.body.value).toHaveLength(2);
  });

  it('refuses a property the resource does not have, and answers 404 for an unknown query', async () => {
    expect((await createQuery({ ...mailbox, userFilter: 'x' })).status).toBe(400);
    expect((await createQuery({ operationFilters: 'Send' })).status).toBe(400);
    expect((await call('/v1.0/security/auditLog/queries/nope')).status).toBe(404);
  });

  it('is tuned over the control API for curl users', async () => {
    const set = await call('/_sim/audit-queries', {
      method: 'POST',
      body: JSON.stringify({ completesAfterMs: 60_000, recordCountLimit: 7 }),
    });
    expect(set.body).toEqual({ completesAfterMs: 60_000, recordCountLimit: 7, outcome: 'succeeded' });
    expect((await createQuery(mailbox)).body).toMatchObject({ status: 'notStarted' });
    expect((await call('/_sim/audit-queries', { method: 'POST', body: JSON.stringify({ outcome: 'maybe' }) })).status).toBe(400);
  });

  it('a failing search ends failed', async () => {
    sim.tenant.auditQueryBehaviour.outcome = 'failed';
    const created = await createQuery(mailbox);
    expect((await call(`/v1.0/security/auditLog/queries/${created.body.id}`)).body.status).toBe('failed');
  });
});

describe('mail folders, sent messages and devices', () => {
  it('names the folder a rule moves mail to, and answers 404 for a folder that is not there', async () => {
    const folder = await call(
      `/v1.0/users/${victim.id}/mailFolders/${encodeURIComponent(SCENARIO_ATTACK.inboxRule.moveToFolderId)}?$select=displayName`,
    );
    expect(folder.body).toMatchObject({ id: SCENARIO_ATTACK.inboxRule.moveToFolderId, displayName: 'RSS Feeds' });
    expect(folder.body).not.toHaveProperty('totalItemCount');
    expect((await call(`/v1.0/users/${victim.id}/mailFolders/AAMkADnope`)).body).toMatchObject({ error: { code: 'ErrorItemNotFound' } });
  });

  it('finds a sent message by its InternetMessageId, with its recipients', async () => {
    const send = SCENARIO_MAILBOX.attackerSends[1];
    const filter = encodeURIComponent(`internetMessageId eq '${send.internetMessageId}'`);
    const found = await call<{ value: Array<{ subject: string; toRecipients: unknown }> }>(
      `/v1.0/users/${victim.id}/messages?$filter=${filter}&$select=subject,toRecipients`,
    );
    expect(found.body.value).toEqual([
      { id: expect.any(String), subject: send.subject, toRecipients: [{ emailAddress: { name: send.to, address: send.to } }] },
    ]);
    const none = await call<{ value: unknown[] }>(
      `/v1.0/users/${victim.id}/messages?$filter=${encodeURIComponent("internetMessageId eq '<gone@x>'")}`,
    );
    expect(none.body.value).toEqual([]);
  });

  it('reads a device by object id, and answers 404 for one that is gone', async () => {
    const device = await call(`/v1.0/devices/${SCENARIO_ATTACK.device.id}?$select=displayName,registrationDateTime,trustType`);
    expect(device.body).toMatchObject({ '@odata.type': '#microsoft.graph.device', displayName: 'DESKTOP-AITM01', trustType: 'Workplace' });
    expect((await call('/v1.0/devices/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });
});

describe('directory audit filters', () => {
  const since = `activityDateTime ge ${dayAgo().slice(0, 19)}Z`;

  it('applies initiatedBy/user/id and targetResources/any(...) as Graph does', async () => {
    const byInitiator = await call<{ value: Array<{ activityDisplayName: string }> }>(
      `/v1.0/auditLogs/directoryAudits?$filter=${encodeURIComponent(`${since} and initiatedBy/user/id eq '${victim.id}'`)}`,
    );
    expect(byInitiator.body.value.map((a) => a.activityDisplayName).sort()).toEqual([
      'Add registered owner to device',
      'Consent to application',
      'Register device',
      'User registered security info',
    ]);
    const byTarget = await call<{ value: Array<{ activityDisplayName: string }> }>(
      `/v1.0/auditLogs/directoryAudits?$filter=${encodeURIComponent(`${since} and targetResources/any(t:t/id eq '${victim.id}')`)}`,
    );
    expect(byTarget.body.value.map((a) => a.activityDisplayName).sort()).toEqual([
      'Add registered owner to device',
      'User registered security info',
    ]);
    const someoneElse = await call<{ value: unknown[] }>(
      `/v1.0/auditLogs/directoryAudits?$filter=${encodeURIComponent(`${since} and initiatedBy/user/id eq '${SCENARIO_USERS.casey.id}'`)}`,
    );
    expect(someoneElse.body.value).toEqual([]);
  });
});

describe('bulk sign-ins', () => {
  it('addSignIn builds Graph-shaped sign-ins, kept newest first and served by the filters', async () => {
    const user = sim.addUser({ userPrincipalName: 'bulk.user@wingtip-lab.example' });
    const at = (m: number) => new Date(Date.now() - m * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
    sim.tenant.addSignIn({ user, createdDateTime: at(10), ipAddress: '203.0.113.1', errorCode: 50057 });
    sim.tenant.addSignIn({
      user,
      createdDateTime: at(5),
      ipAddress: '203.0.113.2',
      userAgent: 'HeadlessChrome',
      autonomousSystemNumber: 14061,
    });
    const listed = await call<{ value: Array<{ ipAddress: string; status: { errorCode: number }; userAgent?: string }> }>(
      `/v1.0/auditLogs/signIns?$filter=${encodeURIComponent(`userId eq '${user.id}'`)}`,
    );
    expect(listed.body.value.map((s) => [s.ipAddress, s.status.errorCode])).toEqual([
      ['203.0.113.2', 0],
      ['203.0.113.1', 50057],
    ]);
    expect(listed.body.value[0]).not.toHaveProperty('userAgent');
    expect(sim.tenant.signIns.find((r) => r.signIn.ipAddress === '203.0.113.2')).toMatchObject({
      userAgent: 'HeadlessChrome',
      autonomousSystemNumber: 14061,
    });
  });
});
