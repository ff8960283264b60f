// The sign-in query sent to Defender advanced hunting (AADSignInEventsBeta): literals stay literals whatever
// the user's UPN holds (read back through the Kusto parser), and rows normalize with the user agent but no
// ASN (the table has no ASN column).
import { DEFENDER_TABLES } from '../../dev/kusto/schemas';
import { parsedQuery } from '../support/kusto-literals';
import { signInFromDefender } from '../../shared/diagnosis/normalize';
import { defenderSignInQuery } from '../../shared/hunting/sign-in-logs';

describe('defenderSignInQuery', () => {
  it.each([
    "x' or 1==1 | union SecurityEvent //",
    "o'brien\\' | take 1 //@x.example",
    "line\nbreak' | project Secret //",
    "tab\there'\r\n| where true",
  ])('keeps a hostile UPN inside its string literal: %j', (upn) => {
    const query = defenderSignInQuery({ upn }, '2026-03-13T12:00:00Z', 100);
    expect(query.split('\n')).toHaveLength(6);
    expect(query.split('\n')[0]).toBe('AADSignInEventsBeta');
    const parsed = parsedQuery(query, DEFENDER_TABLES);
    expect(parsed.errors).toEqual([]);
    // One string literal and the query's own five pipes: nothing escaped the literal.
    expect(parsed.strings).toHaveLength(1);
    expect(parsed.pipes).toBe(5);
    // Quotes and backslashes come back as data (control characters are escaped or flattened, so compare those without).
    if (!/[\u0000-\u001f]/.test(upn)) expect(parsed.strings[0]).toBe(upn);
  });

  it('matches the object id and the UPN when both are known, over the documented columns', () => {
    const query = defenderSignInQuery({ id: 'ABC', upn: 'a@b.example' }, '2026-03-13T12:00:00Z', 5);
    expect(query).toContain("| where AccountObjectId =~ 'ABC' or AccountUpn =~ 'a@b.example'");
    expect(query).toContain('| where Timestamp >= datetime(2026-03-13T12:00:00.000Z)');
    expect(query).toContain('UserAgent');
    expect(query).not.toContain('AutonomousSystemNumber');
    expect(query.endsWith('| take 6')).toBe(true);
  });

  it('refuses a user with neither identifier, and a time it cannot read', () => {
    expect(() => defenderSignInQuery({}, '2026-03-13T12:00:00Z', 5)).toThrow(RangeError);
    expect(() => defenderSignInQuery({ upn: 'a@b.example' }, ') | take 1 //', 5)).toThrow(RangeError);
  });
});

describe('signInFromDefender', () => {
  it('reads the user agent, the int ErrorCode, the aggregated risk and LogonType; no ASN', () => {
    const row = {
      ReportId: 'r1',
      Timestamp: '2026-03-14T09:00:00Z',
      IPAddress: '198.51.100.23',
      UserAgent: 'HeadlessChrome',
      ErrorCode: 0,
      RiskLevelAggregated: 100,
      LogonType: '["nonInteractiveUser"]',
      Application: 'OfficeHome',
      ApplicationId: 'app',
      Country: 'NL',
    };
    expect(signInFromDefender(row)).toMatchObject({
      id: 'r1',
      succeeded: true,
      errorCode: 0,
      userAgent: 'HeadlessChrome',
      riskLevel: 'high',
      interactive: false,
      appDisplayName: 'OfficeHome',
      location: 'NL',
    });
    expect(signInFromDefender(row)?.asn).toBeUndefined();
    expect(signInFromDefender({ ...row, ErrorCode: 50057, RiskLevelAggregated: 0, LogonType: '["interactiveUser"]' })).toMatchObject({
      succeeded: false,
      errorCode: 50057,
      riskLevel: undefined,
      interactive: true,
    });
    expect(signInFromDefender({ Timestamp: '2026-03-14T09:00:00Z' })).toBeUndefined();
  });
});
