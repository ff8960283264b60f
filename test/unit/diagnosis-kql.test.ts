// The sign-in query sent to Log Analytics: literals stay literals whatever the user's UPN holds, read back
// through the Kusto parser.
import { LOG_ANALYTICS_TABLES } from '../../dev/kusto/schemas';
import { parsedQuery } from '../support/kusto-literals';
import { signInFromLogAnalytics } from '../../shared/diagnosis/normalize';
import { kqlDatetime, kqlString } from '../../shared/hunting/kql';
import { signInQuery } from '../../shared/hunting/sign-in-logs';

describe('KQL literals', () => {
  it.each([
    ["o'brien@x.example", "'o\\'brien@x.example'"],
    ['back\\slash', "'back\\\\slash'"],
    ['line\nbreak', "'line\\nbreak'"],
    ['tab\there', "'tab here'"],
  ])('escapes %j', (value, literal) => {
    expect(kqlString(value)).toBe(literal);
  });

  it('refuses a time it cannot read rather than interpolate it', () => {
    expect(kqlDatetime('2026-03-14T12:00:00Z')).toBe('datetime(2026-03-14T12:00:00.000Z)');
    expect(() => kqlDatetime(') | take 1 //')).toThrow(RangeError);
  });
});

describe('signInQuery', () => {
  it('an injection attempt in the UPN stays inside the string literal', () => {
    const upn = "x' or 1==1 | union SecurityEvent //";
    const query = signInQuery({ upn }, '2026-03-13T12:00:00Z', 100);
    expect(query.split('\n')).toHaveLength(6);
    expect(parsedQuery(query, LOG_ANALYTICS_TABLES)).toEqual({ errors: [], strings: [upn], pipes: 5 });
  });

  it('matches the object id and the UPN when both are known', () => {
    const query = signInQuery({ id: 'ABC', upn: 'a@b.example' }, '2026-03-13T12:00:00Z', 5);
    expect(query).toContain("| where UserId =~ 'ABC' or UserPrincipalName =~ 'a@b.example'");
  });

  it('refuses a user with neither identifier', () => {
    expect(() => signInQuery({}, '2026-03-13T12:00:00Z', 5)).toThrow(RangeError);
  });
});

describe('signInFromLogAnalytics', () => {
  it('reads the string ASN and ResultType, and tells interactive from non-interactive sign-ins', () => {
    const row = {
      Id: 'x',
      TimeGenerated: '2026-03-14T09:00:00Z',
      IPAddress: '198.51.100.23',
      AutonomousSystemNumber: '14061',
      ResultType: '0',
      UserAgent: 'HeadlessChrome',
      SignInTable: 'AADNonInteractiveUserSignInLogs',
    };
    expect(signInFromLogAnalytics(row)).toMatchObject({
      asn: 14061,
      succeeded: true,
      errorCode: 0,
      userAgent: 'HeadlessChrome',
      interactive: false,
    });
    expect(signInFromLogAnalytics({ ...row, ResultType: '50057', AutonomousSystemNumber: '' })).toMatchObject({
      asn: undefined,
      succeeded: false,
      errorCode: 50057,
    });
    expect(signInFromLogAnalytics({ TimeGenerated: '2026-03-14T09:00:00Z' })).toBeUndefined();
  });
});
