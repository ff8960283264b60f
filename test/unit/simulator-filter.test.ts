// The simulator's tiny $filter evaluator: what it accepts must mean what Graph means, and everything
// else (other operators, functions, injection attempts, malformed literals) must be refused.
import { clauseField, compileFilter, FilterError, FilterFields, parseFilter, splitConjunction } from '../../dev/simulator/filter';

interface Row {
  upn: string;
  at: string;
}

const FIELDS: FilterFields<Row> = {
  userPrincipalName: { type: 'string', operators: ['eq'], get: (r) => r.upn },
  createdDateTime: { type: 'dateTime', operators: ['eq', 'ge', 'le'], get: (r) => r.at },
};

const ROWS: Row[] = [
  { upn: 'avery.chen@wingtip-lab.example', at: '2026-03-14T09:00:00Z' },
  { upn: "o'brien@wingtip-lab.example", at: '2026-03-14T10:00:00Z' },
  { upn: 'avery.chen@wingtip-lab.example', at: '2026-03-14T11:00:00Z' },
];

const select = (filter: string): Row[] => ROWS.filter(compileFilter(filter, FIELDS));

describe('compileFilter', () => {
  it('applies eq on strings case-insensitively', () => {
    expect(select("userPrincipalName eq 'AVERY.CHEN@wingtip-lab.example'")).toEqual([ROWS[0], ROWS[2]]);
  });

  it('applies ge, le and eq on date-times, inclusively', () => {
    expect(select('createdDateTime ge 2026-03-14T10:00:00Z')).toEqual([ROWS[1], ROWS[2]]);
    expect(select('createdDateTime le 2026-03-14T10:00:00Z')).toEqual([ROWS[0], ROWS[1]]);
    expect(select('createdDateTime eq 2026-03-14T10:00:00Z')).toEqual([ROWS[1]]);
  });

  it('accepts offsets, fractional seconds and minute precision in date-times', () => {
    expect(select('createdDateTime ge 2026-03-14T11:00:00+01:00')).toEqual([ROWS[1], ROWS[2]]);
    expect(select('createdDateTime ge 2026-03-14T10:59:59.9999999Z')).toEqual([ROWS[2]]);
    expect(select('createdDateTime le 2026-03-14T09:00Z')).toEqual([ROWS[0]]);
  });

  it('joins clauses with and, in any case and spacing', () => {
    expect(select("userPrincipalName eq 'avery.chen@wingtip-lab.example'  AND  createdDateTime ge 2026-03-14T10:00:00Z")).toEqual([
      ROWS[2],
    ]);
  });

  it("unescapes '' inside string literals and does not split on a quoted and", () => {
    expect(select("userPrincipalName eq 'o''brien@wingtip-lab.example'")).toEqual([ROWS[1]]);
    expect(select("userPrincipalName eq 'x and createdDateTime ge 2000-01-01T00:00:00Z'")).toEqual([]);
  });

  it('matches field names case-insensitively', () => {
    expect(select("USERPRINCIPALNAME eq 'o''brien@wingtip-lab.example'")).toHaveLength(1);
  });

  it.each([
    ['an unknown field', "appDisplayName eq 'x'", /not supported/],
    ['an operator the field does not allow', "userPrincipalName ge 'a'", /operator 'ge'/],
    ['ne', "userPrincipalName ne 'a'", /expected eq, ge or le/],
    ['or', "userPrincipalName eq 'a' or userPrincipalName eq 'b'", /unexpected text|unsupported literal/],
    ['a function call', "startswith(userPrincipalName,'a')", /expected eq, ge or le/],
    ['a quoted date-time', "createdDateTime ge '2026-03-14T10:00:00Z'", /incompatible types/],
    ['an unquoted string', 'userPrincipalName eq avery', /unsupported literal/],
    ['an impossible date', 'createdDateTime ge 2026-13-45T99:00:00Z', /unsupported literal/],
    ['a date without time', 'createdDateTime ge 2026-03-14', /unsupported literal/],
    ['a quote breaking out of the literal', "userPrincipalName eq 'a' or 'x' eq 'x'", /unexpected text/],
    ['an unterminated string', "userPrincipalName eq 'a", /unterminated/],
    ['unbalanced parentheses', "(userPrincipalName eq 'a'", /unbalanced/],
    ['a closing parenthesis first', ")userPrincipalName eq 'a'(", /unbalanced/],
    ['an empty filter', '   ', /empty/],
    ['a dangling and', "userPrincipalName eq 'a' and", /empty clause/],
    ['a leading and', " and userPrincipalName eq 'a'", /empty clause/],
    ['not', "not userPrincipalName eq 'a'", /expected eq, ge or le/],
  ])('refuses %s', (_name, filter, message) => {
    expect(() => compileFilter(filter, FIELDS)).toThrow(FilterError);
    expect(() => compileFilter(filter, FIELDS)).toThrow(message);
  });
});

describe('parseFilter', () => {
  it('returns one typed clause per conjunct', () => {
    expect(parseFilter("userId eq 'abc' and createdDateTime le 2026-03-14T00:00:00Z")).toEqual([
      { field: 'userId', operator: 'eq', literal: { type: 'string', value: 'abc' } },
      { field: 'createdDateTime', operator: 'le', literal: { type: 'dateTime', value: Date.parse('2026-03-14T00:00:00Z') } },
    ]);
  });
});

describe('splitConjunction and clauseField', () => {
  it('keeps lambda clauses whole and names their leading property path', () => {
    const parts = splitConjunction("activityDateTime ge 2026-03-14T00:00:00Z and targetResources/any(t: t/id eq 'x' and t/type eq 'User')");
    expect(parts).toEqual(['activityDateTime ge 2026-03-14T00:00:00Z', "targetResources/any(t: t/id eq 'x' and t/type eq 'User')"]);
    expect(parts.map(clauseField)).toEqual(['activityDateTime', 'targetResources/any']);
  });
});
