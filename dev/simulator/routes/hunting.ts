// Graph `security/runHuntingQuery`: a Defender XDR advanced hunting stand-in answering AADSignInEventsBeta
// rows of the seeded tenant's sign-ins, with the user agent Graph's signIn resource lacks (the table has no
// ASN column). Like the Log Analytics stand-in, it understands the one query shape diagnosis sends (the
// table, a Timestamp lower bound, an AccountObjectId or AccountUpn match, a take) and refuses any other
// with a 400, rather than answer a query it did not really run.
import { badRequest } from '../errors';
import { isRecord } from '../json';
import { METADATA } from '../odata';
import type { RiskLevel } from '../resources';
import type { GraphRoute } from '../router';
import type { SignInRecord, SimulatedTenant } from '../tenant';

const COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ['Timestamp', 'DateTime'],
  ['ReportId', 'String'],
  ['AccountUpn', 'String'],
  ['AccountObjectId', 'String'],
  ['Application', 'String'],
  ['ApplicationId', 'String'],
  ['IPAddress', 'String'],
  ['UserAgent', 'String'],
  ['ErrorCode', 'Int32'],
  ['ClientAppUsed', 'String'],
  ['LogonType', 'String'],
  ['RiskLevelAggregated', 'Int32'],
  ['Country', 'String'],
  ['City', 'String'],
];

const RISK: Readonly<Partial<Record<RiskLevel, number>>> = { none: 1, low: 10, medium: 50, high: 100 };

function unquote(literal: string): string {
  return literal.replace(/\\(.)/g, '$1');
}

export interface HuntingSignInQuery {
  since: number;
  objectIds: string[];
  upns: string[];
  take: number;
}

/** Reads the diagnosis sign-in hunting query; anything else is refused. */
export function parseHuntingSignInQuery(query: string): HuntingSignInQuery {
  if (!/^AADSignInEventsBeta\n/.test(query)) {
    throw badRequest("The simulator's advanced hunting stand-in answers only the diagnosis sign-in query over AADSignInEventsBeta.");
  }
  const since = /\| where Timestamp >= datetime\(([^)]+)\)/.exec(query);
  const take = /\| take (\d+)\s*$/.exec(query);
  if (!since || Number.isNaN(Date.parse(since[1])) || !take) throw badRequest('Query could not be parsed: a Timestamp lower bound and a take are expected.');
  const literal = "'((?:[^'\\\\]|\\\\.)*)'";
  const objectIds = [...query.matchAll(new RegExp(`AccountObjectId =~ ${literal}`, 'g'))].map((m) => unquote(m[1]).toLowerCase());
  const upns = [...query.matchAll(new RegExp(`AccountUpn =~ ${literal}`, 'g'))].map((m) => unquote(m[1]).toLowerCase());
  if (objectIds.length + upns.length === 0) throw badRequest('Query could not be parsed: an AccountObjectId or AccountUpn match is expected.');
  return { since: Date.parse(since[1]), objectIds, upns, take: Number(take[1]) };
}

function row(record: SignInRecord): Record<string, unknown> {
  const s = record.signIn;
  const values: Record<string, unknown> = {
    Timestamp: s.createdDateTime,
    ReportId: s.id,
    AccountUpn: s.userPrincipalName,
    AccountObjectId: s.userId,
    Application: s.appDisplayName,
    ApplicationId: s.appId,
    IPAddress: s.ipAddress,
    UserAgent: record.userAgent,
    ErrorCode: s.status.errorCode,
    ClientAppUsed: s.clientAppUsed,
    LogonType: s.isInteractive ? '["interactiveUser"]' : '["nonInteractiveUser"]',
    RiskLevelAggregated: RISK[s.riskLevelAggregated] ?? 0,
    Country: s.location.countryOrRegion,
    City: s.location.city,
  };
  return Object.fromEntries(COLUMNS.map(([name]) => [name, values[name]]));
}

export function answerHuntingQuery(tenant: SimulatedTenant, body: unknown): object {
  if (!isRecord(body) || typeof body.Query !== 'string') throw badRequest('The request body must be {"Query": "<KQL>"}.');
  const query = parseHuntingSignInQuery(body.Query);
  const results = tenant.signIns
    .filter((record) => {
      const s = record.signIn;
      const who = query.objectIds.includes(s.userId.toLowerCase()) || query.upns.includes(s.userPrincipalName.toLowerCase());
      return who && Date.parse(s.createdDateTime) >= query.since;
    })
    .sort((a, b) => b.signIn.createdDateTime.localeCompare(a.signIn.createdDateTime))
    .slice(0, query.take)
    .map(row);
  return {
    '@odata.context': `${METADATA}#microsoft.graph.security.huntingQueryResults`,
    schema: COLUMNS.map(([name, type]) => ({ name, type })),
    results,
  };
}

export const huntingRoutes: readonly GraphRoute[] = [
  {
    method: 'POST',
    path: 'security/runHuntingQuery',
    query: [],
    handle: ({ tenant, body }) => ({ status: 200, body: answerHuntingQuery(tenant, body) }),
  },
];
