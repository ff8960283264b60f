// What every step of one person's containment shares: the alert's subject, the dependencies, who is
// acting, the per-step timings the host logs, and the timeline's event stamping. Kept apart so the
// containment story (contain.ts), the claim protocol (contain-claims.ts) and the records
// (contain-record.ts) can each be read alone.
import { createHash } from 'node:crypto';
import { ulid } from 'ulid';
import type { AlertUser } from '../alerts/types';
import { deliveredIdentifiers } from '../alerts/types';
import type { Approval, SafetyPolicy, UserFacts } from '../policy/containment-policy';
import type { Identity } from '../policy/identity';
import type { Incident, StoredIncident, TimelineEvent } from './incident';
import type { SafetyPath } from '../policy/safety-snapshot';
import type {
  BlastRadiusLimiter,
  Clock,
  ContainmentActions,
  FollowUpQueues,
  IncidentStore,
  SafetySnapshotSource,
  UserDirectory,
} from './ports';
import type { WriteBackHook } from './write-back';

export interface ContainTiming {
  /** How long a redelivery waits for the delivery that holds the incident to finish. */
  waitForWinnerMs: number;
  /** After this long without progress, the holder is presumed dead and a redelivery takes over. */
  staleAfterMs: number;
  pollMs: number;
}

export const DEFAULT_CONTAIN_TIMING: ContainTiming = { waitForWinnerMs: 20_000, staleAfterMs: 60_000, pollMs: 150 };

export interface ContainDeps {
  actions: ContainmentActions;
  directory: UserDirectory;
  limiter: BlastRadiusLimiter;
  store: IncidentStore;
  queues: FollowUpQueues;
  policy: SafetyPolicy;
  clock: Clock;
  timing?: ContainTiming;
  /** Containment verification: a `verify` message at T0 + each of these minutes (VERIFY_AFTER_MINUTES). */
  verifyAfterMinutes?: readonly number[];
  /** The safety snapshot; without one, every alert takes the live reads. */
  snapshot?: SafetySnapshotSource;
  /** WRITE_BACK: the T0 comment is queued with the follow-ups; absent when write-back is off. */
  writeBack?: WriteBackHook;
}

/** Who is acting, for the timeline: the automation and its invocation, plus the authenticated caller. */
export interface Actor {
  invocationId: string;
  caller: string;
}

export type StepTimings = Record<string, number>;

export type UserContainmentResult =
  | {
      ok: true;
      incident: Incident;
      replayed: boolean;
      /** The alert was linked to the person's open incident instead of opening another. */
      linked?: boolean;
      /** An identity problem worth a warning: identifiers naming two people, or one naming nobody. */
      identityNote?: string;
      retryable: boolean;
      timings: StepTimings;
      /** Bookkeeping left to run after the answer; settles with its failure, if any, and never rejects. */
      afterAnswer?: Promise<Error | undefined>;
    }
  | { ok: false; user: AlertUser; error: Error; retryable: boolean; timings: StepTimings };

/** What is being contained: one user of one alert, as the alert named them. */
export type Subject = Pick<
  Incident,
  'alertKey' | 'alertId' | 'source' | 'severity' | 'title' | 'detection' | 'ips' | 'userAgents' | 'alertRaisedAt' | 'origin'
> & {
  user: AlertUser;
  raw: string;
};

export type PersonIdentity = Extract<Identity, { kind: 'person' }>;

/** Who the alert's identifiers name, with the facts the gates need; or why nobody may be touched. */
export type Resolution =
  { kind: 'person'; identity: PersonIdentity; facts: UserFacts } | Exclude<Identity, { kind: 'person' }> | { kind: 'failed'; error: Error };

export interface ProceedOptions {
  replayed: boolean;
  approval?: Approval;
  /** The incident already holds a blast-radius slot from an earlier attempt. */
  counted: boolean;
  /** Fresh directory facts about the incident's person, when the caller has just read them. */
  facts?: UserFacts;
}

/** A timeline event as the pure steps describe it; the context stamps id, actor and (unless given) time. */
export type EventSpec = Omit<TimelineEvent, 'id' | 'actor' | 'at'> & { at?: string };

/** The containment steps the claim protocol hands control back to (contain.ts implements them). */
export interface ContainmentSteps {
  /** The first delivery of a shape: resolution, the gates, the person gate. */
  begin(incidentId: string): Promise<UserContainmentResult>;
  /** The person's new incident: the gates with what the directory said, then the writes. */
  open(incidentId: string, identity: PersonIdentity, facts: UserFacts, replayed: boolean): Promise<UserContainmentResult>;
  /** Facts from the snapshot lack the account's live state: read it before deciding on an open incident. */
  confirm(facts: UserFacts): Promise<UserFacts>;
  /** An incident already recorded, run through the gates again and on to the pending writes. */
  proceed(stored: StoredIncident, options: ProceedOptions): Promise<UserContainmentResult>;
}

/** The delivery-shape gate key: (alert, identifiers exactly as delivered). */
export function gateKeyFor(alertKey: string, user: AlertUser): string {
  return createHash('sha256')
    .update(`${alertKey}\n${deliveredIdentifiers(user)}`)
    .digest('hex');
}

export class ContainContext {
  readonly timing: ContainTiming;
  readonly gateKey: string;
  identityNote?: string;
  /** Where this delivery's safety facts came from (recorded on the incident it opens). */
  safety?: SafetyPath;

  constructor(
    readonly subject: Subject,
    readonly deps: ContainDeps,
    private readonly actor: Actor,
    readonly timings: StepTimings,
    /** The webhook answers before the follow-ups' mark lands (contain-record.ts); every other caller waits for it. */
    readonly answerBeforeMark = false,
  ) {
    this.timing = deps.timing ?? DEFAULT_CONTAIN_TIMING;
    this.gateKey = gateKeyFor(subject.alertKey, subject.user);
  }

  now(): string {
    return this.deps.clock.now().toISOString();
  }

  /** Adds the step's wall time to `timings[step]` (the host logs them per containment). */
  async timed<T>(step: string, work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.timings[step] = Math.round((this.timings[step] ?? 0) + performance.now() - started);
    }
  }

  event(kind: string, summary: string, extra: Partial<TimelineEvent> = {}): TimelineEvent {
    return {
      id: ulid(),
      at: this.now(),
      kind,
      actor: `aitm-contain (invocation ${this.actor.invocationId}, caller ${this.actor.caller})`,
      summary,
      ...extra,
    };
  }

  stamp(spec: EventSpec): TimelineEvent {
    const { kind, summary, ...extra } = spec;
    return this.event(kind, summary, extra);
  }

  isStale(at: string): boolean {
    return this.deps.clock.now().getTime() - Date.parse(at) > this.timing.staleAfterMs;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
