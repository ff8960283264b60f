// Graph throttling with `Retry-After: 0` (or none) must not turn into a request storm: each retried call
// waits at least a floor, growing and jittered, so the requests Graph sees stay bounded by the budget.
import { startLocalStack, type LocalStack } from '../../dev/stack';
import { isGraphWrite, manualAlert, request } from '../support/http';

const FUNCTION_KEY = 'throttling-test-key-0123456789';
// Each case contains its own four people: one open incident per person would link a second case's
// alerts for the same people to the first case's incidents instead of sending writes.
const PEOPLE = {
  'Retry-After: 0': ['avery.chen', 'blake.morris', 'casey.nguyen', 'drew.patel'],
  'no Retry-After': ['frankie.ross', 'gray.kim', 'harper.diaz', 'jordan.wu'],
};
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ functionKey: FUNCTION_KEY, settings: { GRAPH_RETRY_BUDGET_MS: '2000', CAMPAIGN_CONTAINMENT: 'off' } });
});

afterAll(async () => {
  await stack?.stop();
});

it.each([
  ['Retry-After: 0', 0],
  ['no Retry-After', undefined],
] as const)('429 with %s: a bounded number of attempts per write within the budget', async (label, retryAfterSeconds) => {
  const USERS = PEOPLE[label].map((name) => `${name}@wingtip-lab.example`);
  const simulator = stack.simulator!;
  simulator.clearRequestLog();
  simulator.clearFaults();
  simulator.addFault({
    method: 'POST',
    path: /\/revokeSignInSessions$/,
    status: 429,
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  });
  simulator.addFault({
    method: 'PATCH',
    path: /^\/v1\.0\/users\//,
    status: 429,
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  });
  const responses = await Promise.all(
    USERS.map((user) =>
      request(`${stack.baseUrl}/api/contain`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-functions-key': FUNCTION_KEY },
        body: manualAlert(user, `throttled-${retryAfterSeconds ?? 'none'}-${user}`),
      }),
    ),
  );
  simulator.clearFaults();
  // Throttled to the end: the caller is told to come back later.
  expect(responses.map((response) => response.status)).toEqual(USERS.map(() => 503));
  const writes = simulator.requestLog.filter(isGraphWrite);
  // Two writes per user; waits of at least 100, 200, 400, 800 ms fit five attempts into a 2 s budget.
  expect(writes.length).toBeGreaterThanOrEqual(USERS.length * 2 * 2);
  expect(writes.length).toBeLessThanOrEqual(USERS.length * 2 * 5);
});
