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
import type { AlertOrigin, AlertUser } from '../alerts/types';
import type { DirectoryUser, SafetyFacts, UserLookup } from '../policy/identity';
import type { SafetySnapshot, SnapshotState } from '../policy/safety-snapshot';
import type { ContainmentAction, GraphWriteRequest, Incident, StoredIncident, TimelineEvent } from './incident';
import type { FindingTarget } from '../diagnosis/types';

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
  /** The exact request an action sends, for the record (a dry run shows what would have been sent). */
  describe(action: ContainmentAction, userId: string): GraphWriteRequest;
}

/** Reads about the user before any write; failures other than "nobody by that identifier" throw UpstreamError. */
export interface UserDirectory {
  /**
   * Looks the user up by every identifier the alert gives, together with the safety reads (group
   * membership, directory roles), in one round trip.
   */
  lookUp(user: AlertUser, protectedGroupIds: readonly string[]): Promise<UserLookup>;
  /** The safety reads alone, for a person already resolved by object id. */
  safetyFacts(objectId: string, protectedGroupIds: readonly string[]): Promise<SafetyFacts>;
  /** The user alone (id, UPN, accountEnabled, onPremisesSyncEnabled); null when nobody has that identifier. */
  user(userId: string): Promise<DirectoryUser | null>;
}

/**
 * Builds the safety snapshot's contents from the directory: every user's UPN and object id, the
 * transitive members of the protected groups, the directory role holders. Each listing is read to its
 * end; anything short of that throws (UpstreamError), so a snapshot is complete or there is none.
 */
export interface SafetySnapshotReader {
  read(protectedGroupIds: readonly string[]): Promise<Omit<SafetySnapshot, 'takenAt'>>;
}

/** The snapshot containment consults, and how old it may be before it proves nothing. */
export interface SafetySnapshotSource {
  state(): SnapshotState;
  maxAgeSeconds: number;
  /** Refreshes now (joining a refresh under way); never rejects: a failure leaves the state saying so. */
  refresh(): Promise<void>;
}

/** A directory read by one identifier (object id or UPN): who it names, or undefined for nobody (404). */
export interface DirectoryLookup {
  findUser(id: string): Promise<{ objectId: string; upn: string } | undefined>;
}

export interface BlastRadiusSlot {
  granted: boolean;
  /** The start of the sliding window the answer was decided over (the request time minus the window). */
  window: string;
  /** Automatic containments counted in that window, this one included when granted. */
  count: number;
  max: number;
  /** When refused: when the earliest counted containment stops counting. */
  nextFreeAt?: string;
}

/**
 * At most `max` automatic containments in any span of the window, across every instance. The holder is
 * the incident the containment is for: asking again for it (a retry, a takeover) never takes a second slot.
 */
export interface BlastRadiusLimiter {
  acquire(at: Date, holder: string): Promise<BlastRadiusSlot>;
}

/** A gate row someone else holds: which incident it points to, since when, and its concurrency token. */
export interface HeldClaim {
  incidentId: string;
  claimedAt: string;
  etag: string;
}

export type ClaimResult = { claimed: true } | ({ claimed: false } & HeldClaim);

/**
 * The person gate, after the identity is resolved. `claimed`: this delivery's incident is now the
 * person's open incident and the alert is recorded as handled in it. `handled`: this alert was already
 * handled for this person, in that incident. `open`: the person's current incident is another one (open
 * or not: the runbook decides from its state).
 */
export type PersonClaimResult = { outcome: 'claimed' } | ({ outcome: 'handled' } & HeldClaim) | ({ outcome: 'current' } & HeldClaim);

export interface IncidentStore {
  /**
   * The first gate: an insert-only row per (alert, identifiers as delivered). Exactly one delivery of a
   * shape wins; the others learn the incident it points to, without any Graph read.
   */
  claimAlert(gateKey: string, incidentId: string, at: string): Promise<ClaimResult>;
  /** The delivery-shape row as it is now (it is re-pointed when the person turns out to have an incident). */
  alertClaim(gateKey: string): Promise<HeldClaim | undefined>;
  /** Takes over a claim whose winner died before creating its incident (ETag-guarded). */
  reclaimAlert(gateKey: string, etag: string, at: string): Promise<boolean>;
  /** Points a delivery-shape row at the incident its person's alert is handled in. */
  pointAlert(gateKey: string, incidentId: string): Promise<void>;
  /**
   * The person gate, keyed by directory object id: in one transaction, records the alert as handled
   * for the person and makes the incident the person's current one; or says why not.
   */
  claimPerson(objectId: string, alertKey: string, incidentId: string, at: string): Promise<PersonClaimResult>;
  /** Records the alert as handled in the person's current incident (insert-only: false if already recorded). */
  linkPerson(objectId: string, alertKey: string, incidentId: string, at: string): Promise<boolean>;
  /**
   * Makes a new incident the person's current one (their last is no longer open) and records the alert
   * in it, in one transaction guarded by the current row's ETag.
   */
  replacePerson(objectId: string, alertKey: string, incidentId: string, currentEtag: string, at: string): Promise<boolean>;
  /** Takes over a person-gate row (the alert's or the current one) whose holder died before creating the incident. */
  reclaimPerson(objectId: string, alertKey: string | undefined, etag: string, at: string): Promise<boolean>;
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
/** Every queue the app writes: the follow-ups containment queues, eradication, containment verification, write-back. */
export type QueueName = FollowUpQueueName | 'eradicate' | 'verify' | 'write-back';

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

/** Phase 3: remove what the eradication request `requestId` selected. A newer request supersedes it. */
export interface EradicateMessage {
  version: 1;
  incidentId: string;
  requestId: string;
}

/** Containment verification at T0 + `afterMinutes`. */
export interface VerifyMessage {
  version: 1;
  incidentId: string;
  afterMinutes: number;
}

/** A comment for the source incident or alert (WRITE_BACK), about the incident reaching `mark`. */
export interface WriteBackMessage {
  version: 1;
  incidentId: string;
  mark: WriteBackMark;
}

/** The moments written back: T0 (contained), diagnosis complete, T1 (eradicated), T3 (recovered). */
export type WriteBackMark = 'T0' | 'diagnosed' | 'T1' | 'T3';

export interface QueueMessages {
  diagnose: FollowUpMessage;
  hunt: FollowUpMessage;
  eradicate: EradicateMessage;
  verify: VerifyMessage;
  'write-back': WriteBackMessage;
}

export interface FollowUpQueues {
  enqueue<Q extends QueueName>(queue: Q, message: QueueMessages[Q], options?: EnqueueOptions): Promise<void>;
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
  /** Stable per (kind, provider id): what the eradicate route names. */
  id: string;
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
 * A hunting backend (Log Analytics, Defender advanced hunting, Graph sign-ins). Failures throw UpstreamError:
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
  /** The incidents linked to the campaign, without the rest of it. */
  links(campaignId: string): Promise<CampaignLink[]>;
  list(limit: number): Promise<Array<Pick<Campaign, 'id' | 'status' | 'createdAt' | 'updatedAt'>>>;
  campaignOf(incidentId: string): Promise<string | undefined>;
}

// ----- Phase 3 and 5: eradication, verification, recovery -----

/** A finding's target as eradication addresses it: the Graph object and the user it belongs to. */
export interface RemovalTarget extends FindingTarget {
  userKey: string;
}

/**
 * Runbook 3.1-3.4 over Graph. `read` answers the object as Graph has it now, or undefined when it is gone
 * (404); `remove` deletes it through the object's own collection. Failures throw GraphError.
 */
export interface PersistenceRemover {
  request(target: RemovalTarget): GraphWriteRequest;
  read(target: RemovalTarget): Promise<unknown>;
  remove(target: RemovalTarget): Promise<GraphWriteReceipt>;
}

/** The account as verification and recovery read it. */
export interface AccountState {
  /** The object id, lower-cased (the directory audit names users by it). */
  id?: string;
  accountEnabled: boolean;
  signInSessionsValidFromDateTime?: string;
  onPremisesSyncEnabled: boolean;
}

/** Who turned an account back on, from the directory audit ("Enable account", AccountEnabled -> true). */
export interface Reenablement {
  at: string;
  by: string;
  auditId: string;
}

/** Reads for containment verification and recovery; failures throw GraphError. */
export interface AccountDirectory {
  account(userKey: string): Promise<AccountState>;
  /** "Enable account" audits of the user since `since`, oldest first. */
  reenablements(userId: string, since: string): Promise<Reenablement[]>;
}

/** Runbook 3.5 and 3.6. Each returns the Graph receipt; the secret never leaves the call that made it. */
export interface RecoveryActions {
  issueTemporaryAccessPass(
    userKey: string,
    lifetimeMinutes: number,
  ): Promise<{ receipt: GraphWriteReceipt; pass: string; expiresAt?: string }>;
  resetPassword(userKey: string, password: string): Promise<GraphWriteReceipt>;
  enableAccount(userKey: string): Promise<GraphWriteReceipt>;
}

// ----- Write-back to the source incident (WRITE_BACK) -----

/** What the source said to a comment: its HTTP status and request id, or that an earlier attempt already posted it. */
export interface CommentReceipt {
  status: number;
  requestId?: string;
  /** The comment was there already (a retry after a post whose answer was lost): nothing was sent. */
  alreadyPresent?: boolean;
}

/**
 * Comments on the record an alert came from: a Sentinel incident (ARM REST) or a Defender XDR incident or
 * alert (Graph security API). `commentId` is the same for every attempt at one comment, so a retry never
 * posts it twice. Failures throw UpstreamError (service, status, code, request-id, transient).
 */
export interface SourceComments {
  /** For the record: "Microsoft Sentinel" or "Microsoft Defender XDR". */
  readonly name: string;
  /** What the app lacks when it is refused. */
  readonly permission: string;
  /** The record this writer comments on for an incident from this origin, or undefined when the payload named none. */
  target(origin: AlertOrigin | undefined): string | undefined;
  comment(target: string, commentId: string, text: string): Promise<CommentReceipt>;
}

// ----- Metrics -----

/** Custom metrics about incidents (Application Insights when configured); recording never throws and never waits. */
export interface IncidentMetrics {
  /** An incident's containment finished (contained, held, skipped or failed): its outcome and time to contain. */
  contained(incident: Incident): void;
  /** Exports what was recorded now, instead of at the next interval (tests, shutdown). */
  flush(): Promise<void>;
}
