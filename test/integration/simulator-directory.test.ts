// Directory membership over real HTTP: checkMemberGroups (transitive, with Graph's limits) and the
// directory roles a user holds directly or through a role-assignable group, as containment reads them.
import { randomUUID } from 'node:crypto';
import { Client, HTTPMessageHandler } from '@microsoft/microsoft-graph-client';
import { DirectoryRole, GraphUser, SCENARIO_GROUPS, SCENARIO_USERS, startTenantSimulator, TenantSimulator } from '../../dev/simulator';

const { breakGlass, privileged, hybrid, casey, blake, victim } = SCENARIO_USERS;
const GLOBAL_ADMINISTRATOR = '62e90394-69f5-4237-9190-012177145e10';
const SECURITY_ADMINISTRATOR = '194ae4cb-b126-40b2-bd5b-6091b380977d';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let sim: TenantSimulator;

beforeEach(async () => {
  sim = await startTenantSimulator({ now: () => new Date('2026-03-14T12:00:00Z') });
});

afterEach(() => sim.stop());

interface Collection<T> {
  '@odata.context': string;
  '@odata.count'?: number;
  value: T[];
}

interface ErrorBody {
  error: { code: string; message: string };
}

async function call<T = ErrorBody>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(`${sim.baseUrl}${path}`, init);
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

function checkMemberGroups<T = Collection<string>>(user: string, body: unknown): Promise<{ status: number; body: T }> {
  return call<T>(`/v1.0/users/${encodeURIComponent(user)}/checkMemberGroups`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

function rolesOf(user: string, query = ''): Promise<{ status: number; body: Collection<DirectoryRole> }> {
  return call<Collection<DirectoryRole>>(
    `/v1.0/users/${encodeURIComponent(user)}/transitiveMemberOf/microsoft.graph.directoryRole${query}`,
  );
}

describe('checkMemberGroups', () => {
  it('finds the break-glass account in the seeded emergency access group, through the real Graph client', async () => {
    const graph = Client.initWithMiddleware({ baseUrl: sim.baseUrl, defaultVersion: 'v1.0', middleware: new HTTPMessageHandler() });
    const unrelated = randomUUID();
    const answer = (await graph
      .api(`/users/${breakGlass.userPrincipalName}/checkMemberGroups`)
      .post({ groupIds: [unrelated, SCENARIO_GROUPS.emergencyAccess.id] })) as Collection<string>;
    expect(answer).toEqual({
      '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#Collection(Edm.String)',
      value: ['3f9e2d1c-0b4a-4e5f-8a7b-6c5d4e3f2a10'],
    });
    const group = sim.tenant.findGroup(SCENARIO_GROUPS.emergencyAccess.id);
    expect(group).toEqual({ id: SCENARIO_GROUPS.emergencyAccess.id, displayName: 'Emergency access accounts', memberIds: [breakGlass.id] });
    expect((await checkMemberGroups(privileged.id, { groupIds: [SCENARIO_GROUPS.emergencyAccess.id] })).body.value).toEqual([]);
  });

  it('counts membership through nested groups, answering in the order asked and each group once', async () => {
    const tierZero = sim.addGroup({ displayName: 'Tier 0 operators', members: [casey.userPrincipalName.toUpperCase()] });
    const protectedAccounts = sim.addGroup({ displayName: 'Never auto-contain', members: [tierZero.id] });
    const outer = sim.addGroup({ displayName: 'All protected', members: [protectedAccounts.id, blake.id] });
    const asked = [outer.id, randomUUID(), tierZero.id.toUpperCase(), protectedAccounts.id, outer.id];

    const forCasey = await checkMemberGroups(casey.id, { groupIds: asked });
    expect(forCasey.status).toBe(200);
    expect(forCasey.body.value).toEqual([outer.id, tierZero.id, protectedAccounts.id]);
    expect((await checkMemberGroups(blake.userPrincipalName, { groupIds: asked })).body.value).toEqual([outer.id]);
    expect((await checkMemberGroups(victim.id, { groupIds: asked })).body.value).toEqual([]);
  });

  it.each([
    ['no body', undefined],
    ['no groupIds', {}],
    ['groupIds not a list', { groupIds: SCENARIO_GROUPS.emergencyAccess.id }],
    ['an empty list', { groupIds: [] }],
    ['21 ids', { groupIds: Array.from({ length: 21 }, () => randomUUID()) }],
    ['a non-GUID id', { groupIds: ['Emergency access accounts'] }],
    ['a non-string id', { groupIds: [42] }],
    ['an unknown parameter', { groupIds: [SCENARIO_GROUPS.emergencyAccess.id], securityEnabledOnly: true }],
  ])('refuses %s with 400 Request_BadRequest', async (_, body) => {
    const { status, body: error } = await checkMemberGroups<ErrorBody>(breakGlass.id, body);
    expect(status).toBe(400);
    expect(error.error.code).toBe('Request_BadRequest');
  });

  it('accepts exactly 20 ids', async () => {
    const ids = [...Array.from({ length: 19 }, () => randomUUID()), SCENARIO_GROUPS.emergencyAccess.id];
    expect((await checkMemberGroups(breakGlass.id, { groupIds: ids })).body.value).toEqual([SCENARIO_GROUPS.emergencyAccess.id]);
  });

  it('answers an unknown user with 404 Request_ResourceNotFound', async () => {
    const { status, body } = await checkMemberGroups<ErrorBody>('nobody@wingtip-lab.example', {
      groupIds: [SCENARIO_GROUPS.emergencyAccess.id],
    });
    expect(status).toBe(404);
    expect(body.error.code).toBe('Request_ResourceNotFound');
  });
});

describe('transitiveMemberOf/microsoft.graph.directoryRole', () => {
  it("lists a directly held role with its real template id and the tenant's own role object id", async () => {
    const { status, body } = await rolesOf(privileged.id);
    expect(status).toBe(200);
    expect(body['@odata.context']).toBe('https://graph.microsoft.com/v1.0/$metadata#directoryRoles');
    expect(body.value).toEqual([
      {
        '@odata.type': '#microsoft.graph.directoryRole',
        id: expect.stringMatching(GUID),
        displayName: 'Global Administrator',
        description: expect.stringMatching(/^Can manage all aspects/),
        roleTemplateId: GLOBAL_ADMINISTRATOR,
      },
    ]);
    const [role] = body.value;
    expect(role.id).not.toBe(GLOBAL_ADMINISTRATOR);
    // One role object per tenant: every holder sees the same id, in this simulator and the next.
    expect((await rolesOf(breakGlass.userPrincipalName)).body.value.map((r) => r.id)).toEqual([role.id]);
    const again = await startTenantSimulator();
    try {
      const erin = again.tenant.findUser(privileged.id);
      expect(erin && again.tenant.directoryRolesOf(erin).map((r) => r.id)).toEqual([role.id]);
    } finally {
      await again.stop();
    }
  });

  it("supports $select, and $count for callers that use Graph's advanced-query form", async () => {
    const { body } = await rolesOf(privileged.userPrincipalName, '?$select=displayName,roleTemplateId&$count=true');
    expect(body['@odata.context']).toBe('https://graph.microsoft.com/v1.0/$metadata#directoryRoles(displayName,roleTemplateId)');
    expect(body['@odata.count']).toBe(1);
    expect(body.value).toEqual([
      {
        '@odata.type': '#microsoft.graph.directoryRole',
        id: expect.stringMatching(GUID),
        displayName: 'Global Administrator',
        roleTemplateId: GLOBAL_ADMINISTRATOR,
      },
    ]);
    expect((await rolesOf(privileged.id, '?$select=nope')).status).toBe(400);
    expect((await rolesOf(privileged.id, '?$count=yes')).status).toBe(400);
  });

  it('includes roles held through a role-assignable group, once each', async () => {
    sim.addGroup({
      displayName: 'PIM Security Admins',
      members: [blake.id, privileged.id],
      directoryRoles: ['Security Administrator', 'Global Administrator'],
    });
    const forBlake = (await rolesOf(blake.id)).body.value;
    expect(forBlake.map((r) => [r.displayName, r.roleTemplateId])).toEqual([
      ['Security Administrator', SECURITY_ADMINISTRATOR],
      ['Global Administrator', GLOBAL_ADMINISTRATOR],
    ]);
    expect((await rolesOf(privileged.id)).body.value.map((r) => r.displayName)).toEqual(['Global Administrator', 'Security Administrator']);
  });

  it('is empty for a user without roles, and 404 for an unknown one', async () => {
    expect((await rolesOf(casey.id)).body).toEqual({
      '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#directoryRoles',
      value: [],
    });
    expect((await rolesOf(randomUUID())).status).toBe(404);
  });

  it('is the only cast served: the uncast membership list is refused rather than half-answered', async () => {
    const { status } = await call(`/v1.0/users/${privileged.id}/transitiveMemberOf`);
    expect(status).toBe(400);
  });
});

describe('the user facts containment selects', () => {
  it('serves onPremisesSyncEnabled with $select', async () => {
    const select = '?$select=id,userPrincipalName,onPremisesSyncEnabled';
    const drew = await call<Partial<GraphUser>>(`/v1.0/users/${hybrid.id}${select}`);
    expect(drew.body).toEqual({
      '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#users(id,userPrincipalName,onPremisesSyncEnabled)/$entity',
      id: hybrid.id,
      userPrincipalName: hybrid.userPrincipalName,
      onPremisesSyncEnabled: true,
    });
    expect((await call<Partial<GraphUser>>(`/v1.0/users/${victim.id}${select}`)).body.onPremisesSyncEnabled).toBeNull();
  });
});

describe('addGroup', () => {
  it('refuses unknown members, bad or taken ids, and groups nested in a role-assignable group', () => {
    expect(() => sim.addGroup({ displayName: 'x', members: ['ghost@wingtip-lab.example'] })).toThrow(TypeError);
    expect(() => sim.addGroup({ displayName: 'x', members: [randomUUID()] })).toThrow(/neither a user/);
    expect(() => sim.addGroup({ id: 'not-a-guid', displayName: 'x', members: [] })).toThrow(TypeError);
    expect(() => sim.addGroup({ id: SCENARIO_GROUPS.emergencyAccess.id.toUpperCase(), displayName: 'x', members: [] })).toThrow(
      /already exists/,
    );
    expect(() => sim.addGroup({ id: casey.id, displayName: 'x', members: [] })).toThrow(/already exists/);
    expect(() =>
      sim.addGroup({ displayName: 'Admins', members: [SCENARIO_GROUPS.emergencyAccess.id], directoryRoles: ['User Administrator'] }),
    ).toThrow(/role-assignable/);
    expect(sim.tenant.groups).toHaveLength(1);
  });

  it('is also a control route', async () => {
    const created = await call<{ id: string; memberIds: string[] }>('/_sim/groups', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ displayName: 'Executives', members: [casey.userPrincipalName], directoryRoles: ['Exchange Administrator'] }),
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.stringMatching(GUID), memberIds: [casey.id] });
    expect((await rolesOf(casey.id)).body.value.map((r) => r.roleTemplateId)).toEqual(['29232cdf-9323-42fd-ade2-1d097af3e4de']);
    const bad = await call('/_sim/groups', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ displayName: 'x', members: ['ghost@x.example'] }),
    });
    expect(bad.status).toBe(400);
    const taken = await call('/_sim/groups', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: created.body.id, displayName: 'y', members: [] }),
    });
    expect(taken.status).toBe(409);
  });
});
