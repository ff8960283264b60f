// CONTAINMENT_MODE=off: everything is recorded and held for a human; nothing is read or sent until
// someone approves. (Its own file: configuration is read once per process.)
import { startLocalStack, type LocalStack } from '../../dev/stack';
import { approverToken, bearer } from '../support/tokens';

const FUNCTION_KEY = 'mode-off-test-key-0123456789';

describe('CONTAINMENT_MODE=off', () => {
  let off: LocalStack;

  beforeAll(async () => {
    off = await startLocalStack({ functionKey: FUNCTION_KEY, settings: { CONTAINMENT_MODE: 'off' } });
  });

  afterAll(async () => {
    await off?.stop();
  });

  it('records and holds everything, reads nothing and sends nothing; a human approval then contains', async () => {
    const simulator = off.simulator!;
    // The stack hands over after its startup check of PROTECTED_ACCOUNTS; the alert adds nothing.
    const before = simulator.requestLog.length;
    const headers = { 'content-type': 'application/json', 'x-functions-key': FUNCTION_KEY };
    const response = await fetch(`${off.baseUrl}/api/contain`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ user: 'blake.morris@wingtip-lab.example', alertId: 'off-001', severity: 'High' }),
    });
    const body = (await response.json()) as { incidents: Array<{ id: string; state: string; reason: string }> };
    expect(response.status).toBe(200);
    expect(body.incidents[0]).toMatchObject({ state: 'awaiting_approval', reason: expect.stringContaining('CONTAINMENT_MODE=off') });
    expect(simulator.requestLog).toHaveLength(before);

    const approved = await fetch(`${off.baseUrl}/api/incidents/${body.incidents[0].id}/approve`, {
      method: 'POST',
      headers: bearer(await approverToken(off)),
    });
    expect(((await approved.json()) as { state: string }).state).toBe('contained');
    expect(simulator.tenant.findUser('blake.morris@wingtip-lab.example')!.accountEnabled).toBe(false);
  });
});
