// CONTAINMENT_MODE=dry-run: the exact Graph requests are recorded on the incident and none is sent; an
// approval records the decision, sends nothing, and closes the incident (approving again is refused).
import { startLocalStack, type LocalStack } from '../../dev/stack';
import { isGraphWrite } from '../support/http';
import { approverToken, bearer } from '../support/tokens';

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
  const body = (await response.json()) as {
    incidents: Array<{ id: string; state: string; mode: string; reason: string; actions: unknown[] }>;
  };
  const incident = body.incidents[0];
  expect(incident).toMatchObject({ state: 'awaiting_approval', mode: 'dry-run' });
  expect(incident.reason).toContain('dry-run');
  expect(incident.actions).toEqual([
    expect.objectContaining({
      action: 'revokeSessions',
      result: 'not_sent',
      request: { method: 'POST', path: '/v1.0/users/5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b01/revokeSignInSessions' },
    }),
    expect.objectContaining({
      action: 'disableAccount',
      result: 'not_sent',
      request: { method: 'PATCH', path: '/v1.0/users/5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b01', body: { accountEnabled: false } },
    }),
  ]);
  expect(simulator.requestLog.filter(isGraphWrite)).toHaveLength(0);
  const victim = simulator.tenant.findUser('avery.chen@wingtip-lab.example')!;
  expect(victim.accountEnabled).toBe(true);
  expect(victim.revokeCount).toBe(0);

  // The approval records the decision and says plainly that nothing is sent; it cannot be repeated.
  const approver = bearer(await approverToken(stack));
  const approve = () =>
    fetch(`${stack.baseUrl}/api/incidents/${incident.id}/approve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...approver },
    });
  const approved = await approve();
  expect(approved.status).toBe(200);
  const decided = (await approved.json()) as { state: string; reason: string };
  expect(decided.state).toBe('closed');
  expect(decided.reason).toMatch(/in CONTAINMENT_MODE=dry-run: the decision is recorded and nothing was sent/);
  const again = await approve();
  expect(again.status).toBe(409);
  expect(((await again.json()) as { error: { message: string } }).error.message).toMatch(
    /already decided in CONTAINMENT_MODE=dry-run .* nothing left to approve/,
  );
  expect(simulator.requestLog.filter(isGraphWrite)).toHaveLength(0);
  expect(victim.accountEnabled).toBe(true);
});
