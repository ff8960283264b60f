// The evidence pack judged as a whole: the attacker window from the sign-ins, then every finding by the
// same rule (verdicts.ts), with counts for the summary. Pure: the same evidence gives the same pack.
import { judgeAppRoleAssignments, judgeAuthenticationMethods, judgeDevices, judgeGrants, deviceRegistrations } from './judge-directory';
import { judgeInboxRules, judgeMailAccess, judgeSends } from './judge-mailbox';
import { judgeSignIns } from './judge-sign-ins';
import type { AttackerWindow, DiagnosedUser, Evidence, Finding, FindingKind, SourceName, Verdict } from './types';
import { internalDomainsFor, type JudgmentContext } from './verdicts';
import { attackerWindow } from './window';

export interface PackInput {
  user: DiagnosedUser;
  t0?: string;
  now: string;
  /** Start of the activity logs read (24 h before now). */
  lookbackStart: string;
  /** Start of the directory audit read, which dates grants and methods (longer than 24 h). */
  auditLookbackStart: string;
  alertIps: readonly string[];
  alertUserAgents: readonly string[];
  hostingAsns: readonly number[];
  internalDomains: readonly string[];
  evidence: Evidence;
  /** Why a source (or a part of one) is missing, in words: "unavailable (missing permission X)". */
  unavailable: Partial<Record<SourceName | 'folderNames' | 'sentMessages', string>>;
}

export type VerdictCounts = Record<Verdict, number>;

export interface PackStats {
  total: VerdictCounts;
  byKind: Partial<Record<FindingKind, VerdictCounts>>;
  /** True: sign-ins read and none succeeded after T0 (and no attacker mailbox activity after it). Absent: cannot say. */
  containmentHeld?: boolean;
  afterT0Succeeded: number;
  afterT0RefusedFromAttacker: number;
  attackerMailAfterT0: number;
  attackerItemsRead: number;
  suspiciousSignIns: number;
  benignSends: number;
  recipients: { internal: string[]; external: string[] };
}

export interface Pack {
  window: AttackerWindow;
  findings: Finding[];
  stats: PackStats;
}

const VERDICT_ORDER: Readonly<Record<Verdict, number>> = { suspicious: 0, unknown: 1, benign: 2 };

function count(findings: readonly Finding[]): PackStats['byKind'] {
  const byKind: PackStats['byKind'] = {};
  for (const finding of findings) {
    const counts = (byKind[finding.kind] ??= { suspicious: 0, benign: 0, unknown: 0 });
    counts[finding.verdict]++;
  }
  return byKind;
}

export function judgePack(input: PackInput): Pack {
  const { evidence, unavailable } = input;
  const window = attackerWindow({
    signIns: evidence.signIns,
    alertIps: input.alertIps,
    alertUserAgents: input.alertUserAgents,
    hostingAsns: input.hostingAsns,
    t0: input.t0,
    now: input.now,
  });
  const ctx: JudgmentContext = {
    window,
    t0: input.t0,
    now: input.now,
    lookbackStart: input.lookbackStart,
    user: input.user,
    internalDomains: internalDomainsFor(input.user, input.internalDomains),
  };
  const findings: Finding[] = [];
  const signIns = evidence.signIns ? judgeSignIns(ctx, evidence.signIns) : undefined;
  if (signIns) findings.push(...signIns.findings);

  const mailbox = {
    folderNames: evidence.folderNames,
    folderNamesUnavailable: unavailable.folderNames,
    sentMessages: evidence.sentMessages,
    sentMessagesUnavailable: unavailable.sentMessages,
    mailboxAuditUnavailable: evidence.mailboxAudit ? undefined : (unavailable.mailboxAudit ?? 'not read'),
  };
  if (evidence.inboxRules) findings.push(...judgeInboxRules(ctx, evidence.inboxRules, evidence.mailboxAudit, mailbox));
  const sends = evidence.mailboxAudit ? judgeSends(ctx, evidence.mailboxAudit, mailbox) : undefined;
  if (sends) findings.push(...sends.findings);
  const access = evidence.mailboxAudit ? judgeMailAccess(ctx, evidence.mailboxAudit) : undefined;
  if (access) findings.push(...access.findings);

  const directory = {
    audits: evidence.directoryAudits,
    auditsUnavailable: evidence.directoryAudits ? undefined : (unavailable.directoryAudits ?? 'not read'),
    appRoleAssignments: evidence.appRoleAssignments,
    signIns: evidence.signIns,
  };
  if (evidence.oauthGrants) findings.push(...judgeGrants(ctx, evidence.oauthGrants, directory, input.auditLookbackStart));
  if (evidence.appRoleAssignments) findings.push(...judgeAppRoleAssignments(ctx, evidence.appRoleAssignments));
  if (evidence.authenticationMethods)
    findings.push(...judgeAuthenticationMethods(ctx, evidence.authenticationMethods, directory, input.auditLookbackStart));
  if (evidence.directoryAudits && evidence.devices) {
    findings.push(...judgeDevices(ctx, deviceRegistrations(input.user, evidence.directoryAudits), evidence.devices));
  }

  findings.sort(
    (a, b) =>
      VERDICT_ORDER[a.verdict] - VERDICT_ORDER[b.verdict] ||
      (a.createdAt ?? '9999').localeCompare(b.createdAt ?? '9999') ||
      a.providerId.localeCompare(b.providerId),
  );
  const total: VerdictCounts = { suspicious: 0, benign: 0, unknown: 0 };
  for (const finding of findings) total[finding.verdict]++;
  const attackerMailAfterT0 = access?.afterT0 ?? 0;
  const afterT0Succeeded = signIns?.afterT0Succeeded ?? 0;
  const containmentHeld =
    input.t0 === undefined ? undefined : afterT0Succeeded > 0 || attackerMailAfterT0 > 0 ? false : signIns === undefined ? undefined : true;
  return {
    window,
    findings,
    stats: {
      total,
      byKind: count(findings),
      containmentHeld,
      afterT0Succeeded,
      afterT0RefusedFromAttacker: signIns?.afterT0RefusedFromAttacker ?? 0,
      attackerMailAfterT0,
      attackerItemsRead: access?.attackerItems ?? 0,
      suspiciousSignIns: signIns?.suspiciousTotal ?? 0,
      benignSends: sends?.benignSends ?? 0,
      recipients: { internal: sends?.internalRecipients ?? [], external: sends?.externalRecipients ?? [] },
    },
  };
}
