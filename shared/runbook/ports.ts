// The ports the runbook phases work through. Adapters: shared/graph (Graph), shared/store (Table
// Storage), shared/queues (Queue Storage). Unit tests may use tiny fakes; integration tests use the
// real adapters against Azurite and the tenant simulator.
import type { UserFacts } from '../policy/containment-policy';
import type { Incident, StoredIncident, TimelineEvent } from './incident';

export interface GraphWriteRequest {
  method: 'POST' | 'PATCH';
  path: string;
  body?: Readonly<Record<string, unknown>>;
}

export interface GraphWriteReceipt {
  status: number;
  requestId?: string;
  attempts: number;
}

/** Runbook 1.1 and 1.2. Failures throw GraphError. */
export interface ContainmentActions {
  revokeSessions(userId: string): Promise<GraphWriteReceipt>;
  disableAccount(userId: string): Promise<GraphWriteReceipt>;
}

/** Reads about the user before any write; failures throw GraphError. */
export interface UserDirectory {
  inspect(userId: string, protectedGroupIds: readonly string[]): Promise<UserFacts>;
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
  list(filter: IncidentFilter): Promise<Incident[]>;
}

export interface IncidentFilter {
  user?: string;
  state?: string;
  since?: string;
  limit?: number;
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

export interface FollowUpQueues {
  enqueue(queue: FollowUpQueueName, message: FollowUpMessage): Promise<void>;
}

export interface Clock {
  now(): Date;
}
