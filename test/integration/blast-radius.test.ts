// The blast-radius limit under concurrency: 100 alerts for 100 distinct users at once, limit 10 per
// window, across the same counter every instance would share. Exactly 10 are contained.
import { startLocalStack, type LocalStack } from '../../dev/stack';
import { manualAlert, request, type ContainBody, type IncidentBody } from '../support/http';
import { approverToken, bearer, readerToken } from '../support/tokens';

const KEY = 'blast-radius-test-key-0123456789';
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ functionKey: KEY, settings: { BLAST_RADIUS_MAX: '10', BLAST_RADIUS_WINDOW_MINUTES: '15' } });
});

afterAll(async () => {
  await stack?.stop();
});

it('contains exactly BLAST_RADIUS_MAX of 100 concurrent alerts and holds the rest, saying the breaker tripped', async () => {
  const simulator = stack.simulator!;
  const users = Array.from({ length: 100 }, (_, i) => simulator.addUser({ userPrincipalName: `burst-${i}@wingtip-lab.example` }));
  const headers = { 'content-type': 'application/json', 'x-functions-key': KEY };
  // As Logic Apps does: a 503 (storage or Graph trouble under this machine's load) is redelivered.
  const deliver = async (body: string) => {
    for (let attempt = 1; ; attempt++) {
      const response = await request<ContainBody>(`${stack.baseUrl}/api/contain`, { method: 'POST', headers, body });
      if (response.status !== 503 || attempt === 4) return response;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  };
  const responses = await Promise.all(users.map((user, i) => deliver(manualAlert(user.userPrincipalName, `burst-${i}`))));
  expect(responses.filter((response) => response.status !== 200).map((response) => response.text)).toEqual([]);
  const states = responses.map((response) => response.json.incidents[0].state);
  expect(states.filter((state) => state === 'contained')).toHaveLength(10);
  expect(states.filter((state) => state === 'awaiting_approval')).toHaveLength(90);

  const disabled = users.filter((user) => !user.accountEnabled);
  expect(disabled).toHaveLength(10);
  // The limit is on people: exactly the 10 contained users received writes. (A write whose attempt timed
  // out on a loaded machine is retried, and both writes are idempotent, so requests may exceed 20.)
  const writes = simulator.requestLog.filter((entry) => entry.method === 'PATCH' || entry.path.endsWith('/revokeSignInSessions'));
  const written = new Set(writes.map((entry) => entry.path.split('/')[3].toLowerCase()));
  expect([...written].sort()).toEqual(disabled.map((user) => user.id.toLowerCase()).sort());
  expect(writes.length).toBeGreaterThanOrEqual(20);

  const held = responses.find((response) => response.json.incidents[0].state === 'awaiting_approval')!.json.incidents[0];
  expect(held.reason).toMatch(/blast-radius breaker tripped: 10 automatic containments .* \(BLAST_RADIUS_MAX=10\)/);
  const detail = await request<IncidentBody>(`${stack.baseUrl}/api/incidents/${held.id}`, { headers: bearer(await readerToken(stack)) });
  expect(detail.json.timeline?.map((event) => event.kind)).toContain('blast_radius_tripped');

  // A human may approve past the limit.
  const approved = await request<IncidentBody>(`${stack.baseUrl}/api/incidents/${held.id}/approve`, { method: 'POST', headers: bearer(await approverToken(stack)) });
  expect(approved.json.state).toBe('contained');
  expect(users.filter((user) => !user.accountEnabled)).toHaveLength(11);
});
