// Fault injection rules: matching order, use counts, method and path matching, and validation of rules
// given in code or as JSON to the control API.
import { FaultBook, faultRuleFromJson, validateFaultRule } from '../../dev/simulator/faults';

describe('FaultBook', () => {
  it('applies the first matching rule with uses left, then falls through to the next', () => {
    const book = new FaultBook();
    book.add({ path: /revoke/, status: 429, times: 2 });
    book.add({ path: /revoke/, status: 503 });
    const statuses = Array.from({ length: 4 }, () => book.take('POST', '/v1.0/users/x/revokeSignInSessions')?.status);
    expect(statuses).toEqual([429, 429, 503, 503]);
  });

  it('matches string paths exactly and case-insensitively, and the method when given', () => {
    const book = new FaultBook();
    book.add({ method: 'patch', path: '/v1.0/Users/X', status: 500 });
    expect(book.take('GET', '/v1.0/users/x')).toBeUndefined();
    expect(book.take('PATCH', '/v1.0/users/x/extra')).toBeUndefined();
    expect(book.take('PATCH', '/V1.0/USERS/x')?.status).toBe(500);
  });

  it('matches a global RegExp the same way every time', () => {
    const book = new FaultBook();
    book.add({ path: /users/g, status: 'hang' });
    expect([1, 2, 3].map(() => book.take('GET', '/v1.0/users')?.status)).toEqual(['hang', 'hang', 'hang']);
  });

  it('clears, and describes rules for the control API', () => {
    const book = new FaultBook();
    book.add({ path: /a$/, status: 429, times: 1, retryAfterSeconds: 3 });
    book.add({ path: '/v1.0/users', status: 'hang' });
    expect(book.describe()).toEqual([
      { path: { regex: 'a$' }, status: 429, times: 1, retryAfterSeconds: 3, remaining: 1 },
      { path: '/v1.0/users', status: 'hang', remaining: null },
    ]);
    book.clear();
    expect(book.take('GET', '/v1.0/users')).toBeUndefined();
  });
});

describe('validateFaultRule', () => {
  it.each([
    ['a 2xx status', { path: '/x', status: 200 }],
    ['a fractional status', { path: '/x', status: 429.5 }],
    ['an unknown word status', { path: '/x', status: 'timeout' }],
    ['a relative path', { path: 'v1.0/users', status: 500 }],
    ['zero times', { path: '/x', status: 500, times: 0 }],
    ['a negative Retry-After', { path: '/x', status: 429, retryAfterSeconds: -1 }],
    ['a header-injecting method', { path: '/x', status: 500, method: 'GET\r\nX: y' }],
    ['a code with spaces', { path: '/x', status: 500, code: 'Too Many' }],
  ])('refuses %s', (_name, rule) => {
    expect(() => validateFaultRule(rule as never)).toThrow();
  });
});

describe('faultRuleFromJson', () => {
  it('reads a regex path written as {"regex": ...}', () => {
    const rule = faultRuleFromJson({
      method: 'POST',
      path: { regex: 'revokeSignInSessions$' },
      status: 429,
      times: 1,
      retryAfterSeconds: 2,
      code: 'TooManyRequests',
    });
    expect(rule.path).toEqual(/revokeSignInSessions$/);
    expect(rule).toMatchObject({ method: 'POST', status: 429, times: 1, retryAfterSeconds: 2, code: 'TooManyRequests' });
  });

  it.each([
    ['a non-object', [1]],
    ['an unknown field', { path: '/x', status: 500, delay: 5 }],
    ['a string times', { path: '/x', status: 500, times: '1' }],
    ['a numeric path', { path: 5, status: 500 }],
    ['an invalid regex', { path: { regex: '(' }, status: 500 }],
  ])('refuses %s', (_name, json) => {
    expect(() => faultRuleFromJson(json)).toThrow();
  });
});
