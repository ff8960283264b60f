// Every pivot-hunt query parses with Microsoft's Kusto analyzer against the declared schemas of the
// tables it reads (a query that does not parse, names an unknown column or compares mismatched types
// fails here), and hostile values stay literals.
import { analyzeKusto } from '../../dev/kusto/parser';
import { DEFENDER_TABLES, LOG_ANALYTICS_TABLES } from '../../dev/kusto/schemas';
import { normalizePivot } from '../../shared/campaign/pivots';
import {
  buildQuery,
  DEFENDER_QUERIES,
  defenderQuery,
  HOSTING_ISPS,
  LOG_ANALYTICS_QUERIES,
  logAnalyticsQuery,
  parseParameters,
  type KqlValue,
} from '../../shared/hunting/hunt-queries';
import { defenderSignInQuery, signInQuery } from '../../shared/hunting/sign-in-logs';

const HOSTILE_UA = "Mozilla/5.0 \" | union SecurityEvent | where '1'=='1 \\\" //";

const laValues: Record<keyof typeof LOG_ANALYTICS_QUERIES, Record<string, KqlValue>> = {
  ipSignIns: { ip: { string: '198.51.100.23' }, lookback: { days: 7 } },
  userAgentHosting: { ua: { string: HOSTILE_UA }, hostingAsns: { strings: ['14061', '16509'] } },
  ruleAddress: { address: { string: 'leak0314@protonmail.example' } },
  appConsent: { clientId: { string: 'e2b4d6f8-1a3c-4e5f-8a7b-9c0d1e2f3a45' } },
  phoneRegistered: { phone: { string: '+15555550100' } },
  sharedIps: { ips: { strings: ['198.51.100.23', '2001:db8::1'] }, windowStart: { datetime: '2026-03-14T09:00:00Z' } },
};

const defenderValues: Record<keyof typeof DEFENDER_QUERIES, Record<string, KqlValue>> = {
  ipSignIns: { ip: { string: '198.51.100.23' } },
  userAgentHosting: { ua: { string: HOSTILE_UA }, hostingIsps: { strings: HOSTING_ISPS } },
  ruleAddress: { address: { string: 'leak0314@protonmail.example' } },
  sharedIps: { ips: { strings: ['198.51.100.23'] }, windowStart: { datetime: '2026-03-14T09:00:00Z' } },
};

describe('hunt queries parse against the declared schemas', () => {
  it.each(Object.keys(laValues) as Array<keyof typeof laValues>)('Log Analytics %s', (name) => {
    const query = logAnalyticsQuery(name, laValues[name]);
    expect(analyzeKusto(query, LOG_ANALYTICS_TABLES).errors).toEqual([]);
  });

  it.each(Object.keys(defenderValues) as Array<keyof typeof defenderValues>)('Defender %s', (name) => {
    const query = defenderQuery(name, defenderValues[name]);
    expect(analyzeKusto(query, DEFENDER_TABLES).errors).toEqual([]);
  });

  it('the saved-search bodies parse as workspace functions with their declared parameters', () => {
    for (const definition of Object.values(LOG_ANALYTICS_QUERIES)) {
      const declared = parseParameters(definition.parameters);
      const asFunction = `let f = (${definition.parameters}) { ${definition.query} };\nprint n = 1`;
      expect({ alias: definition.functionAlias, errors: analyzeKusto(asFunction, LOG_ANALYTICS_TABLES).errors }).toEqual({
        alias: definition.functionAlias,
        errors: [],
      });
      expect(declared.length).toBeGreaterThan(0);
    }
  });

  it('the diagnosis sign-in queries parse too', () => {
    expect(analyzeKusto(signInQuery({ upn: "o'brien@x.example" }, '2026-03-13T12:00:00Z', 100), LOG_ANALYTICS_TABLES).errors).toEqual([]);
    expect(analyzeKusto(defenderSignInQuery({ id: 'abc' }, '2026-03-13T12:00:00Z', 100), DEFENDER_TABLES).errors).toEqual([]);
  });

  it('the analyzer does catch a broken query (the test can fail)', () => {
    const broken = buildQuery(
      { parameters: 'ip:string', query: 'SigninLogs\n| where IPAdress == ip\n| summarise n = count()' },
      { ip: { string: '1.2.3.4' } },
    );
    const codes = analyzeKusto(broken, LOG_ANALYTICS_TABLES).errors.map((e) => e.code);
    expect(codes).toContain('KS142');
    const typed = buildQuery({ parameters: '', query: 'SigninLogs\n| where ResultType > 0' }, {});
    expect(analyzeKusto(typed, LOG_ANALYTICS_TABLES).errors.map((e) => e.code)).toContain('KS106');
  });
});

describe('values stay literals', () => {
  it('a hostile user agent is one string literal: the query has exactly its one let and body', () => {
    const query = logAnalyticsQuery('userAgentHosting', laValues.userAgentHosting);
    const analyzed = analyzeKusto(query, LOG_ANALYTICS_TABLES);
    expect(analyzed.errors).toEqual([]);
    const statements = analyzed.syntax.children.find((c) => c.kind === 'List' && c.children.some((s) => s.kind === 'LetStatement'));
    expect(statements?.children.map((s) => s.kind)).toEqual(['LetStatement', 'LetStatement', 'LetStatement', 'ExpressionStatement']);
    expect(query).not.toContain('union SecurityEvent |\n');
  });

  it('refuses a value of the wrong type, an unknown parameter and a missing one', () => {
    expect(() => logAnalyticsQuery('ipSignIns', { ip: { strings: ['1.2.3.4'] } })).toThrow(RangeError);
    expect(() => logAnalyticsQuery('ipSignIns', { ip: { string: '1.2.3.4' }, extra: { string: 'x' } })).toThrow(RangeError);
    expect(() => logAnalyticsQuery('sharedIps', { ips: { strings: [] } })).toThrow(/windowStart is required/);
    expect(() => logAnalyticsQuery('sharedIps', { ips: { strings: [] }, windowStart: { datetime: ') | take 1' } })).toThrow(RangeError);
    expect(() => logAnalyticsQuery('ipSignIns', { ip: { string: '1.2.3.4' }, lookback: { days: 0.5 } })).toThrow(RangeError);
  });
});

describe('pivot values are validated', () => {
  it.each([
    ['ip', '198.51.100.23', '198.51.100.23'],
    ['ip', '2001:DB8::1', '2001:db8::1'],
    ['ip', "1.2.3.4' or 1==1", undefined],
    ['ip', '999.1.1.1', undefined],
    ['address', 'Leak0314@ProtonMail.example', 'leak0314@protonmail.example'],
    ['address', 'x@y', undefined],
    ['address', '"a"@b.example', undefined],
    ['clientId', 'E2B4D6F8-1A3C-4E5F-8A7B-9C0D1E2F3A45', 'e2b4d6f8-1a3c-4e5f-8a7b-9c0d1e2f3a45'],
    ['clientId', 'not-a-guid', undefined],
    ['phone', '+1 555-555-0100', '+15555550100'],
    ['phone', '+1 555 0100; drop', undefined],
    ['userAgent', 'curl/8.0', 'curl/8.0'],
    ['userAgent', 'a\nb', undefined],
    ['userAgent', 'x'.repeat(1025), undefined],
  ] as const)('%s %#', (kind, raw, expected) => {
    expect(normalizePivot(kind, raw)).toBe(expected);
  });
});
