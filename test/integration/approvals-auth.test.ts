// Who may decide and read, with the local defaults (the stack trusts its simulator's token issuer, as
// an app registration would be configured): only an analyst's user token carrying the approver role
// approves or rejects; the reader role reads; the alert source's credentials (the contain function key,
// the host key, the playbook's app token) decide nothing. Each refusal writes nothing.
import { SCENARIO_ANALYSTS, SCENARIO_CALLER, type TenantSimulator } from '../../dev/simulator';
import { startLocalStack, type LocalStack } from '../../dev/stack';
import { heldIncident as held } from '../support/held-incident';
import { isGraphWrite, request, type IncidentBody } from '../support/http';
import { approverToken, bearer, readerToken, simulatorToken } from '../support/tokens';

let stack: LocalStack;
let simulator: TenantSimulator;

beforeAll(async () => {
  stack = await startLocalStack({ functionKey: 'approvals-auth-contain-key-0123456789' });
  simulator = stack.simulator!;
});

afterAll(async () => {
  await stack?.stop();
});

type Decided = IncidentBody & {
  approvedBy?: string;
  rejectedBy?: string;
  approver?: { id: string; kind: string; name?: string; objectId?: string };
  error?: { message: string };
};

const heldIncident = () => held(stack, simulator, 'approvals-auth');

function decide(id: string, verb: 'approve' | 'reject', headers: Record<string, string>) {
  return request<Decided>(`${stack.baseUrl}/api/incidents/${id}/${verb}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ comment: 'checked' }),
  });
}

async function detail(id: string) {
  const response = await request<IncidentBody>(`${stack.baseUrl}/api/incidents/${id}`, { headers: bearer(await readerToken(stack)) });
  expect(response.status).toBe(200);
  return response.json;
}

const SAM = `${SCENARIO_ANALYSTS.approver.userPrincipalName} (oid ${SCENARIO_ANALYSTS.approver.objectId})`;

describe.each([
  ['the contain function key', () => Promise.resolve({ 'x-functions-key': stack.functionKey }), 401],
  ["the host key (the route is not the host key's to open)", () => Promise.resolve({ 'x-functions-key': stack.hostKey }), 401],
  ["the approve function's own key", () => Promise.resolve({ 'x-functions-key': stack.functionKeys.approveIncident }), 401],
  ['no credential', () => Promise.resolve({}), 401],
  ["the playbook's app token", async () => bearer(await simulatorToken(stack, { kind: 'app' })), 403],
  [
    'an app token carrying the approver role',
    async () => bearer(await simulatorToken(stack, { kind: 'app', appId: SCENARIO_CALLER.appId, roles: ['Incidents.Approve'] })),
    403,
  ],
  ["a reader's user token", async () => bearer(await readerToken(stack)), 403],
  ['a user token without any app role', async () => bearer(await approverToken(stack, { roles: [] })), 403],
  ['an expired approver token', async () => bearer(await approverToken(stack, { expiresInSeconds: -600 })), 401],
  ['an approver token for another audience', async () => bearer(await approverToken(stack, { audience: 'api://someone-else' })), 401],
  [
    'an approver token from another tenant',
    async () => bearer(await approverToken(stack, { tenantId: '00000000-1111-4222-8333-444444444444' })),
    401,
  ],
  ['an unsigned approver token', async () => bearer(await approverToken(stack, { signWith: 'none' })), 401],
] as Array<[string, () => Promise<Record<string, string>>, number]>)('deciding with %s', (_label, credential, status) => {
  it(`answers ${status}, and neither approve nor reject writes anything`, async () => {
    const held = await heldIncident();
    const before = await detail(held.id);
    simulator.clearRequestLog();
    for (const verb of ['approve', 'reject'] as const) {
      const response = await decide(held.id, verb, await credential());
      expect(response.status).toBe(status);
      expect(response.json.error?.message ?? '').not.toMatch(/eyJ/);
    }
    expect(simulator.requestLog.filter(isGraphWrite)).toEqual([]);
    expect(simulator.tenant.findUser(held.upn)!.accountEnabled).toBe(true);
    const after = await detail(held.id);
    expect(after.state).toBe('awaiting_approval');
    expect(after.timeline).toEqual(before.timeline);
  });
});

it.each([1, 2] as const)('an approver with a v%i user token approves, and the timeline and response name the person', async (version) => {
  const held = await heldIncident();
  const response = await decide(held.id, 'approve', bearer(await approverToken(stack, { version })));
  expect(response.status).toBe(200);
  expect(response.json.state).toBe('contained');
  expect(response.json.approvedBy).toBe(SAM);
  expect(response.json.approver).toEqual({
    id: SAM,
    kind: 'user',
    name: SCENARIO_ANALYSTS.approver.userPrincipalName,
    objectId: SCENARIO_ANALYSTS.approver.objectId,
  });
  expect(simulator.tenant.findUser(held.upn)!.accountEnabled).toBe(false);
  const approved = (await detail(held.id)).timeline?.find((event) => event.kind === 'approved');
  expect(approved).toMatchObject({ actor: SAM, summary: `Approved by ${SAM}: checked` });
});

it.each([
  ['a v1 token without idtyp (scp and upn say it is a person)', { version: 1, omitClaims: ['idtyp'] }],
  ['a v1 token without idtyp and without upn (scp alone)', { version: 1, omitClaims: ['idtyp', 'upn', 'unique_name'] }],
  ['a v2 token without idtyp', { version: 2, omitClaims: ['idtyp'] }],
] as const)("%s is a person's token", async (_label, shape) => {
  const held = await heldIncident();
  const response = await decide(held.id, 'reject', bearer(await approverToken(stack, { ...shape, omitClaims: [...shape.omitClaims] })));
  expect(response.status).toBe(200);
  expect(response.json.state).toBe('closed');
  expect(response.json.rejectedBy).toContain(SCENARIO_ANALYSTS.approver.objectId);
});

it('an app-only token without idtyp (no scp, no upn) is an app, and cannot approve', async () => {
  const held = await heldIncident();
  const token = await simulatorToken(stack, { kind: 'app', roles: ['Incidents.Approve'], omitClaims: ['idtyp'] });
  expect((await decide(held.id, 'approve', bearer(token))).status).toBe(403);
  expect((await detail(held.id)).state).toBe('awaiting_approval');
});

it('a reject names the approver on the timeline', async () => {
  const held = await heldIncident();
  const response = await decide(held.id, 'reject', bearer(await approverToken(stack)));
  expect(response.status).toBe(200);
  const rejected = (await detail(held.id)).timeline?.find((event) => event.kind === 'rejected');
  expect(rejected).toMatchObject({ actor: SAM, summary: expect.stringContaining(`Rejected by ${SAM}: checked`) });
});

describe('reading', () => {
  it.each([
    ['a reader', () => readerToken(stack)],
    ['an approver', () => approverToken(stack)],
    ['a reader with a v2 token', () => readerToken(stack, { version: 2 })],
  ])('%s may list and get incidents', async (_label, token) => {
    const held = await heldIncident();
    const headers = bearer(await token());
    expect((await request(`${stack.baseUrl}/api/incidents`, { headers })).status).toBe(200);
    expect((await request(`${stack.baseUrl}/api/incidents/${held.id}`, { headers })).status).toBe(200);
  });

  it.each([
    ['the contain function key', () => Promise.resolve({ 'x-functions-key': stack.functionKey }), 401],
    ['the host key', () => Promise.resolve({ 'x-functions-key': stack.hostKey }), 401],
    ["the playbook's app token", async () => bearer(await simulatorToken(stack, { kind: 'app' })), 403],
    [
      'an app token carrying the reader role',
      async () => bearer(await simulatorToken(stack, { kind: 'app', roles: ['Incidents.Read'] })),
      403,
    ],
    ['a user token without a role', async () => bearer(await readerToken(stack, { roles: [] })), 403],
  ] as Array<[string, () => Promise<Record<string, string>>, number]>)('is refused with %s', async (_label, credential, status) => {
    const held = await heldIncident();
    const headers = await credential();
    expect((await request(`${stack.baseUrl}/api/incidents`, { headers })).status).toBe(status);
    const one = await request<{ error?: { message: string }; timeline?: unknown }>(`${stack.baseUrl}/api/incidents/${held.id}`, {
      headers,
    });
    expect(one.status).toBe(status);
    expect(one.json.timeline).toBeUndefined();
  });
});
