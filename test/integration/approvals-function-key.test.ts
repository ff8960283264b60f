// APPROVAL_AUTH=function-key, the weak lab mode: the people's routes are function-level at the host,
// so a host key or that route's own function key decides and reads. The `contain` function key, which
// the alert source holds, still opens neither.
import type { TenantSimulator } from '../../dev/simulator';
import { startLocalStack, type LocalStack } from '../../dev/stack';
import { decide, heldIncident } from '../support/held-incident';
import { isGraphWrite, request } from '../support/http';
import { approverToken, bearer } from '../support/tokens';

let stack: LocalStack;
let simulator: TenantSimulator;
const hostLog: string[] = [];

beforeAll(async () => {
  stack = await startLocalStack({ settings: { APPROVAL_AUTH: 'function-key' }, log: (line) => hostLog.push(line) });
  simulator = stack.simulator!;
});

it('warns in the host log, as the functions load, that the mode is for a lab only', () => {
  const warnings = hostLog
    .map((line) => JSON.parse(line) as { event?: string; message?: string })
    .filter((l) => l.event === 'config_warning');
  expect(warnings.map((w) => w.message)).toEqual([expect.stringMatching(/^APPROVAL_AUTH is "function-key".*For a lab only/)]);
});

afterAll(async () => {
  await stack?.stop();
});

it.each([
  ['the host key', () => stack.hostKey],
  ["the approve function's own key", () => stack.functionKeys.approveIncident],
])('%s approves, recorded as function-key', async (_label, key) => {
  const held = await heldIncident(stack, simulator, 'lab');
  const response = await decide(stack, held.id, 'approve', { 'x-functions-key': key() });
  expect(response.status).toBe(200);
  expect(response.json).toMatchObject({ state: 'contained', approvedBy: 'function-key' });
  expect(simulator.tenant.findUser(held.upn)!.accountEnabled).toBe(false);
});

it('the contain function key neither approves nor reads: the host answers 401 and nothing is written', async () => {
  const held = await heldIncident(stack, simulator, 'lab');
  simulator.clearRequestLog();
  const key = { 'x-functions-key': stack.functionKey };
  expect((await decide(stack, held.id, 'approve', key)).status).toBe(401);
  expect((await decide(stack, held.id, 'reject', key)).status).toBe(401);
  expect((await request(`${stack.baseUrl}/api/incidents`, { headers: key })).status).toBe(401);
  expect((await request(`${stack.baseUrl}/api/incidents/${held.id}`, { headers: key })).status).toBe(401);
  expect(simulator.requestLog.filter(isGraphWrite)).toEqual([]);
  const detail = await request<{ state: string }>(`${stack.baseUrl}/api/incidents/${held.id}`, {
    headers: { 'x-functions-key': stack.hostKey },
  });
  expect(detail.json.state).toBe('awaiting_approval');
});

it("reads with the host key or the read functions' own keys", async () => {
  const held = await heldIncident(stack, simulator, 'lab');
  expect(
    (await request(`${stack.baseUrl}/api/incidents`, { headers: { 'x-functions-key': stack.functionKeys.listIncidents } })).status,
  ).toBe(200);
  expect(
    (await request(`${stack.baseUrl}/api/incidents/${held.id}`, { headers: { 'x-functions-key': stack.functionKeys.getIncident } })).status,
  ).toBe(200);
  // A function key opens its own function only.
  expect(
    (await request(`${stack.baseUrl}/api/incidents/${held.id}`, { headers: { 'x-functions-key': stack.functionKeys.listIncidents } }))
      .status,
  ).toBe(401);
});

it('a token alone does not pass the host in this mode', async () => {
  const held = await heldIncident(stack, simulator, 'lab');
  expect((await decide(stack, held.id, 'approve', bearer(await approverToken(stack)))).status).toBe(401);
});
