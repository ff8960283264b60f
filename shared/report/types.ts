// The post-incident report (runbook Phase 6, with 5.3, 5.4, 6.2 and 6.3) as data: one model, built once
// from what the phases stored, that the Markdown renderer and `?format=json` both serve. Values the
// project does not know are absent (the renderer says "not known"); nothing here is a secret.
import type { FindingKind, Verdict } from '../diagnosis/types';
import type { IncidentState, RemovalStatus, TimelineMark } from '../runbook/incident';

export const REPORT_VERSION = 1;

/** A phase whose facts the report lacks yet, and why: "Phase 2 diagnosis: the evidence pack is in progress". */
export interface PendingPhase {
  phase: 'diagnosis' | 'eradication' | 'notification' | 'recovery' | 'containment';
  detail: string;
}

/** One span a post-mortem quotes; `ms` absent when either end is not known. */
export interface ReportDuration {
  name:
    | 'alert_to_receipt'
    | 'time_to_contain_from_alert'
    | 'time_to_contain_from_receipt'
    | 'attacker_dwell'
    | 'T0_to_T1'
    | 'T1_to_T2'
    | 'T2_to_T3'
    | 'T0_to_T3';
  label: string;
  from?: string;
  to?: string;
  ms?: number;
  /** "3 h 0 min", "190 ms"; "not known" when `ms` is absent. */
  text: string;
}

export interface ReportEvent {
  at: string;
  kind: string;
  mark?: TimelineMark;
  actor: string;
  summary: string;
}

/** A decision a person (or the lab's function key, or AUTO_ERADICATE) made, with who and when. */
export interface ReportDecision {
  at: string;
  kind: string;
  who: string;
  summary: string;
}

export interface ReportTimeline {
  /** The alert's own time: its creation time, else its first activity (from the stored payload). */
  alertRaisedAt?: string;
  alertRaisedFrom?: string;
  alertFirstActivityAt?: string;
  receivedAt: string;
  t0?: string;
  t1?: string;
  t2?: string;
  t3?: string;
  durations: ReportDuration[];
  decisions: ReportDecision[];
  events: ReportEvent[];
}

export interface ReportFinding {
  id: string;
  kind: FindingKind;
  title: string;
  at?: string;
  verdict: Verdict;
  reasons: string[];
}

export interface ReportSignIn extends ReportFinding {
  ip?: string;
  asn?: number;
  userAgent?: string;
  app?: string;
  clientApp?: string;
  succeeded?: boolean;
}

export interface ReportSentMessage extends ReportFinding {
  subject?: string;
  internal: string[];
  external: string[];
}

export interface ReportPersistence extends ReportFinding {
  /** What eradication did with it, when it was selected. */
  removal?: { status: RemovalStatus; at?: string; detail?: string };
}

export interface ReportVerification {
  at: string;
  kind: string;
  clean?: boolean;
  summary: string;
}

export interface ReportAttacker {
  window?: { start?: string; end: string; endsAt: 'T0' | 'diagnosis'; firstSignIn?: string; notes: string[] };
  signIns: ReportSignIn[];
  mailRead: { items: number; records: number; folders: string[]; findings: ReportFinding[] };
  mailSent: ReportSentMessage[];
  persistence: ReportPersistence[];
  postContainment: ReportFinding[];
  /** From the evidence pack: no successful sign-in or attacker mailbox activity after T0. Absent: cannot say. */
  containmentHeld?: boolean;
  verifications: ReportVerification[];
  /** Sources that could not be read in full: "mailboxAudit unavailable: missing permission ...". */
  gaps: string[];
}

export interface ReportGraphWrite {
  at?: string;
  phase: 'containment' | 'eradication' | 'recovery';
  what: string;
  /** "POST /v1.0/users/{id}/revokeSignInSessions", when recorded. */
  request?: string;
  result: string;
  httpStatus?: number;
  graphCode?: string;
  requestId?: string;
}

export interface ReportManualStep {
  why: string;
  commands: string[];
}

export interface ReportActions {
  graphWrites: ReportGraphWrite[];
  removed: Array<{ title: string; kind: FindingKind; at?: string; status: RemovalStatus; httpStatus?: number; requestId?: string }>;
  /** Selected for removal and not removed: changed, reported, forbidden, refused, failed, pending. */
  notRemoved: Array<{ title: string; kind: FindingKind; status: RemovalStatus; detail?: string }>;
  leftForHuman: ReportManualStep[];
}

export interface ReportVictim {
  user: string;
  incidentId?: string;
  /** The victim's incident as it is now (read when the report is built), else as the campaign linked it. */
  state?: string;
  reasons: string[];
}

export interface ReportOthers {
  campaign?: { id: string; victims: ReportVictim[]; notEvidence: ReportVictim[]; sharedIps: string[] };
  /** Runbook 5.3: the people the attacker mailed, to contact out of band. */
  recipients?: { internal: string[]; external: string[] };
}

export interface ReportKql {
  name: string;
  platform: 'sentinel' | 'defender';
  description: string;
  query: string;
}

export interface ReportDetections {
  iocs: {
    ips: string[];
    asns: number[];
    userAgents: string[];
    forwardingAddresses: string[];
    apps: Array<{ name?: string; appId?: string; servicePrincipalId?: string }>;
  };
  /** ASNs the attacker or the campaign used that HOSTING_ASNS does not list. */
  asnsNotInHostingList: number[];
  kql: ReportKql[];
}

export interface ReportMethod {
  title: string;
  type: string;
  phishingResistant: boolean;
  removed: boolean;
}

export interface ReportPrevention {
  /** The user's methods as the evidence pack read them; absent when it could not. */
  methods?: ReportMethod[];
  /** Whether the user still holds a phishing-resistant method (methods removed by eradication excluded). */
  hasPhishingResistant?: boolean;
  /** Whether the attacker's sign-ins were of a kind Token Protection binds (native app on a registered device). */
  tokenProtection: { bindable?: boolean; detail: string };
  recommendations: string[];
  training: string;
}

export interface ReportRegulatedData {
  /** Whether MailItemsAccessed shows the attacker read mail; absent when the mailbox audit was not read. */
  mailRead?: boolean;
  items?: number;
  reminder?: string;
}

export interface IncidentReport {
  version: typeof REPORT_VERSION;
  incident: {
    id: string;
    user: { upn?: string; objectId?: string };
    state: IncidentState;
    severity: string;
    title: string;
    alertId: string;
    source: string;
    mode: string;
    hybrid: boolean;
    /** The incident's last change: the report describes it as of then. */
    asOf: string;
  };
  pending: PendingPhase[];
  summary?: string;
  timeline: ReportTimeline;
  attacker?: ReportAttacker;
  actions: ReportActions;
  others: ReportOthers;
  detections?: ReportDetections;
  prevention?: ReportPrevention;
  regulatedData: ReportRegulatedData;
}
