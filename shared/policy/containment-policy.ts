// The safety gates, applied per user before any Graph write. Pure functions: what the runbook step
// may do given the settings, the alert and what the directory says about the user.
import type { AlertUser } from '../alerts/types';
import { SEVERITY_ORDER, type Severity } from '../alerts/severity';
import type { DirectoryUser, SafetyFacts } from './identity';

export interface SafetyPolicy {
  /** Lower-cased UPNs and object ids. */
  protectedAccounts: ReadonlySet<string>;
  protectedGroupIds: readonly string[];
  privilegedUsers: 'approve' | 'contain';
  mode: 'enforce' | 'dry-run' | 'off';
  minAutoContainSeverity: Severity;
  /** Hold for an approver, with this reason (a campaign hit under CAMPAIGN_CONTAINMENT=approve). */
  holdForApproval?: string;
}

/** What the directory says about the resolved person, read before acting. */
export type UserFacts = DirectoryUser & SafetyFacts;

export type Hold =
  | { kind: 'protected'; reason: string }
  | { kind: 'mode_off'; reason: string }
  | { kind: 'severity'; reason: string }
  | { kind: 'privileged'; reason: string }
  | { kind: 'approval'; reason: string };

/** A human's decision to contain overrides the gates that exist to wait for a human, never protection. */
export interface Approval {
  approvedBy: string;
}

export function isListedProtected(user: AlertUser, protectedAccounts: ReadonlySet<string>): boolean {
  return [user.upn, user.objectId].some((id) => id !== undefined && protectedAccounts.has(id.toLowerCase()));
}

function severityRank(severity: Severity): number {
  return SEVERITY_ORDER.indexOf(severity);
}

/** Gates that need no I/O: listed protection (by the identifiers as given) and mode off. */
export function preflight(user: AlertUser, policy: SafetyPolicy, approval?: Approval): Hold | undefined {
  if (isListedProtected(user, policy.protectedAccounts)) {
    return { kind: 'protected', reason: 'protected account (PROTECTED_ACCOUNTS): never revoked or disabled by automation' };
  }
  if (approval) return undefined;
  if (policy.mode === 'off') {
    return { kind: 'mode_off', reason: 'CONTAINMENT_MODE=off: recorded and held for a human; nothing sent' };
  }
  return undefined;
}

export function passesSeverityGate(severity: Severity, policy: SafetyPolicy): boolean {
  return severityRank(severity) >= severityRank(policy.minAutoContainSeverity);
}

/**
 * Gates that need the resolved person: protection by either identifier or by group, the severity gate
 * (after resolution, so a held alert is the person's incident and a later, higher alert can release
 * it), a campaign hold (CAMPAIGN_CONTAINMENT=approve) and privileged users.
 */
export function afterInspection(facts: UserFacts, severity: Severity, policy: SafetyPolicy, approval?: Approval): Hold | undefined {
  if (isListedProtected({ upn: facts.upn, objectId: facts.objectId }, policy.protectedAccounts)) {
    return { kind: 'protected', reason: 'protected account (PROTECTED_ACCOUNTS): never revoked or disabled by automation' };
  }
  if (facts.protectedGroupIds.length > 0) {
    return {
      kind: 'protected',
      reason: `member of protected group ${facts.protectedGroupIds.join(', ')} (PROTECTED_GROUP_IDS): never revoked or disabled by automation`,
    };
  }
  if (approval) return undefined;
  if (policy.holdForApproval !== undefined) return { kind: 'approval', reason: policy.holdForApproval };
  if (!passesSeverityGate(severity, policy)) {
    return {
      kind: 'severity',
      reason: `severity ${severity} is below MIN_AUTO_CONTAIN_SEVERITY=${policy.minAutoContainSeverity}: waiting for approval`,
    };
  }
  if (policy.privilegedUsers === 'approve' && facts.directoryRoles.length > 0) {
    return {
      kind: 'privileged',
      reason: `holds directory roles (${facts.directoryRoles.join(', ')}); PRIVILEGED_USERS=approve: waiting for approval`,
    };
  }
  return undefined;
}
