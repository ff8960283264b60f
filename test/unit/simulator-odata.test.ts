// The simulator's OData plumbing (query options, projection, paging tokens, nextLinks), its route
// matching, and the request-log redaction: pure functions, tested directly including hostile input.
import { redactSecrets } from '../../dev/simulator/json';
import { decodeSkipToken, encodeSkipToken, nextLink, parseQueryOptions, project, takePage } from '../../dev/simulator/odata';
import { GraphHttpError } from '../../dev/simulator/errors';
import { GraphRoute, matchRoute } from '../../dev/simulator/router';

function rejection(action: () => unknown): GraphHttpError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(GraphHttpError);
    return error as GraphHttpError;
  }
  throw new Error('expected a GraphHttpError');
}

describe('parseQueryOptions', () => {
  const all = ['$select', '$top', '$filter', '$skiptoken'] as const;

  it('reads the options case-insensitively and ignores non-OData parameters', () => {
    const params = new URLSearchParams("$SELECT=id, mail&$Top=5&$filter=userId eq 'x'&$skipToken=abc&api-version=1");
    expect(parseQueryOptions(params, all)).toEqual({ select: ['id', 'mail'], top: 5, filter: "userId eq 'x'", skiptoken: 'abc' });
  });

  it('refuses options the route does not implement instead of ignoring them', () => {
    expect(rejection(() => parseQueryOptions(new URLSearchParams('$filter=x'), ['$select'])).code).toBe('Request_UnsupportedQuery');
    expect(rejection(() => parseQueryOptions(new URLSearchParams('$orderby=displayName'), all)).status).toBe(400);
    expect(rejection(() => parseQueryOptions(new URLSearchParams('$bogus=1'), all)).message).toMatch(/not allowed/);
  });

  it('reads $count=true|false only where the route accepts it', () => {
    expect(parseQueryOptions(new URLSearchParams('$count=true'), ['$count'])).toEqual({ count: true });
    expect(parseQueryOptions(new URLSearchParams('$count=false'), ['$count'])).toEqual({ count: false });
    expect(parseQueryOptions(new URLSearchParams('$count=TRUE'), ['$count'])).toEqual({ count: true });
    expect(rejection(() => parseQueryOptions(new URLSearchParams('$count=1'), ['$count'])).status).toBe(400);
    expect(rejection(() => parseQueryOptions(new URLSearchParams('$count=true'), all)).code).toBe('Request_UnsupportedQuery');
  });

  it.each(['$top=-1', '$top=1.5', '$top=ten', '$top=', '$top=1&$top=2', '$select=id;drop', '$select=', '$select=a,,b'])(
    'refuses %s',
    (query) => {
      expect(rejection(() => parseQueryOptions(new URLSearchParams(query), all)).status).toBe(400);
    },
  );
});

describe('takePage and skip tokens', () => {
  const items = Array.from({ length: 5 }, (_, i) => i);

  it('pages with $top and a token for the next offset', () => {
    const first = takePage(items, { top: 2 });
    expect(first).toEqual({ items: [0, 1], next: 2 });
    const last = takePage(items, { top: 2, skiptoken: encodeSkipToken(4) });
    expect(last).toEqual({ items: [4], next: undefined });
  });

  it('uses the default page size and enforces the maximum', () => {
    expect(takePage(items, {}, { defaultTop: 3, maxTop: 4 }).items).toEqual([0, 1, 2]);
    expect(rejection(() => takePage(items, { top: 5 }, { defaultTop: 3, maxTop: 4 })).message).toBe(
      "Invalid page size specified: '5'. Must be between 1 and 4 inclusive.",
    );
    expect(rejection(() => takePage(items, { top: 0 })).status).toBe(400);
  });

  it('round-trips offsets through an opaque token', () => {
    const token = encodeSkipToken(123);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(token).not.toContain('123');
    expect(decodeSkipToken(token)).toBe(123);
  });

  it.each([
    '',
    'abc',
    '!!!',
    Buffer.from('sim-offset:-1').toString('base64url'),
    Buffer.from('sim-offset:1e3').toString('base64url'),
    Buffer.from('sim-offset:99999999999').toString('base64url'),
  ])('refuses the token %p', (token) => {
    expect(rejection(() => decodeSkipToken(token)).status).toBe(400);
  });
});

describe('nextLink', () => {
  it('is absolute on the simulator, keeps the other options and replaces $skiptoken', () => {
    const url = new URL("http://127.0.0.1:9/v1.0/auditLogs/signIns?$top=2&$filter=userId eq 'a b'&$skiptoken=old");
    const link = nextLink('http://127.0.0.1:9', url, 4);
    expect(link).toBe(`http://127.0.0.1:9/v1.0/auditLogs/signIns?$top=2&$filter=userId%20eq%20'a%20b'&$skiptoken=${encodeSkipToken(4)}`);
    const parsed = new URL(link);
    expect(parsed.searchParams.get('$filter')).toBe("userId eq 'a b'");
    expect(parsed.searchParams.getAll('$skiptoken')).toEqual([encodeSkipToken(4)]);
  });
});

describe('project', () => {
  const item = { '@odata.type': '#microsoft.graph.device', id: 'd1', displayName: 'PC', trustType: 'Workplace' };
  const properties = ['id', 'displayName', 'trustType'];

  it('keeps the selected properties plus id and @odata.type, matching names case-insensitively', () => {
    expect(project(item, ['DISPLAYNAME'], properties, 'microsoft.graph.device')).toEqual({
      '@odata.type': '#microsoft.graph.device',
      id: 'd1',
      displayName: 'PC',
    });
  });

  it('refuses properties the type does not have', () => {
    expect(rejection(() => project(item, ['__proto__'], properties, 'microsoft.graph.device')).message).toBe(
      "Could not find a property named '__proto__' on type 'microsoft.graph.device'.",
    );
  });
});

describe('matchRoute', () => {
  const route = (method: GraphRoute['method'], path: string): GraphRoute => ({ method, path, query: [], handle: () => ({ status: 204 }) });
  const routes = [route('GET', 'users/{userId}'), route('PATCH', 'users/{userId}'), route('POST', 'users/{userId}/revokeSignInSessions')];

  it('binds parameters and matches literal segments case-insensitively', () => {
    const match = matchRoute(routes, 'POST', ['Users', 'a@b.example', 'REVOKESIGNINSESSIONS']);
    expect(match).toMatchObject({
      kind: 'found',
      params: { userId: 'a@b.example' },
      route: { path: 'users/{userId}/revokeSignInSessions' },
    });
  });

  it('reports the allowed methods when only the method is wrong', () => {
    expect(matchRoute(routes, 'DELETE', ['users', 'x'])).toEqual({ kind: 'methodNotAllowed', allow: ['GET', 'PATCH'] });
  });

  it('names the first segment no route knows', () => {
    expect(matchRoute(routes, 'GET', ['users', 'x', 'manager'])).toEqual({ kind: 'unknownSegment', segment: 'manager' });
    expect(matchRoute(routes, 'GET', ['groups'])).toEqual({ kind: 'unknownSegment', segment: 'groups' });
    expect(matchRoute(routes, 'GET', [])).toEqual({ kind: 'unknownSegment', segment: '' });
  });
});

describe('redactSecrets', () => {
  it('redacts every string under a key ending in password, at any depth, without touching the input', () => {
    const body = {
      accountEnabled: false,
      passwordProfile: { password: 'S3cret!pass', forceChangePasswordNextSignIn: true },
      nested: [{ newPassword: 'x', currentPASSWORD: 'y', note: 'password' }],
    };
    expect(redactSecrets(body)).toEqual({
      accountEnabled: false,
      passwordProfile: { password: '[redacted]', forceChangePasswordNextSignIn: true },
      nested: [{ newPassword: '[redacted]', currentPASSWORD: '[redacted]', note: 'password' }],
    });
    expect(body.passwordProfile.password).toBe('S3cret!pass');
  });
});
