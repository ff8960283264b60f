// The incident record: one per person (directory object id) while it is open, however many alerts name
// them; its state machine and its timeline events, in the runbook's words. Pure data; the store persists it.
import type { AlertOrigin, AlertSource, AlertUser } from '../alerts/types';
import type { Severity } from '../alerts/severity';
import type { SafetyPath } from '../policy/safety-snapshot';
import type { AttackerWindow, FindingKind, FindingTarget, SourceName, SourceOutcome, Verdict } from '../diagnosis/types';
import type { IncidentState } from './incident-states';

// The states live alone so the browser console can import them without this module's type graph.
export { INCIDENT_STATES, type IncidentState } from './incident-states';

export type ContainmentAction = 'revokeSessions' | 'disableAccount';

/** A Graph write as recorded on the incident (and sent by the ContainmentActions port). */
export interface GraphWriteRequest {
  method: 'POST' | 'PATCH' | 'DELETE';
  path: string;
  body?: Readonly<Record<string, unknown>>;
}

/** Why an `awaiting_approval` incident waits (kept so a later delivery or an approval can act on it precisely). */
export type HoldKind =
  | 'mode_off'
  | 'severity'
  | 'privileged'
  | 'privileged_refused'
  | 'blast_radius'
  | 'limiter_unavailable'
  | 'dry_run'
  | 'identity_mismatch'
  // A campaign victim under CAMPAIGN_CONTAINMENT=approve: only an approver releases it.
  | 'approval';

export interface ActionOutcome {
  action: ContainmentAction;
  result: 'succeeded' | 'failed' | 'not_sent';
  /** The exact Graph request, so a dry run shows what would have been sent. */
  request: GraphWriteRequest;
  httpStatus?: number;
  graphCode?: string;
  message?: string;
  requestId?: string;
  /** Throttling or service trouble: the same call later may succeed. */
  transient?: boolean;
  attempts: number;
  startedAt: string;
  endedAt: string;
  durationMs: number;
}

export type TimelineMark = 'T0' | 'T1' | 'T2' | 'T3';

export interface TimelineEvent {
  id: string;
  at: string;
  kind: string;
  mark?: TimelineMark;
  /** Who acted: the automation (with invocation id) or a named human. */
  actor: string;
  summary: string;
  detail?: Readonly<Record<string, unknown>>;
}

export interface Incident {
  id: string;
  state: IncidentState;
  /**
   * The person: the directory's UPN and object id once resolved (`resolvedAt`), else the identifiers as
   * the alert gave them. `GET /api/incidents?user=` matches either.
   */
  user: AlertUser;
  /** The identifiers as the first alert gave them, when they differ from the resolved ones. */
  alertUser?: AlertUser;
  /** When the directory confirmed who the person is; every Graph write goes to a resolved object id. */
  resolvedAt?: string;
  /** The id we address the user by in Graph, lower-cased: the resolved object id (before resolution: object id, else UPN). */
  userKey: string;
  alertKey: string;
  alertId: string;
  source: AlertSource;
  severity: Severity;
  title: string;
  detection?: string;
  ips: string[];
  userAgents: string[];
  mode: 'enforce' | 'dry-run' | 'off';
  /** Why the incident is in a state other than contained, for the person reading it. */
  reason?: string;
  /** What an `awaiting_approval` incident waits for (also kept after a dry-run approval closed it). */
  hold?: HoldKind;
  /** This incident was folded into the person's open incident (an approval found one). */
  linkedTo?: string;
  createdAt: string;
  updatedAt: string;
  /** Containment time: when Graph acknowledged both writes. */
  t0?: string;
  actions: ActionOutcome[];
  followUpsQueuedAt?: string;
  /** Synced from on-premises AD: the next sync can re-enable the account, so AD must be disabled too. */
  requiresOnPremDisable?: boolean;
  /** Entra directory roles the user held when we looked. */
  directoryRoles?: string[];
  /** Where the safety gates' facts came from: the safety snapshot (and its age) or live reads (and why). */
  safety?: SafetyPath;
  /** Whether this incident used a slot of the blast-radius limit (a retry must not take another). */
  countedInBlastRadius?: boolean;
  /** A redelivery could change the outcome: transient Graph or directory failure. */
  retryable?: boolean;
  alertRaw: string;
  /** When the source raised the alert (its own creation or first-activity time): time to contain is measured from it. */
  alertRaisedAt?: string;
  /** Where the alert lives in Sentinel or Defender XDR, for the comments WRITE_BACK writes there. */
  origin?: AlertOrigin;
  /** Phase 2: the evidence pack's state and summary; the findings are rows of their own. */
  diagnosis?: DiagnosisRecord;
  /** Phase 3: what was selected for removal, by whom, and what each removal did. */
  eradication?: EradicationRecord;
  /** The latest containment verification (queued at T0 + n minutes, and after eradication). */
  verification?: VerificationRecord;
  /** Phase 5: what recovery did; never the credential itself. */
  recovery?: RecoveryRecord;
  /** T1: eradication verified. */
  t1?: string;
  /** T2: the user was told, out of band. */
  t2?: string;
  /** T3: recovery complete (credential issued, account re-enabled). */
  t3?: string;
}

/**
 * What became of one selected finding. removed / already_gone are done; changed (the target differs from
 * the snapshot), reported (left for a human: a tenant-wide grant, or no snapshot to compare), forbidden
 * (403: the missing permission is named), refused (Graph said no for good) and failed (transient; the
 * queue retries) are not.
 */
export type RemovalStatus = 'pending' | 'removed' | 'already_gone' | 'changed' | 'reported' | 'forbidden' | 'refused' | 'failed';

export interface RemovalItem {
  findingId: string;
  kind: FindingKind;
  title: string;
  verdict: Verdict;
  target: FindingTarget;
  status: RemovalStatus;
  request?: GraphWriteRequest;
  httpStatus?: number;
  graphCode?: string;
  requestId?: string;
  attempts?: number;
  at?: string;
  /** For people: why it was not removed, which permission is missing, what changed. */
  detail?: string;
  /** 403: the least-privileged permission (and role) the app needs for this removal. */
  missingPermission?: string;
}

/** A step Graph cannot do, for a human in Exchange Online PowerShell. */
export interface ManualStep {
  why: string;
  powershell: string[];
}

export interface EradicationRecord {
  requestId: string;
  requestedBy: string;
  requestedAt: string;
  comment?: string;
  /** flagged: every suspicious finding with a removable target; named: the findings listed; automatic: AUTO_ERADICATE. */
  selection: 'flagged' | 'named' | 'automatic';
  items: RemovalItem[];
  manualSteps: ManualStep[];
  runs: number;
  lastRunAt?: string;
  /** The re-read after removal: what is gone, what came back. */
  verification?: { at: string; clean: boolean; stillPresent: string[]; newItems: string[]; attackerSignIns: string[]; notes: string[] };
  completedAt?: string;
}

export interface VerificationRecord {
  at: string;
  /** Minutes after T0 the check was scheduled for; 0 for the check after eradication. */
  afterMinutes: number;
  clean: boolean;
  accountEnabled?: boolean;
  sessionsValidFrom?: string;
  /** Problems found, for people: "account enabled again by helpdesk@...", "sign-in from 198.51.100.23 at ...". */
  problems: string[];
  /** The newest sign-in examined, so recovery can refuse when an attacker sign-in came after it. */
  signInsReadUntil: string;
}

export interface RecoveryRecord {
  at: string;
  by: string;
  credential: 'tap' | 'password';
  /** For a TAP: when it stops working. The pass itself is never kept. */
  expiresAt?: string;
  lifetimeMinutes?: number;
  enabledAt?: string;
}

/** The attacker window as recorded on the incident (the sign-in reasons live on the findings). */
export type RecordedWindow = Omit<AttackerWindow, 'suspiciousSignIns'>;

/** What diagnosis records on the incident row: enough to read the pack's state without its findings. */
export interface DiagnosisRecord {
  /** complete: every source settled (read, truncated, or unavailable for good). */
  status: 'in_progress' | 'complete';
  runs: number;
  startedAt: string;
  updatedAt: string;
  completedAt?: string;
  /** The "now" of the latest run: sources were read up to it. */
  asOf: string;
  lookbackStart: string;
  window: RecordedWindow;
  sources: Partial<Record<SourceName, SourceOutcome>>;
  counts: Record<Verdict, number>;
  /** Whether containment held: no successful sign-in or attacker mailbox activity after T0. Absent: cannot say. */
  containmentHeld?: boolean;
  /** Recipients of what the attacker sent (runbook 5.3). */
  recipients: { internal: string[]; external: string[] };
  /** One paragraph for people. */
  summary: string;
  /** The Purview audit query the mailbox audit comes from, kept so a later run picks it up instead of starting another. */
  mailboxAuditQuery?: { id: string; createdAt: string; deferrals: number };
}

/** An incident with the store's concurrency token, so updates never overwrite someone else's change. */
export interface StoredIncident {
  incident: Incident;
  etag: string;
}

/** The writes still to do when a redelivery or an approval picks the incident up again. */
export function pendingActions(incident: Incident): ContainmentAction[] {
  const done = new Set(incident.actions.filter((action) => action.result === 'succeeded').map((action) => action.action));
  return (['revokeSessions', 'disableAccount'] as const).filter((action) => !done.has(action));
}

/**
 * Whether the incident is the person's open incident, which a new alert for them is linked to instead of
 * opening another: containment is under way, held for a human, in force and not yet recovered
 * (`containing`, `awaiting_approval`, `contained`, `partially_contained`, `diagnosed`, and the
 * eradication states), or failed transiently (a redelivery will retry it). Not open: `recovered`,
 * `closed`, `skipped_protected` (a later alert checks protection afresh) and a `failed` that retrying
 * cannot help.
 */
export function isOpen(incident: Incident): boolean {
  switch (incident.state) {
    case 'recovered':
    case 'closed':
    case 'skipped_protected':
      return false;
    case 'failed':
      return incident.retryable === true;
    default:
      return true;
  }
}

/** Whether the account was disabled by this incident (and so a re-enabled account means it must be contained again). */
export function disabledByIncident(incident: Incident): boolean {
  return incident.actions.some((outcome) => outcome.action === 'disableAccount' && outcome.result === 'succeeded');
}

/** Whether a caller's redelivery should run containment again: only for transient failures. */
export function needsRetry(incident: Incident): boolean {
  return (incident.state === 'failed' || incident.state === 'partially_contained') && incident.retryable === true;
}
