// The tenant simulator over real HTTP: plain fetch and the real @microsoft/microsoft-graph-client must
// see Graph's documented shapes, and the knobs (faults, latency, hangs, request log) must do what they say.
import { request as httpRequest } from 'node:http';
import { Client, GraphError, HTTPMessageHandler } from '@microsoft/microsoft-graph-client';
import {
  AuthenticationMethod,
  Device,
  DirectoryAudit,
  GraphUser,
  MessageRule,
  OAuth2PermissionGrant,
  SCENARIO_ATTACK,
  SCENARIO_NETWORKS,
  SCENARIO_USERS,
  SignIn,
  startTenantSimulator,
  TenantSimulator,
} from '../../dev/simulator';

const NOW = new Date('2026-03-14T12:00:00Z');
const GRAPH_CONTENT_TYPE = 'application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const { victim, casey } = SCENARIO_USERS;

let sim: TenantSimulator;
let graph: Client;

beforeEach(async () => {
  sim = await startTenantSimulator({ now: () => NOW });
  graph = Client.initWithMiddleware({ baseUrl: sim.baseUrl, defaultVersion: 'v1.0', middleware: new HTTPMessageHandler() });
});

afterEach(() => sim.stop());

function minutesBefore(minutes: number): string {
  return new Date(NOW.getTime() - minutes * 60_000).toISOString().replace('.000Z', 'Z');
}

interface Collection<T> {
  '@odata.context': string;
  '@odata.nextLink'?: string;
  value: T[];
}

interface ErrorBody {
  error: { code: string; message: string; innerError: Record<string, string> };
}

interface ControlState {
  latencyMs: number;
  users: { id: string; accountEnabled: boolean; revokeCount: number; signInSessionsValidFromDateTime: string }[];
}

/** The body is typed by the caller, as a Graph SDK model would be; assertions then check it. */
async function call<T = ErrorBody>(path: string, init: RequestInit = {}): Promise<{ res: Response; body: T }> {
  const res = await fetch(`${sim.baseUrl}${path}`, init);
  const text = await res.text();
  return { res, body: (text ? JSON.parse(text) : undefined) as T };
}

function jsonInit(method: string, body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } };
}

async function graphError(promise: Promise<unknown>): Promise<GraphError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GraphError);
  return error as GraphError;
}

function user(idOrUpn: string) {
  const found = sim.tenant.findUser(idOrUpn);
  if (!found) throw new Error(`no seeded user ${idOrUpn}`);
  return found;
}

describe('users', () => {
  it('gets a user by object id with Graph default properties and headers', async () => {
    const { res, body } = await call(`/v1.0/users/${victim.id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(GRAPH_CONTENT_TYPE);
    expect(res.headers.get('request-id')).toMatch(GUID);
    expect(res.headers.get('client-request-id')).toBe(res.headers.get('request-id'));
    expect(body).toMatchObject({
      '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#users/$entity',
      id: victim.id,
      userPrincipalName: victim.userPrincipalName,
      displayName: 'Avery Chen',
    });
    // As on Graph v1.0, accountEnabled must be $selected; simulator-only fields never leak.
    expect(body).not.toHaveProperty('accountEnabled');
    expect(body).not.toHaveProperty('revokeCount');
  });

  it('gets a user by UPN in any case through the Graph client, honouring $select', async () => {
    const got = (await graph
      .api(`/users/${victim.userPrincipalName.toUpperCase()}`)
      .select(['accountEnabled', 'onPremisesSyncEnabled'])
      .get()) as Partial<GraphUser>;
    expect(got).toEqual({
      '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#users(accountEnabled,onPremisesSyncEnabled)/$entity',
      id: victim.id,
      accountEnabled: true,
      onPremisesSyncEnabled: null,
    });
    const hybrid = (await graph
      .api(`/users/${SCENARIO_USERS.hybrid.userPrincipalName}`)
      .select('onPremisesSyncEnabled')
      .get()) as Partial<GraphUser>;
    expect(hybrid.onPremisesSyncEnabled).toBe(true);
  });

  it('rejects an unknown $select property as Graph does', async () => {
    const { res, body } = await call(`/v1.0/users/${victim.id}?$select=accountEnabled,nope`);
    expect(res.status).toBe(400);
    expect(body.error.message).toBe("Could not find a property named 'nope' on type 'microsoft.graph.user'.");
  });

  it('answers an unknown user with the Graph 404 error shape and request ids', async () => {
    const clientRequestId = 'f00dfeed-0000-4000-8000-000000000001';
    const { res, body } = await call('/v1.0/users/nobody@wingtip-lab.example', { headers: { 'client-request-id': clientRequestId } });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe(GRAPH_CONTENT_TYPE);
    const requestId = res.headers.get('request-id');
    expect(requestId).toMatch(GUID);
    expect(res.headers.get('client-request-id')).toBe(clientRequestId);
    expect(body).toEqual({
      error: {
        code: 'Request_ResourceNotFound',
        message: "Resource 'nobody@wingtip-lab.example' does not exist or one of its queried reference-property objects are not present.",
        innerError: {
          date: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/),
          'request-id': requestId,
          'client-request-id': clientRequestId,
        },
      },
    });

    const error = await graphError(graph.api('/users/nobody').get());
    expect(error.statusCode).toBe(404);
    expect(error.code).toBe('Request_ResourceNotFound');
    expect(error.requestId).toMatch(GUID);
  });

  it('PATCH accountEnabled through the Graph client returns 204 and the change sticks', async () => {
    await expect(graph.api(`/users/${victim.userPrincipalName}`).patch({ accountEnabled: false })).resolves.toBeUndefined();
    expect(user(victim.id).accountEnabled).toBe(false);
    expect(user(casey.id).accountEnabled).toBe(true);
    const { body } = await call<Partial<GraphUser>>(`/v1.0/users/${victim.id}?$select=accountEnabled`);
    expect(body.accountEnabled).toBe(false);

    const { res } = await call(`/v1.0/users/${victim.id}`, jsonInit('PATCH', { accountEnabled: true }));
    expect(res.status).toBe(204);
    expect(res.headers.get('content-type')).toBeNull();
    expect(user(victim.id).accountEnabled).toBe(true);
  });

  it('PATCH rejects a non-boolean accountEnabled and unknown properties without changing anything', async () => {
    const wrongType = await call(`/v1.0/users/${victim.id}`, jsonInit('PATCH', { accountEnabled: 'false' }));
    expect(wrongType.res.status).toBe(400);
    expect(wrongType.body.error.code).toBe('Request_BadRequest');

    const typo = await call(`/v1.0/users/${victim.id}`, jsonInit('PATCH', { accountEnabled: false, accountenabled: false }));
    expect(typo.res.status).toBe(400);
    expect(user(victim.id).accountEnabled).toBe(true);

    const malformed = await call(`/v1.0/users/${victim.id}`, {
      method: 'PATCH',
      body: '{"accountEnabled": fal',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.res.status).toBe(400);
    expect(malformed.body.error.code).toBe('BadRequest');
  });

  it('PATCH passwordProfile records a reset and enforces Entra password complexity', async () => {
    const weak = await call(`/v1.0/users/${victim.id}`, jsonInit('PATCH', { passwordProfile: { password: 'password' } }));
    expect(weak.res.status).toBe(400);
    expect(user(victim.id).passwordResetCount).toBe(0);

    await graph
      .api(`/users/${victim.id}`)
      .patch({ passwordProfile: { password: 'Tr0ub4dor&3-Horse', forceChangePasswordNextSignIn: true } });
    expect(user(victim.id)).toMatchObject({
      passwordResetCount: 1,
      forceChangePasswordNextSignIn: true,
      lastPasswordChangeDateTime: '2026-03-14T12:00:00Z',
    });
    expect(JSON.stringify(user(victim.id))).not.toContain('Tr0ub4dor');
  });

  it('revokeSignInSessions returns the documented body and moves signInSessionsValidFromDateTime', async () => {
    expect(user(victim.id).signInSessionsValidFromDateTime).not.toBe('2026-03-14T12:00:00Z');
    const { res, body } = await call(`/v1.0/users/${victim.userPrincipalName}/revokeSignInSessions`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(body).toEqual({ '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#Edm.Boolean', value: true });
    expect(user(victim.id)).toMatchObject({ revokeCount: 1, signInSessionsValidFromDateTime: '2026-03-14T12:00:00Z' });

    const viaClient = (await graph.api(`/users/${victim.id}/revokeSignInSessions`).post({})) as { value: boolean };
    expect(viaClient.value).toBe(true);
    expect(user(victim.id).revokeCount).toBe(2);
    expect(user(casey.id).revokeCount).toBe(0);

    const missing = await graphError(graph.api('/users/ghost@wingtip-lab.example/revokeSignInSessions').post({}));
    expect(missing.statusCode).toBe(404);
  });

  it('answers unknown segments with 400 and wrong methods with 405', async () => {
    const unknown = await call(`/v1.0/users/${victim.id}/revokeAllTheThings`, { method: 'POST' });
    expect(unknown.res.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ code: 'BadRequest', message: "Resource not found for the segment 'revokeAllTheThings'." });

    const topLevel = await call('/v1.0/teamsApps');
    expect(topLevel.body.error.message).toBe("Resource not found for the segment 'teamsApps'.");

    const wrongMethod = await call(`/v1.0/users/${victim.id}/revokeSignInSessions`);
    expect(wrongMethod.res.status).toBe(405);
    expect(wrongMethod.res.headers.get('allow')).toBe('POST');
    expect(wrongMethod.res.headers.get('request-id')).toMatch(GUID);
  });

  it('answers other API versions and undecodable paths with 400', async () => {
    const beta = await call('/beta/users');
    expect(beta.res.status).toBe(400);
    expect(beta.body.error.message).toBe('Invalid version: beta');
    const garbled = await call('/v1.0/users/%E0%A4%A');
    expect(garbled.res.status).toBe(400);
    expect(garbled.body.error.code).toBe('BadRequest');
  });

  it('addUser creates an addressable user with a generated id', async () => {
    const added = sim.addUser({ userPrincipalName: 'temp.contractor@wingtip-lab.example' });
    expect(added).toMatchObject({ id: expect.stringMatching(GUID), accountEnabled: true, revokeCount: 0, directoryRoles: [] });
    const got = (await graph.api('/users/Temp.Contractor@wingtip-lab.example').select('accountEnabled').get()) as Partial<GraphUser>;
    expect(got.id).toBe(added.id);
    expect(() => sim.addUser({ userPrincipalName: victim.userPrincipalName })).toThrow(/already exists/);
  });
});

describe('paging', () => {
  it('pages users by $top with absolute @odata.nextLink URLs on the simulator (fetch)', async () => {
    for (const alias of ['p1', 'p2', 'p3']) sim.addUser({ userPrincipalName: `${alias}@wingtip-lab.example` });
    const seen: Partial<GraphUser>[] = [];
    let next: string | undefined = `${sim.baseUrl}/v1.0/users?$top=4&$select=id,accountEnabled`;
    const pageSizes: number[] = [];
    while (next) {
      expect(next.startsWith(`${sim.baseUrl}/v1.0/users?`)).toBe(true);
      const res: Response = await fetch(next);
      expect(res.status).toBe(200);
      const body = (await res.json()) as Collection<Partial<GraphUser>>;
      pageSizes.push(body.value.length);
      seen.push(...body.value);
      next = body['@odata.nextLink'];
    }
    expect(pageSizes).toEqual([4, 4, 1]);
    expect(seen.map((u) => u.id)).toEqual(sim.tenant.users.map((u) => u.id));
    expect(Object.keys(seen[5]).sort()).toEqual(['accountEnabled', 'id']);
  });

  it('pages through the Graph client once the nextLink is made relative', async () => {
    const prefix = `${sim.baseUrl}/v1.0`;
    let page = (await graph.api('/users').top(2).get()) as Collection<GraphUser>;
    const ids = page.value.map((u) => u.id);
    for (let link = page['@odata.nextLink']; link; link = page['@odata.nextLink']) {
      expect(link.startsWith(prefix)).toBe(true);
      page = (await graph.api(link.slice(prefix.length)).get()) as Collection<GraphUser>;
      ids.push(...page.value.map((u) => u.id));
    }
    expect(ids).toHaveLength(6);
    expect(new Set(ids).size).toBe(6);
    expect(ids).toContain(SCENARIO_USERS.breakGlass.id);
  });

  it('rejects a forged $skiptoken and an out-of-range $top', async () => {
    const forged = await call('/v1.0/users?$top=2&$skiptoken=not-a-token');
    expect(forged.res.status).toBe(400);
    const tooBig = await call('/v1.0/users?$top=1000');
    expect(tooBig.res.status).toBe(400);
    expect(tooBig.body.error.message).toMatch(/between 1 and 999/);
    const unsupported = await call('/v1.0/users?$orderby=displayName');
    expect(unsupported.res.status).toBe(400);
  });
});

describe('seeded AiTM evidence', () => {
  const dayAgo = minutesBefore(24 * 60);

  it('filters sign-ins by UPN and createdDateTime, newest first', async () => {
    const filter = `userPrincipalName eq '${victim.userPrincipalName}' and createdDateTime ge ${dayAgo}`;
    const { res, body } = await call<Collection<SignIn>>(`/v1.0/auditLogs/signIns?$filter=${encodeURIComponent(filter)}`);
    expect(res.status).toBe(200);
    const signIns = body.value;
    expect(signIns).toHaveLength(8);
    expect(signIns.every((s) => s.userPrincipalName === victim.userPrincipalName && s.createdDateTime >= dayAgo)).toBe(true);
    expect(signIns.map((s) => s.createdDateTime)).toEqual([...signIns.map((s) => s.createdDateTime)].sort().reverse());

    const firstHostile = signIns.find((s) => s.createdDateTime === minutesBefore(SCENARIO_ATTACK.minutesBeforeNow.attackerSignIn));
    expect(firstHostile).toMatchObject({
      ipAddress: SCENARIO_NETWORKS.attacker.ipAddress,
      riskLevelDuringSignIn: 'high',
      status: { errorCode: 0 },
      location: { city: 'Amsterdam', countryOrRegion: 'NL' },
    });
    expect(firstHostile).not.toHaveProperty('userAgent');

    const viaClient = (await graph.api('/auditLogs/signIns').filter(filter).get()) as Collection<SignIn>;
    expect(viaClient.value).toHaveLength(8);
  });

  it('finds the campaign pivot by source IP', async () => {
    const { body } = await call<Collection<SignIn>>(
      `/v1.0/auditLogs/signIns?$filter=${encodeURIComponent(`ipAddress eq '${SCENARIO_NETWORKS.attacker.ipAddress}'`)}`,
    );
    const users = new Set(body.value.map((s) => s.userPrincipalName));
    expect(users).toEqual(new Set([victim.userPrincipalName, casey.userPrincipalName]));
  });

  it.each([
    ["appDisplayName eq 'OfficeHome'"],
    ["startswith(userPrincipalName,'avery')"],
    ["userPrincipalName eq 'a' or userPrincipalName eq 'b'"],
    ['createdDateTime ge yesterday'],
    ["createdDateTime ge '2026-03-13T00:00:00Z'"],
  ])('rejects the unsupported sign-in filter %s', async (filter) => {
    const { res, body } = await call(`/v1.0/auditLogs/signIns?$filter=${encodeURIComponent(filter)}`);
    expect(res.status).toBe(400);
    expect(body.error.code).toBe('BadRequest');
  });

  it('serves the persistence the attacker planted next to the benign originals', async () => {
    const rules = (await graph.api(`/users/${victim.userPrincipalName}/mailFolders/inbox/messageRules`).get()) as Collection<MessageRule>;
    expect(rules.value.map((r) => r.displayName)).toEqual(['Newsletters', '.']);
    expect(rules.value[1].actions.forwardTo).toEqual([
      { emailAddress: { name: 'leak0314@protonmail.example', address: 'leak0314@protonmail.example' } },
    ]);

    const grants = (await graph.api(`/users/${victim.id}/oauth2PermissionGrants`).get()) as Collection<OAuth2PermissionGrant>;
    expect(grants.value.map((g) => g.scope)).toEqual(['User.Read openid profile', 'Mail.Read Mail.Send offline_access']);

    const methods = (await graph.api(`/users/${victim.id}/authentication/methods`).get()) as Collection<AuthenticationMethod>;
    expect(methods.value.map((m) => m['@odata.type'])).toEqual([
      '#microsoft.graph.passwordAuthenticationMethod',
      '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod',
      '#microsoft.graph.phoneAuthenticationMethod',
    ]);
    expect(methods.value[2]).toMatchObject({ id: SCENARIO_ATTACK.phoneMethod.id, phoneNumber: '+1 5555550100', phoneType: 'mobile' });

    for (const relation of ['ownedDevices', 'registeredDevices']) {
      const devices = (await graph.api(`/users/${victim.id}/${relation}`).get()) as Collection<Device>;
      expect(devices.value.find((d) => d.displayName === 'DESKTOP-AITM01')).toMatchObject({
        '@odata.type': '#microsoft.graph.device',
        registrationDateTime: minutesBefore(140),
        trustType: 'Workplace',
      });
    }

    const roles = (await graph.api(`/users/${victim.id}/appRoleAssignments`).get()) as Collection<unknown>;
    expect(roles.value).toHaveLength(1);

    const audits = await call<Collection<DirectoryAudit>>(
      `/v1.0/auditLogs/directoryAudits?$filter=${encodeURIComponent(`activityDateTime ge ${dayAgo}`)}`,
    );
    expect(audits.body.value.map((a) => a.activityDisplayName).sort()).toEqual([
      'Add registered owner to device',
      'Consent to application',
      'Register device',
      'User registered security info',
    ]);

    const otherFolder = await call(`/v1.0/users/${victim.id}/mailFolders/sentitems/messageRules`);
    expect(otherFolder.res.status).toBe(404);
    const bystanderRules = (await graph.api(`/users/${casey.id}/mailFolders/inbox/messageRules`).get()) as Collection<MessageRule>;
    expect(bystanderRules.value).toEqual([]);
  });
});

describe('faults, latency and hangs', () => {
  it('throttles once with Retry-After, then succeeds', async () => {
    sim.addFault({ method: 'POST', path: /\/revokeSignInSessions$/, status: 429, times: 1, retryAfterSeconds: 7 });
    const throttled = await graphError(graph.api(`/users/${victim.id}/revokeSignInSessions`).post({}));
    expect(throttled.statusCode).toBe(429);
    expect(throttled.code).toBe('TooManyRequests');
    expect(throttled.headers?.get('retry-after')).toBe('7');
    expect(user(victim.id).revokeCount).toBe(0);

    const ok = (await graph.api(`/users/${victim.id}/revokeSignInSessions`).post({})) as { value: boolean };
    expect(ok.value).toBe(true);
    expect(user(victim.id).revokeCount).toBe(1);
    expect(sim.requestLog.map((e) => e.status)).toEqual([429, 200]);
  });

  it('matches string paths exactly and case-insensitively, for any method unless one is given', async () => {
    sim.addFault({ path: `/v1.0/USERS/${victim.id}`, status: 403 });
    const denied = await call(`/v1.0/users/${victim.id}`);
    expect(denied.res.status).toBe(403);
    expect(denied.body.error.code).toBe('Authorization_RequestDenied');
    expect((await call(`/v1.0/users/${victim.id}`, jsonInit('PATCH', { accountEnabled: false }))).res.status).toBe(403);
    expect(user(victim.id).accountEnabled).toBe(true);
    expect((await call(`/v1.0/users/${victim.id}/revokeSignInSessions`, { method: 'POST' })).res.status).toBe(200);

    sim.clearFaults();
    sim.addFault({ method: 'PATCH', path: /^\/v1\.0\/users\//, status: 503, code: 'serviceNotAvailable' });
    expect((await call(`/v1.0/users/${victim.id}`)).res.status).toBe(200);
    const unavailable = await call(`/v1.0/users/${victim.id}`, jsonInit('PATCH', { accountEnabled: false }));
    expect(unavailable.res.status).toBe(503);
    expect(unavailable.body.error.code).toBe('serviceNotAvailable');
  });

  it('hangs until the client aborts, logging status 0, and stop() still returns promptly', async () => {
    sim.addFault({ path: /revokeSignInSessions/, status: 'hang' });
    const aborted = fetch(`${sim.baseUrl}/v1.0/users/${victim.id}/revokeSignInSessions`, {
      method: 'POST',
      signal: AbortSignal.timeout(150),
    });
    await expect(aborted).rejects.toThrow();
    await until(() => sim.requestLog[0]?.finishedAt !== '');
    expect(sim.requestLog[0]).toMatchObject({ path: `/v1.0/users/${victim.id}/revokeSignInSessions`, status: 0 });
    expect(user(victim.id).revokeCount).toBe(0);

    const abandoned = fetch(`${sim.baseUrl}/v1.0/users/${victim.id}/revokeSignInSessions`, { method: 'POST' });
    const settled = abandoned.then(
      () => 'answered',
      () => 'dropped',
    );
    await until(() => sim.requestLog.length === 2);
    // The request hangs for good: a stop() that waited for it would never return.
    await sim.stop();
    await expect(settled).resolves.toBe('dropped');
    expect(sim.requestLog[1].status).toBe(0);
  });

  it('delays Graph calls by the configured latency but never the control routes', async () => {
    // Lower bounds only: a loaded machine adds time, it never removes any.
    sim.setLatency(250);
    expect(await timed(() => call(`/v1.0/users/${victim.id}`))).toBeGreaterThanOrEqual(245);
    // An hour: a delayed call would outlive the test, so an answer at all proves there was no delay.
    sim.setLatency(3_600_000);
    expect((await call('/_sim/state')).res.status).toBe(200);
    sim.setLatency(0);
    expect((await call(`/v1.0/users/${victim.id}`)).res.status).toBe(200);
    expect(() => sim.setLatency(-1)).toThrow(RangeError);
  });

  it('applies latency given at start', async () => {
    const slow = await startTenantSimulator({ latencyMs: 120 });
    try {
      const ms = await timed(() => fetch(`${slow.baseUrl}/v1.0/users/${victim.id}`).then((r) => r.text()));
      expect(ms).toBeGreaterThanOrEqual(115);
    } finally {
      await slow.stop();
    }
  });
});

describe('request log', () => {
  it('records method, decoded path, query and status, but never the Authorization value or a password', async () => {
    const secretToken = 'eyJ0eXAiOiJKV1Qi.super-secret-token';
    const password = 'N3w-Str0ng!Passw0rd';
    const { res } = await call(
      '/v1.0/users/avery.chen%40wingtip-lab.example',
      jsonInit(
        'PATCH',
        { accountEnabled: false, passwordProfile: { password, forceChangePasswordNextSignIn: true } },
        { authorization: `Bearer ${secretToken}` },
      ),
    );
    expect(res.status).toBe(204);
    await call(`/v1.0/users?$top=2&$select=id`);

    expect(sim.requestLog).toHaveLength(2);
    const [patch, list] = sim.requestLog;
    expect(patch).toMatchObject({
      method: 'PATCH',
      path: '/v1.0/users/avery.chen@wingtip-lab.example',
      query: '',
      status: 204,
      requestId: res.headers.get('request-id'),
      authorization: true,
      body: { accountEnabled: false, passwordProfile: { password: '[redacted]', forceChangePasswordNextSignIn: true } },
    });
    expect(Date.parse(patch.finishedAt)).toBeGreaterThanOrEqual(Date.parse(patch.receivedAt));
    expect(list).toMatchObject({ method: 'GET', path: '/v1.0/users', query: '$top=2&$select=id', status: 200, authorization: false });
    expect(list.body).toBeUndefined();

    const everywhere = JSON.stringify(sim.requestLog) + (await (await fetch(`${sim.baseUrl}/_sim/requests`)).text());
    expect(everywhere).not.toContain('super-secret-token');
    expect(everywhere).not.toContain(password);
  });

  it('leaves control calls out and can be cleared', async () => {
    await call('/_sim/state');
    await call(`/v1.0/users/${victim.id}`);
    expect(sim.requestLog.map((e) => e.path)).toEqual([`/v1.0/users/${victim.id}`]);
    sim.clearRequestLog();
    expect(sim.requestLog).toHaveLength(0);
  });
});

describe('Graph security comments', () => {
  interface Commented {
    id: string;
    comments: Array<{ comment: string; createdByDisplayName: string; createdDateTime: string }>;
  }
  const comment = { '@odata.type': 'microsoft.graph.security.alertComment', comment: 'contained by aitm-contain' };

  it.each([
    ['alerts_v2', 'ca7f2e9b1d4c6a8e0f3b5d7c9e1a2b4c6d', 'alert'],
    ['incidents', '7731', 'incident'],
  ])(
    'security/%s/{id}: a comment posted is answered with the collection and read back on that record only',
    async (collection, id, what) => {
      const added = await call<Collection<{ '@odata.type': string; comment: string }>>(
        `/v1.0/security/${collection}/${id}/comments`,
        jsonInit('POST', comment),
      );
      expect(added.res.status).toBe(200);
      expect(added.body['@odata.context']).toMatch(/#Collection\(microsoft\.graph\.security\.alertComment\)$/);
      expect(added.body.value).toEqual([
        expect.objectContaining({ '@odata.type': '#microsoft.graph.security.alertComment', comment: comment.comment }),
      ]);
      const read = await call<Commented>(`/v1.0/security/${collection}/${id}?$select=id,comments`);
      expect(read.res.status).toBe(200);
      expect(read.body).toEqual({
        id,
        comments: [{ comment: comment.comment, createdByDisplayName: 'aitm-contain', createdDateTime: NOW.toISOString() }],
      });
      // The other resource's comments are its own.
      const other = collection === 'alerts_v2' ? sim.tenant.security.incidentComments : sim.tenant.security.alertComments;
      expect([...other.values()].flat()).toEqual([]);

      const unknown = await call(`/v1.0/security/${collection}/not-seeded-0001/comments`, jsonInit('POST', comment));
      expect(unknown.res.status).toBe(404);
      expect(unknown.body.error).toMatchObject({ code: 'NotFound', message: `The ${what} 'not-seeded-0001' was not found.` });
      const empty = await call(`/v1.0/security/${collection}/${id}/comments`, jsonInit('POST', { comment: ' ' }));
      expect(empty.res.status).toBe(400);
    },
  );
});

describe('control routes', () => {
  it('adds and clears faults, with a regex path sent as JSON', async () => {
    const added = await call<Collection<unknown>>(
      '/_sim/faults',
      jsonInit('POST', { path: { regex: 'revokeSignInSessions$' }, status: 503, times: 1 }),
    );
    expect(added.res.status).toBe(201);
    expect(added.body.value).toEqual([expect.objectContaining({ path: { regex: 'revokeSignInSessions$' }, status: 503, remaining: 1 })]);

    const revoke = () => call(`/v1.0/users/${victim.id}/revokeSignInSessions`, { method: 'POST' });
    const first = await revoke();
    expect(first.res.status).toBe(503);
    expect(first.body.error.code).toBe('ServiceUnavailable');
    expect((await revoke()).res.status).toBe(200);

    await call('/_sim/faults', jsonInit('POST', { path: '/v1.0/users', status: 500 }));
    expect((await call('/_sim/faults', { method: 'DELETE' })).res.status).toBe(204);
    expect((await call('/v1.0/users')).res.status).toBe(200);

    const invalid = await call('/_sim/faults', jsonInit('POST', { path: '/v1.0/users', status: 200 }));
    expect(invalid.res.status).toBe(400);
    const badRegex = await call('/_sim/faults', jsonInit('POST', { path: { regex: '(' }, status: 500 }));
    expect(badRegex.res.status).toBe(400);
  });

  it('sets latency and reports state', async () => {
    const set = await call('/_sim/latency', jsonInit('POST', { ms: 40 }));
    expect(set.body).toEqual({ latencyMs: 40 });
    expect((await call('/_sim/latency', jsonInit('POST', { ms: 'fast' }))).res.status).toBe(400);

    await graph.api(`/users/${victim.id}/revokeSignInSessions`).post({});
    await graph.api(`/users/${victim.id}`).patch({ accountEnabled: false });
    const { body } = await call<ControlState>('/_sim/state');
    expect(body.latencyMs).toBe(40);
    expect(body.users.find((u) => u.id === victim.id)).toEqual(
      expect.objectContaining({ accountEnabled: false, revokeCount: 1, signInSessionsValidFromDateTime: '2026-03-14T12:00:00Z' }),
    );
    expect(body.users).toHaveLength(6);
  });

  it('lists and clears the request log', async () => {
    await call(`/v1.0/users/${victim.id}`);
    const listed = await call<Collection<{ path: string }>>('/_sim/requests');
    expect(listed.body.value.map((e) => e.path)).toEqual([`/v1.0/users/${victim.id}`]);
    expect((await call('/_sim/requests', { method: 'DELETE' })).res.status).toBe(204);
    expect(sim.requestLog).toHaveLength(0);
  });

  it('adds users, refusing duplicates and unknown fields', async () => {
    const created = await call(
      '/_sim/users',
      jsonInit('POST', { userPrincipalName: 'frankie.ito@wingtip-lab.example', accountEnabled: false }),
    );
    expect(created.res.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.stringMatching(GUID), accountEnabled: false });
    expect((await call('/v1.0/users/frankie.ito@wingtip-lab.example')).res.status).toBe(200);

    expect((await call('/_sim/users', jsonInit('POST', { userPrincipalName: 'FRANKIE.ITO@wingtip-lab.example' }))).res.status).toBe(409);
    expect((await call('/_sim/users', jsonInit('POST', { userPrincipalName: 'x@wingtip-lab.example', revokeCount: 9 }))).res.status).toBe(
      400,
    );
    expect((await call('/_sim/users', jsonInit('POST', { userPrincipalName: 'no-domain' }))).res.status).toBe(400);
  });

  it('answers unknown control routes with 404 and wrong methods with 405', async () => {
    expect((await call('/_sim/nothing')).res.status).toBe(404);
    expect((await call('/_sim/state', { method: 'DELETE' })).res.status).toBe(405);
  });
});

describe('startup and exposure', () => {
  it('listens on loopback with a bare base URL', () => {
    expect(sim.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it.each(['0.0.0.0', '192.168.1.10', '::'])('refuses to listen on %s', async (host) => {
    await expect(startTenantSimulator({ host })).rejects.toThrow(/loopback/);
  });

  it('refuses requests addressed to a non-loopback Host (DNS rebinding)', async () => {
    const { port } = new URL(sim.baseUrl);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port, path: `/v1.0/users/${victim.id}`, headers: { host: 'attacker.example' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(421);
    expect(sim.requestLog).toHaveLength(0);
  });
});

async function timed(action: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await action();
  return performance.now() - started;
}

/** Waits for the simulator to record what a request did; jest's test timeout, not a clock here, gives up. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}
