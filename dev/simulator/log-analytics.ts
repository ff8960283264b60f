// A Log Analytics stand-in (`POST /v1/workspaces/{id}/query`): the Sentinel SigninLogs and
// AADNonInteractiveUserSignInLogs rows of the seeded tenant, with the user agent and ASN Graph v1.0 lacks.
// It understands the one query shape diagnosis sends (a union of the two tables, a TimeGenerated lower
// bound, a UserId or UserPrincipalName match) and refuses any other with Log Analytics' error shape,
// rather than answer a query it did not really run.
import { GraphHttpError } from './errors';
import { isRecord } from './json';
import type { SignInRecord, SimulatedTenant } from './tenant';

const COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ['TimeGenerated', 'datetime'],
  ['CreatedDateTime', 'datetime'],
  ['Id', 'string'],
  ['UserPrincipalName', 'string'],
  ['UserId', 'string'],
  ['AppDisplayName', 'string'],
  ['AppId', 'string'],
  ['IPAddress', 'string'],
  ['UserAgent', 'string'],
  ['AutonomousSystemNumber', 'string'],
  ['ResultType', 'string'],
  ['ResultDescription', 'string'],
  ['RiskLevelDuringSignIn', 'string'],
  ['ClientAppUsed', 'string'],
  ['Location', 'string'],
  ['SignInTable', 'string'],
];

function refuse(message: string): GraphHttpError {
  return new GraphHttpError(400, 'BadArgumentError', message);
}

function unquote(literal: string): string {
  return literal.replace(/\\(.)/g, '$1');
}

interface SignInQuery {
  since: number;
  userIds: string[];
  upns: string[];
  take: number;
}

/** Reads the diagnosis sign-in query; anything else is refused. */
export function parseSignInQuery(query: string): SignInQuery {
  if (!/^union withsource=SignInTable SigninLogs, AADNonInteractiveUserSignInLogs\n/.test(query)) {
    throw refuse("The simulator's Log Analytics stand-in answers only the diagnosis sign-in query (union of SigninLogs and AADNonInteractiveUserSignInLogs).");
  }
  const since = /\| where TimeGenerated >= datetime\(([^)]+)\)/.exec(query);
  const take = /\| take (\d+)\s*$/.exec(query);
  if (!since || Number.isNaN(Date.parse(since[1])) || !take) throw refuse('Query could not be parsed: a TimeGenerated lower bound and a take are expected.');
  const literal = "'((?:[^'\\\\]|\\\\.)*)'";
  const userIds = [...query.matchAll(new RegExp(`UserId =~ ${literal}`, 'g'))].map((m) => unquote(m[1]).toLowerCase());
  const upns = [...query.matchAll(new RegExp(`UserPrincipalName =~ ${literal}`, 'g'))].map((m) => unquote(m[1]).toLowerCase());
  if (userIds.length + upns.length === 0) throw refuse('Query could not be parsed: a UserId or UserPrincipalName match is expected.');
  return { since: Date.parse(since[1]), userIds, upns, take: Number(take[1]) };
}

function row(record: SignInRecord): unknown[] {
  const s = record.signIn;
  const values: Record<string, unknown> = {
    TimeGenerated: s.createdDateTime,
    CreatedDateTime: s.createdDateTime,
    Id: s.id,
    UserPrincipalName: s.userPrincipalName,
    UserId: s.userId,
    AppDisplayName: s.appDisplayName,
    AppId: s.appId,
    IPAddress: s.ipAddress,
    UserAgent: record.userAgent,
    // A string column in SigninLogs.
    AutonomousSystemNumber: record.autonomousSystemNumber ? String(record.autonomousSystemNumber) : '',
    ResultType: String(s.status.errorCode),
    ResultDescription: s.status.failureReason ?? '',
    RiskLevelDuringSignIn: s.riskLevelDuringSignIn,
    ClientAppUsed: s.clientAppUsed,
    Location: s.location.countryOrRegion,
    SignInTable: s.isInteractive ? 'SigninLogs' : 'AADNonInteractiveUserSignInLogs',
  };
  return COLUMNS.map(([name]) => values[name]);
}

export function answerLogAnalyticsQuery(tenant: SimulatedTenant, body: unknown): object {
  if (!isRecord(body) || typeof body.query !== 'string') throw refuse('The request body must be {"query": "<KQL>", "timespan": "..."}.');
  const query = parseSignInQuery(body.query);
  const rows = tenant.signIns
    .filter((record) => {
      const s = record.signIn;
      const who = query.userIds.includes(s.userId.toLowerCase()) || query.upns.includes(s.userPrincipalName.toLowerCase());
      return who && Date.parse(s.createdDateTime) >= query.since;
    })
    .sort((a, b) => b.signIn.createdDateTime.localeCompare(a.signIn.createdDateTime))
    .slice(0, query.take)
    .map(row);
  return { tables: [{ name: 'PrimaryResult', columns: COLUMNS.map(([name, type]) => ({ name, type })), rows }] };
}

/** Log Analytics' error body: {"error": {"message", "code", "correlationId"}}. */
export function logAnalyticsErrorBody(error: GraphHttpError, correlationId: string): object {
  return { error: { message: error.message, code: error.code, correlationId } };
}
