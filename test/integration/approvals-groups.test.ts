// APPROVER_GROUP_IDS: the approver role is not enough, the person must also be in one of the groups;
// a token that cannot list the groups (overage) is refused with a 403 that says why, not guessed at.
import { SCENARIO_APPROVER_GROUP_ID, type TenantSimulator } from '../../dev/simulator';
import { startLocalStack, type LocalStack } from '../../dev/stack';
import { decide, heldIncident } from '../support/held-incident';
import { isGraphWrite, request } from '../support/http';
import { approverToken, bearer, readerToken } from '../support/tokens';

let stack: LocalStack;
let simulator: TenantSimulator;

beforeAll(async () => {
  // Upper case on purpose: group ids compare case-insensitively.
  stack = await startLocalStack({ settings: { APPROVER_GROUP_IDS: SCENARIO_APPROVER_GROUP_ID.toUpperCase() } });
  simulator = stack.simulator!;
});

afterAll(async () => {
  await stack?.stop();
});

it.each([1, 2] as const)('an approver in the group approves (v%i token)', async (version) => {
  const held = await heldIncident(stack, simulator, 'groups');
  const response = await decide(stack, held.id, 'approve', bearer(await approverToken(stack, { version })));
  expect(response.status).toBe(200);
  expect(response.json.state).toBe('contained');
});

it.each([
  ['in no group', { groups: [] }, /membership of one of APPROVER_GROUP_IDS/],
  ['in another group', { groups: ['0f0e0d0c-0b0a-4909-8807-060504030201'] }, /membership of one of APPROVER_GROUP_IDS/],
  ['in too many groups for the token to list (overage)', { groupsOverage: true }, /too many for a token/],
] as const)('an approver %s gets 403 and nothing is written', async (_label, claims, message) => {
  const held = await heldIncident(stack, simulator, 'groups');
  simulator.clearRequestLog();
  const response = await decide(
    stack,
    held.id,
    'approve',
    bearer(await approverToken(stack, { ...claims, groups: 'groups' in claims ? [...claims.groups] : undefined })),
  );
  expect(response.status).toBe(403);
  expect(response.json.error?.message).toMatch(message);
  expect(simulator.requestLog.filter(isGraphWrite)).toEqual([]);
  expect(simulator.tenant.findUser(held.upn)!.accountEnabled).toBe(true);
  const detail = await request<{ state: string }>(`${stack.baseUrl}/api/incidents/${held.id}`, {
    headers: bearer(await readerToken(stack)),
  });
  expect(detail.json.state).toBe('awaiting_approval');
});

it('a reader outside the groups still reads (the groups restrict deciding only)', async () => {
  const held = await heldIncident(stack, simulator, 'groups');
  const response = await request(`${stack.baseUrl}/api/incidents/${held.id}`, {
    headers: bearer(await readerToken(stack, { groups: [] })),
  });
  expect(response.status).toBe(200);
});
