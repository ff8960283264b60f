// The simulator's write throttle (token buckets on an injected clock) and the adapter's batch sizing:
// pure logic, so the limits and the spread are checked exactly.
import { appIdOf, isIdentityWrite, WriteThrottle, ANONYMOUS_APP_ID } from '../../dev/simulator/throttling';
import { MAX_BATCH_REQUESTS, nextBatchSize } from '../../shared/graph/write-batcher';

const TENANT = '9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d';

describe('WriteThrottle', () => {
  it('admits a bucket full, then one write per refill interval, saying how long to wait', () => {
    let now = 0;
    const throttle = new WriteThrottle(TENANT, { appTenant: { requests: 3, perMs: 3_000 }, tenant: null }, () => now);
    expect([1, 2, 3].map(() => throttle.admit('app').admitted)).toEqual([true, true, true]);
    expect(throttle.admit('app')).toEqual({ admitted: false, retryAfterSeconds: 1, scope: `Tenant_Application/Write/app/${TENANT}` });
    now = 999;
    expect(throttle.admit('app').admitted).toBe(false);
    now = 1_000;
    expect(throttle.admit('app').admitted).toBe(true);
    expect(throttle.admit('app').admitted).toBe(false);
  });

  it('keeps one bucket per app, and the tenant bucket across apps', () => {
    const throttle = new WriteThrottle(
      TENANT,
      { appTenant: { requests: 2, perMs: 150_000 }, tenant: { requests: 3, perMs: 300_000 } },
      () => 0,
    );
    expect([throttle.admit('a'), throttle.admit('a'), throttle.admit('a')].map((d) => d.admitted)).toEqual([true, true, false]);
    expect(throttle.admit('b').admitted).toBe(true);
    // The tenant's 3 are spent: app b is refused by the tenant scope, with the tenant's longer wait.
    expect(throttle.admit('b')).toEqual({ admitted: false, retryAfterSeconds: 100, scope: `Tenant/Write/b/${TENANT}` });
  });

  it('a refused write takes no token; configure refills', () => {
    let now = 0;
    const throttle = new WriteThrottle(TENANT, { appTenant: { requests: 1, perMs: 10_000 }, tenant: null }, () => now);
    throttle.admit('a');
    for (let i = 0; i < 5; i++) throttle.admit('a');
    now = 10_000;
    expect(throttle.admit('a').admitted).toBe(true);
    throttle.configure({ appTenant: { requests: 2, perMs: 10_000 }, tenant: null });
    expect([throttle.admit('a'), throttle.admit('a')].map((d) => d.admitted)).toEqual([true, true]);
    expect(() => throttle.configure({ appTenant: { requests: 0, perMs: 1 }, tenant: null })).toThrow(RangeError);
  });
});

it('counts identity writes only: not reads, not read actions, not Outlook resources', () => {
  expect(isIdentityWrite('PATCH', '/v1.0/users/x')).toBe(true);
  expect(isIdentityWrite('POST', '/v1.0/users/x/revokeSignInSessions')).toBe(true);
  expect(isIdentityWrite('DELETE', '/v1.0/devices/d')).toBe(true);
  expect(isIdentityWrite('GET', '/v1.0/users/x')).toBe(false);
  expect(isIdentityWrite('POST', '/v1.0/users/x/checkMemberGroups')).toBe(false);
  expect(isIdentityWrite('DELETE', '/v1.0/users/x/mailFolders/inbox/messageRules/r')).toBe(false);
  expect(isIdentityWrite('POST', '/v1.0/security/auditLog/queries')).toBe(false);
});

it('keys the quota by the token app (appid, azp), anonymous without one', () => {
  const token = (claims: object) => `Bearer h.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.s`;
  expect(appIdOf(token({ appid: 'v1-app' }))).toBe('v1-app');
  expect(appIdOf(token({ azp: 'v2-app' }))).toBe('v2-app');
  expect(appIdOf(undefined)).toBe(ANONYMOUS_APP_ID);
  expect(appIdOf('Bearer not-a-jwt')).toBe(ANONYMOUS_APP_ID);
});

it('spreads waiting writes over the free slots: one alert goes unbatched, a burst 20 to a request', () => {
  expect(nextBatchSize(2, 8)).toBe(1);
  expect(nextBatchSize(8, 8)).toBe(1);
  expect(nextBatchSize(9, 8)).toBe(2);
  expect(nextBatchSize(40, 8)).toBe(5);
  expect(nextBatchSize(1_000, 8)).toBe(MAX_BATCH_REQUESTS);
  expect(nextBatchSize(5, 1)).toBe(5);
  expect(nextBatchSize(0, 8)).toBe(0);
  expect(nextBatchSize(3, 0)).toBe(0);
});
