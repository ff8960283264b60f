// Entra ID app tokens of the alert source, tested for real: the simulator serves the tenant's JWKS and
// issues tokens; the app verifies signature, issuer, audience, expiry, that it is an app's token and the
// caller allowlist. Every refusal: 401/403, zero Graph calls, zero rows. Reading takes a person's token.
import { TableClient } from '@azure/data-tables';
import { startTenantSimulator, type TenantSimulator } from '../../dev/simulator';
import { startLocalStack, type LocalStack } from '../../dev/stack';
import { JWKS_REFETCH_COOLDOWN_MS } from '../../shared/auth/callers';
import { manualAlert, request, type ContainBody } from '../support/http';
import { REAL_TIMERS } from '../support/fake-date';

const AUDIENCE = 'api://aitm-contain-webhook';
const PLAYBOOK_APP = 'c0ffee00-1234-4abc-9def-0123456789ab';
const OTHER_APP = 'deadbeef-1234-4abc-9def-0123456789ab';

let simulator: TenantSimulator;
let stack: LocalStack;
let tenantId: string;

beforeAll(async () => {
  simulator = await startTenantSimulator();
  tenantId = simulator.identity.tenantId;
  stack = await startLocalStack({
    settings: {
      GRAPH_BASE_URL: simulator.baseUrl,
      GRAPH_AUTH: 'none',
      WEBHOOK_AUDIENCE: AUDIENCE,
      WEBHOOK_TENANT_ID: tenantId,
      WEBHOOK_ALLOWED_CALLERS: PLAYBOOK_APP,
      WEBHOOK_AUTHORITY: simulator.baseUrl,
    },
  });
});

afterAll(async () => {
  await stack?.stop();
  await simulator?.stop();
});

function post(body: string, authorization?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization !== undefined) headers.authorization = authorization;
  return request<ContainBody>(`${stack.baseUrl}/api/contain`, { method: 'POST', headers, body });
}

async function rows(): Promise<number> {
  const client = TableClient.fromConnectionString(stack.storageConnectionString, 'AlertGate', { allowInsecureConnection: true });
  let count = 0;
  try {
    for await (const entity of client.listEntities()) if (entity) count++;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 404) throw error;
  }
  return count;
}

it('accepts a managed-identity token (v1) and a v2 token from an allowed caller, and records who called', async () => {
  for (const [version, alertId, upn] of [
    [1, 'token-v1', 'blake.morris@wingtip-lab.example'],
    [2, 'token-v2', 'casey.nguyen@wingtip-lab.example'],
  ] as const) {
    const token = await simulator.identity.issueToken({
      audience: AUDIENCE,
      appId: PLAYBOOK_APP,
      objectId: '11111111-2222-4333-8444-555555555555',
      version,
    });
    const response = await post(manualAlert(upn, alertId), `Bearer ${token}`);
    expect(response.status).toBe(200);
    expect(response.json.incidents[0].state).toBe('contained');
    const reader = await simulator.identity.issueToken({ audience: AUDIENCE, analyst: 'reader', version });
    const detail = await request<{ timeline: Array<{ actor: string }> }>(
      `${stack.baseUrl}/api/incidents/${response.json.incidents[0].id}`,
      {
        headers: { authorization: `Bearer ${reader}` },
      },
    );
    expect(detail.json.timeline[0].actor).toContain(`caller app:${PLAYBOOK_APP}`);
    // The alert source's own token contains; it does not read.
    const readWithAppToken = await request(`${stack.baseUrl}/api/incidents/${response.json.incidents[0].id}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(readWithAppToken.status).toBe(403);
  }
  // The two containments queued their diagnoses, which read Graph; let them finish so the refusals
  // below count only their own calls.
  await stack.host.drainQueues(30_000);
});

describe.each([
  ['no token', async () => undefined, 401],
  ['a function key instead of a token', async () => undefined, 401, { 'x-functions-key': 'anything' }],
  ['an expired token', () => simulator.identity.issueToken({ audience: AUDIENCE, appId: PLAYBOOK_APP, expiresInSeconds: -600 }), 401],
  ['a token for another audience', () => simulator.identity.issueToken({ audience: 'api://something-else', appId: PLAYBOOK_APP }), 401],
  [
    'a token from another tenant',
    () => simulator.identity.issueToken({ audience: AUDIENCE, appId: PLAYBOOK_APP, tenantId: '00000000-1111-4222-8333-444444444444' }),
    401,
  ],
  ['an unsigned token (alg none)', () => simulator.identity.issueToken({ audience: AUDIENCE, appId: PLAYBOOK_APP, signWith: 'none' }), 401],
  [
    'a token signed by an unknown key',
    () => simulator.identity.issueToken({ audience: AUDIENCE, appId: PLAYBOOK_APP, signWith: 'unknown-key' }),
    401,
  ],
  [
    'a token for a caller not allowed',
    () => simulator.identity.issueToken({ audience: AUDIENCE, appId: OTHER_APP, objectId: OTHER_APP }),
    403,
  ],
  [
    "a person's token, even through the allowed client app and with the approver role",
    () => simulator.identity.issueToken({ audience: AUDIENCE, analyst: 'approver', appId: PLAYBOOK_APP }),
    403,
  ],
] as Array<[string, () => Promise<string | undefined>, number, Record<string, string>?]>)('%s', (_label, token, status, extraHeaders) => {
  it(`answers ${status}, sends nothing to Graph and writes nothing`, async () => {
    const before = await rows();
    simulator.clearRequestLog();
    const value = await token();
    const headers: Record<string, string> = { 'content-type': 'application/json', ...extraHeaders };
    if (value !== undefined) headers.authorization = `Bearer ${value}`;
    const response = await request<ContainBody>(`${stack.baseUrl}/api/contain`, {
      method: 'POST',
      headers,
      body: manualAlert('drew.patel@wingtip-lab.example', 'refused'),
    });
    expect(response.status).toBe(status);
    if (status === 401) expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(simulator.requestLog).toHaveLength(0);
    expect(await rows()).toBe(before);
    expect(simulator.tenant.findUser('drew.patel@wingtip-lab.example')!.accountEnabled).toBe(true);
  });
});

// jose decides whether it may fetch the key set again by Date.now() against the last fetch. Only Date is
// faked (timers and I/O run for real) and held still, so the cooldown is crossed by moving the clock,
// not by sleeping, and nothing else that takes time can move it.

it('fetches the key set again when a token names a key it has not seen (rotation), at most once per cooldown', async () => {
  const status = async (token: string) =>
    (await request(`${stack.baseUrl}/api/incidents`, { headers: { authorization: `Bearer ${token}` } })).status;
  const issue = () => simulator.identity.issueToken({ audience: AUDIENCE, analyst: 'reader' });
  expect(await status(await issue())).toBe(200);
  const fetchesBefore = simulator.identity.jwksRequests;
  jest.useFakeTimers({ doNotFake: [...REAL_TIMERS] });
  try {
    await simulator.identity.rotateKey();
    // Past the cooldown of any earlier fetch, as a real rotation (days apart) always is.
    jest.setSystemTime(Date.now() + JWKS_REFETCH_COOLDOWN_MS);
    const rotated = await issue();
    expect(await status(rotated)).toBe(200);
    expect(simulator.identity.jwksRequests).toBe(fetchesBefore + 1);
    // A second rotation inside the cooldown: the unknown key is refused without a fetch (a stream of
    // forged kids cannot make us hammer the tenant's JWKS endpoint) ...
    await simulator.identity.rotateKey();
    const again = await issue();
    jest.setSystemTime(Date.now() + JWKS_REFETCH_COOLDOWN_MS - 1);
    expect(await status(again)).toBe(401);
    expect(simulator.identity.jwksRequests).toBe(fetchesBefore + 1);
    // ... and accepted once the cooldown has passed.
    jest.setSystemTime(Date.now() + 1);
    expect(await status(again)).toBe(200);
    expect(simulator.identity.jwksRequests).toBe(fetchesBefore + 2);
    // Cached afterwards: another request with a known key fetches nothing.
    expect(await status(again)).toBe(200);
    expect(simulator.identity.jwksRequests).toBe(fetchesBefore + 2);
  } finally {
    jest.useRealTimers();
  }
});
