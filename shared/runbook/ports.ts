// The ports the runbook phases work through. Adapters: shared/graph (Graph), shared/store (Table
// Storage), shared/queues (Queue Storage). Unit tests may use tiny fakes; integration tests use the
// real adapters against Azurite and the tenant simulator.
import type {
  AppRoleAssignmentEvidence,
  AuthenticationMethodEvidence,
  DeviceEvidence,
  DiagnosedUser,
  DirectoryAuditEvidence,
  Finding,
  GrantEvidence,
  InboxRuleEvidence,
  MailboxAuditEvidence,
  SentMessageEvidence,
  SignInEvidence,
} from '../diagnosis/types';
import type { Pivot, PivotKind } from '../campaign/pivots';
import type { Campaign, CampaignHit, CampaignLink, PivotMatch, PivotRecord } from '../campaign/types';
import type { UserFacts } from '../policy/containment-policy';
import type { Incident, StoredIncident, TimelineEvent } from './incident';

export type { GraphWriteRequest } from './incident';

export interface GraphWriteReceipt {
  status: number;
  requestId?: string;
  attempts: number;
}

/** Runbook 1.1 and 1.2. Failures throw UpstreamError. */
export interface ContainmentActions {
  revokeSessions(userId: string): Promise<GraphWriteReceipt>;
  disableAccount(userId: string): Promise<GraphWriteReceipt>;
}

/** Reads about the user before any write; failures throw UpstreamError. */
export interface UserDirectory {
  inspect(userId: string, protectedGroupIds: readonly string[]): Promise<UserFacts>;
}

/** A directory read by one identifier (object id or UPN): who it names, or undefined for nobody (404). */
export interface DirectoryLookup {
  findUser(id: string): Promise<{ objectId: string; upn: string } | undefined>;
}

export interface BlastRadiusSlot {
  granted: boolean;
  window: string;
  count: number;
  max: number;
}

/** Counts automatic containments per time window, across every instance. */
export interface BlastRadiusLimiter {
  acquire(at: Date): Promise<BlastRadiusSlot>;
  /** Gives a slot back when the containment it was taken for did not go ahead. */
  release(window: string): Promise<void>;
}

export type ClaimResult =
  | { claimed: true }
  | { claimed: false; incidentId: string; claimedAt: string; etag: string };

export interface IncidentStore {
  /**
   * The idempotency gate: an insert-only row per (alert, user). Exactly one caller wins; the others
   * learn the winner's incident id.
   */
  claimAlert(gateKey: string, incidentId: string, at: string): Promise<ClaimResult>;
  /** Takes over a claim whose winner died before creating its incident (ETag-guarded). */
  reclaimAlert(gateKey: string, etag: string, at: string): Promise<boolean>;
  create(incident: Incident, events: TimelineEvent[]): Promise<StoredIncident>;
  /** Replaces the incident row and appends events in one transaction; false if the ETag moved on. */
  update(incident: Incident, etag: string, events: TimelineEvent[]): Promise<StoredIncident | undefined>;
  appendEvents(id: string, events: TimelineEvent[]): Promise<void>;
  get(id: string): Promise<StoredIncident | undefined>;
  timeline(id: string): Promise<TimelineEvent[]>;
  /** Newest first, one page at a time; a page may hold fewer than `top` when filters skip many. */
  list(filter: IncidentFilter): Promise<IncidentPage>;
}

export interface IncidentFilter {
  user?: string;
  state?: string;
  since?: string;
  /** Page size. */
  top: number;
  /** From the previous page; opaque. A token the store did not issue is a ValidationError (400). */
  continuationToken?: string;
}

export interface IncidentPage {
  incidents: Incident[];
  /** Present when there may be more: pass it back for the next page. */
  continuationToken?: string;
}

export type FollowUpQueueName = 'diagnose' | 'hunt';

export interface FollowUpMessage {
  version: 1;
  incidentId: string;
  userKey: string;
  upn?: string;
  alertKey: string;
  ips: string[];
  userAgents: string[];
  t0?: string;
}

export interface EnqueueOptions {
  /** Keep the message invisible this long (a deferred look later); default 0. */
  delaySeconds?: number;
}

export interface FollowUpQueues {
  enqueue(queue: FollowUpQueueName, message: FollowUpMessage, options?: EnqueueOptions): Promise<void>;
}

export interface Clock {
  now(): Date;
}

// ----- Phase 2: diagnosis -----

/** A collection read from a source: `truncated` when a limit stopped the read before the end. */
export interface Gathered<T> {
  items: T[];
  truncated: boolean;
  /** What was read, for the record: "Graph v1.0 GET /auditLogs/signIns". */
  via: string;
  /** What degraded without failing the read, e.g. a fallback to another source. */
  notes?: string[];
}

/** A Purview audit log query (Graph `security/auditLog/queries`): asynchronous, polled until it settles. */
export interface MailboxAuditQuery {
  id: string;
  /** notStarted | running | succeeded | failed | cancelled (or a value Graph adds later). */
  status: string;
  /** isRecordCountLimitExceeded: the query stopped at its record limit. */
  truncated: boolean;
}

/**
 * The evidence sources of runbook 2.1-2.5, read-only. Each method reads one source and throws UpstreamError
 * on failure; the caller decides what a failure means for the pack. A user is addressed by object id
 * when known, else by UPN.
 */
export interface EvidenceReader {
  user(userKey: string): Promise<DiagnosedUser>;
  signIns(user: DiagnosedUser, since: string): Promise<Gathered<SignInEvidence>>;
  directoryAudits(user: DiagnosedUser, since: string): Promise<Gathered<DirectoryAuditEvidence>>;
  startMailboxAuditQuery(user: DiagnosedUser, since: string, until: string, label: string): Promise<MailboxAuditQuery>;
  mailboxAuditQuery(id: string): Promise<MailboxAuditQuery>;
  mailboxAuditRecords(id: string): Promise<Gathered<MailboxAuditEvidence>>;
  inboxRules(user: DiagnosedUser): Promise<Gathered<InboxRuleEvidence>>;
  /** Display names of mail folders by id; ids it cannot find are left out. */
  folderNames(user: DiagnosedUser, folderIds: readonly string[]): Promise<Map<string, string>>;
  /** The sent messages with these InternetMessageIds, looked up in the mailbox for their recipients. */
  sentMessages(user: DiagnosedUser, internetMessageIds: readonly string[]): Promise<Map<string, SentMessageEvidence>>;
  oauthGrants(user: DiagnosedUser): Promise<Gathered<GrantEvidence>>;
  appRoleAssignments(user: DiagnosedUser): Promise<Gathered<AppRoleAssignmentEvidence>>;
  authenticationMethods(user: DiagnosedUser): Promise<Gathered<AuthenticationMethodEvidence>>;
  /** Devices by directory object id; one the directory no longer has comes back `missing`. */
  devices(ids: readonly string[]): Promise<DeviceEvidence[]>;
}

/** A finding as kept in the incident's partition. */
export interface StoredFinding extends Finding {
  /** When the diagnosis run that last wrote it saw it. */
  observedAt: string;
}

/** Findings live in the incident's partition, one row per (kind, provider id): re-running diagnosis upserts. */
export interface FindingStore {
  upsertFindings(incidentId: string, findings: readonly Finding[], observedAt: string): Promise<void>;
  findings(incidentId: string): Promise<StoredFinding[]>;
}

// ----- Phase 4: pivot hunt -----

/** What a backend found for one pivot. `truncated`: a row limit stopped the read. */
export interface PivotFindings {
  matches: PivotMatch[];
  truncated: boolean;
  via: string;
}

/**
 * A hunting backend (Log Analytics, Defender advanced hunting, Graph sign-ins). Failures throw GraphError:
 * 401/403 mean it refuses us (recorded as unavailable with `permission`), transient ones are retried by
 * the queue.
 */
export interface HuntBackend {
  /** For the record: "Log Analytics", "Defender advanced hunting", "Graph v1.0 sign-ins". */
  readonly name: string;
  /** What the app lacks when it is refused, e.g. "Log Analytics Reader on the workspace". */
  readonly permission: string;
  /** Why this backend cannot hunt this kind of pivot, or undefined when it can. */
  cannotSee(kind: PivotKind): string | undefined;
  hunt(pivot: Pivot, lookbackDays: number): Promise<PivotFindings>;
  /** Distinct users per IP in the `days` before `before` (the shared-egress guard). */
  distinctUsersBefore(ips: readonly string[], before: string, days: number): Promise<Map<string, number>>;
}

export type JoinResult = { campaignId: string; created: boolean };

/** Campaigns in Table Storage: one partition per campaign, and an insert-only IOC index so overlapping incidents meet. */
export interface CampaignStore {
  /**
   * The open campaign owning any of these pivots (the first in order), else a new one with `candidateId`;
   * the pivots and the incident are indexed to it.
   */
  join(pivotKeys: readonly string[], candidateId: string, incidentId: string, at: string): Promise<JoinResult>;
  /** Insert-only: true when this incident may hunt the pivot (not hunted before, or a claim gone stale). */
  claimPivot(campaignId: string, record: PivotRecord, staleAfterMs: number): Promise<boolean>;
  /** Gives a claimed pivot back when its hunt failed transiently, so the retry hunts it. */
  releasePivot(campaignId: string, pivotKey: string): Promise<void>;
  recordPivots(campaignId: string, records: readonly PivotRecord[]): Promise<void>;
  /** Upserts hits, merged with what earlier passes found for the same person. */
  recordHits(campaignId: string, hits: readonly CampaignHit[], at: string): Promise<void>;
  link(campaignId: string, links: readonly CampaignLink[]): Promise<void>;
  addNotes(campaignId: string, notes: readonly string[], at: string): Promise<void>;
  get(campaignId: string): Promise<Campaign | undefined>;
  list(limit: number): Promise<Array<Pick<Campaign, 'id' | 'status' | 'createdAt' | 'updatedAt'>>>;
  campaignOf(incidentId: string): Promise<string | undefined>;
}
