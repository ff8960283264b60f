// CONTAINMENT_MODE=dry-run: the exact Graph requests are recorded on the incident and none is sent.
import { startLocalStack, type LocalStack } from '../../dev/stack';
import { isGraphWrite } from '../support/http';

const FUNCTION_KEY = 'dry-run-test-key-0123456789';
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ functionKey: FUNCTION_KEY, settings: { CONTAINMENT_MODE: 'dry-run' } });
});

afterAll(async () => {
  await stack?.stop();
});

it('records the requests it would send, sends no Graph write, and holds the incident for a human', async () => {
  const simulator = stack.simulator!;
  const response = await fetch(`${stack.baseUrl}/api/contain`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-functions-key': FUNCTION_KEY },
    body: JSON.stringify({ user: 'avery.chen@wingtip-lab.example', alertId: 'dry-001', severity: 'High' }),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { incidents: Array<{ state: string; mode: string; reason: string; actions: unknown[] }> };
  const incident = body.incidents[0];
  expect(incident).toMatchObject({ state: 'awaiting_approval', mode: 'dry-run' });
  expect(incident.reason).toContain('dry-run');
  expect(incident.actions).toEqual([
    expect.objectContaining({ action: 'revokeSessions', result: 'not_sent', request: { method: 'POST', path: '/v1.0/users/avery.chen%40wingtip-lab.example/revokeSignInSessions' } }),
    expect.objectContaining({
      action: 'disableAccount',
      result: 'not_sent',
      request: { method: 'PATCH', path: '/v1.0/users/avery.chen%40wingtip-lab.example', body: { accountEnabled: false } },
    }),
  ]);
  expect(simulator.requestLog.filter(isGraphWrite)).toHaveLength(0);
  const victim = simulator.tenant.findUser('avery.chen@wingtip-lab.example')!;
  expect(victim.accountEnabled).toBe(true);
  expect(victim.revokeCount).toBe(0);
});
