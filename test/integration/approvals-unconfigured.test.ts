// No token settings (no WEBHOOK_AUDIENCE / WEBHOOK_TENANT_ID) and no APPROVAL_AUTH=function-key: no
// person can be checked, so nobody decides or reads, and the refusal says what to configure.
// Containment with the function key still works.
import { startTenantSimulator, type TenantSimulator } from '../../dev/simulator';
import { startLocalStack, type LocalStack } from '../../dev/stack';
import { decide, heldIncident } from '../support/held-incident';
import { isGraphWrite, request } from '../support/http';

let simulator: TenantSimulator;
let stack: LocalStack;

beforeAll(async () => {
  // A simulator of the test's own: the stack sets token settings only for a simulator it starts.
  simulator = await startTenantSimulator();
  stack = await startLocalStack({ settings: { GRAPH_BASE_URL: simulator.baseUrl, GRAPH_AUTH: 'none' } });
});

afterAll(async () => {
  await stack?.stop();
  await simulator?.stop();
});

it('holds an alert as usual, then refuses every credential to decide or read with 403 naming the settings', async () => {
  const held = await heldIncident(stack, simulator, 'unconfigured');
  simulator.clearRequestLog();
  const credentials: Array<Record<string, string>> = [{ 'x-functions-key': stack.functionKey }, { 'x-functions-key': stack.hostKey }, {}];
  for (const headers of credentials) {
    for (const verb of ['approve', 'reject'] as const) {
      const response = await decide(stack, held.id, verb, headers);
      expect(response.status).toBe(403);
      expect(response.json.error?.message).toMatch(/WEBHOOK_AUDIENCE and WEBHOOK_TENANT_ID.*APPROVAL_AUTH=function-key/);
    }
    const read = await request<{ error?: { message: string } }>(`${stack.baseUrl}/api/incidents/${held.id}`, { headers });
    expect(read.status).toBe(403);
    expect(read.json.error?.message).toMatch(/WEBHOOK_AUDIENCE/);
  }
  expect(simulator.requestLog.filter(isGraphWrite)).toEqual([]);
  expect(simulator.tenant.findUser(held.upn)!.accountEnabled).toBe(true);
});
