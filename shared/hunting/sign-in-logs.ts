// Runbook 2.1 from Sentinel: the user's sign-ins from SigninLogs and AADNonInteractiveUserSignInLogs, with
// the user agent and ASN Graph v1.0 does not give, and the non-interactive sign-ins a replayed token
// leaves (Graph v1.0 lists interactive sign-ins only). Or from Defender XDR advanced hunting
// (AADSignInEventsBeta): interactive and non-interactive sign-ins with the user agent, but no ASN column.
import { normalizeAll, signInFromDefender, signInFromLogAnalytics } from '../diagnosis/normalize';
import type { DiagnosedUser, SignInEvidence } from '../diagnosis/types';
import type { Gathered } from '../runbook/ports';
import type { DefenderHunting } from './defender';
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
  const who = [
    user.id ? `UserId =~ ${kqlString(user.id)}` : undefined,
    user.upn ? `UserPrincipalName =~ ${kqlString(user.upn)}` : undefined,
  ].filter((clause): clause is string => clause !== undefined);
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

/** A hunting backend the evidence reader asks for sign-ins, and what to say when it refuses us. */
export interface HuntingSignIns {
  /** Who refused, in the fall-back note: "Log Analytics", "Defender advanced hunting". */
  readonly name: string;
  /** What the app lacks when it is refused. */
  readonly permission: string;
  signIns(user: DiagnosedUser, since: string): Promise<Gathered<SignInEvidence>>;
}

export class LogAnalyticsSignIns implements HuntingSignIns {
  readonly name = 'Log Analytics';
  readonly permission = 'Log Analytics Reader on the workspace';

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

/** The Defender XDR advanced hunting table of Entra ID interactive and non-interactive sign-ins. */
export const DEFENDER_SIGN_IN_TABLE = 'AADSignInEventsBeta';

/** Its documented columns diagnosis reads. It has UserAgent but no ASN column. */
const DEFENDER_COLUMNS = [
  'Timestamp',
  'ReportId',
  'AccountUpn',
  'AccountObjectId',
  'Application',
  'ApplicationId',
  'IPAddress',
  'UserAgent',
  'ErrorCode',
  'ClientAppUsed',
  'LogonType',
  'RiskLevelAggregated',
  'Country',
  'City',
];

/** The advanced hunting query, built from literals only; `take` one past the limit tells a truncated read. */
export function defenderSignInQuery(user: DiagnosedUser, since: string, maxRows: number): string {
  const who = [
    user.id ? `AccountObjectId =~ ${kqlString(user.id)}` : undefined,
    user.upn ? `AccountUpn =~ ${kqlString(user.upn)}` : undefined,
  ].filter((clause): clause is string => clause !== undefined);
  if (who.length === 0) throw new RangeError('a user needs an object id or a UPN');
  return [
    DEFENDER_SIGN_IN_TABLE,
    `| where Timestamp >= ${kqlDatetime(since)}`,
    `| where ${who.join(' or ')}`,
    `| project ${DEFENDER_COLUMNS.join(', ')}`,
    '| order by Timestamp desc',
    `| take ${maxRows + 1}`,
  ].join('\n');
}

export class DefenderSignIns implements HuntingSignIns {
  readonly name = 'Defender advanced hunting';
  readonly permission = 'ThreatHunting.Read.All';

  constructor(
    private readonly hunting: DefenderHunting,
    private readonly maxRows = 20_000,
  ) {}

  async signIns(user: DiagnosedUser, since: string): Promise<Gathered<SignInEvidence>> {
    const rows = await this.hunting.query(defenderSignInQuery(user, since, this.maxRows));
    return {
      items: normalizeAll(rows.slice(0, this.maxRows), signInFromDefender),
      truncated: rows.length > this.maxRows,
      via: `Defender advanced hunting ${DEFENDER_SIGN_IN_TABLE} (Graph v1.0 POST /security/runHuntingQuery; user agent included, no ASN column)`,
    };
  }
}
