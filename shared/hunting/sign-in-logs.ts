// Runbook 2.1 from Sentinel: the user's sign-ins from SigninLogs and AADNonInteractiveUserSignInLogs, with
// the user agent and ASN Graph v1.0 does not give, and the non-interactive sign-ins a replayed token
// leaves (Graph v1.0 lists interactive sign-ins only).
import { normalizeAll, signInFromLogAnalytics } from '../diagnosis/normalize';
import type { DiagnosedUser, SignInEvidence } from '../diagnosis/types';
import type { Gathered } from '../runbook/ports';
import { kqlDatetime, kqlString } from './kql';
import type { LogAnalyticsClient } from './log-analytics';

const COLUMNS = [
  'TimeGenerated',
  'CreatedDateTime',
  'Id',
  'UserPrincipalName',
  'UserId',
  'AppDisplayName',
  'AppId',
  'IPAddress',
  'UserAgent',
  'AutonomousSystemNumber',
  'ResultType',
  'ResultDescription',
  'RiskLevelDuringSignIn',
  'ClientAppUsed',
  'Location',
  'SignInTable',
];

/** The query, built from literals only; `take` one past the limit tells a truncated read from a full one. */
export function signInQuery(user: DiagnosedUser, since: string, maxRows: number): string {
  const who = [user.id ? `UserId =~ ${kqlString(user.id)}` : undefined, user.upn ? `UserPrincipalName =~ ${kqlString(user.upn)}` : undefined].filter(
    (clause): clause is string => clause !== undefined,
  );
  if (who.length === 0) throw new RangeError('a user needs an object id or a UPN');
  return [
    'union withsource=SignInTable SigninLogs, AADNonInteractiveUserSignInLogs',
    `| where TimeGenerated >= ${kqlDatetime(since)}`,
    `| where ${who.join(' or ')}`,
    `| project ${COLUMNS.join(', ')}`,
    '| order by TimeGenerated desc',
    `| take ${maxRows + 1}`,
  ].join('\n');
}

export class LogAnalyticsSignIns {
  constructor(
    private readonly client: LogAnalyticsClient,
    private readonly maxRows = 20_000,
  ) {}

  async signIns(user: DiagnosedUser, since: string): Promise<Gathered<SignInEvidence>> {
    const rows = await this.client.query(signInQuery(user, since, this.maxRows), 'P2D');
    return {
      items: normalizeAll(rows.slice(0, this.maxRows), signInFromLogAnalytics),
      truncated: rows.length > this.maxRows,
      via: `Log Analytics SigninLogs + AADNonInteractiveUserSignInLogs (workspace ${this.client.workspaceId}; user agent and ASN included)`,
    };
  }
}
