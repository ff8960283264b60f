// Phase 1, Containment (runbook 1.1-1.3): for each person an alert names, resolve who they are in the
// directory, check the safety gates, then revoke sign-in sessions and disable the account in parallel,
// record T0, and queue diagnosis and the pivot hunt. Exactly once per (alert, person), however many
// times, in whatever shapes and however concurrently the alert is delivered; one open incident per
// person, which later alerts are linked to. The same path runs when a human approves a held incident.
//
// The gates, in order (README, "Identity"):
//  1. a delivery-shape row per (alert, identifiers as delivered), insert-only: a same-shape redelivery
//     replays without any Graph read;
//  2. identity resolution, in the same Graph round trip as the safety reads;
//  3. the person gate, keyed by the resolved object id: one transaction records the alert as handled
//     for the person and makes the incident the person's current one. An alert already handled for the
//     person replays; a person with an open incident gets the alert linked to it.
import { createHash } from 'node:crypto';
import { ulid } from 'ulid';
import type { AlertUser, NormalizedAlert } from '../alerts/types';
import { deliveredIdentifiers, describeUser, userKey } from '../alerts/types';
import { BusyError, ConflictError, toError, UpstreamError } from '../errors';
import {
  afterInspection,
  passesSeverityGate,
  preflight,
  type Approval,
  type Hold,
  type SafetyPolicy,
  type UserFacts,
} from '../policy/containment-policy';
import { resolveIdentity, type Identity } from '../policy/identity';
import {
  disabledByIncident,
  isOpen,
  needsRetry,
  pendingActions,
  type ActionOutcome,
  type ContainmentAction,
  type HoldKind,
  type Incident,
  type IncidentState,
  type StoredIncident,
  type TimelineEvent,
} from './incident';
import type {
  BlastRadiusLimiter,
  Clock,
  ContainmentActions,
  FollowUpQueueName,
  FollowUpQueues,
  HeldClaim,
  IncidentStore,
  UserDirectory,
} from './ports';

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
    }
  | { ok: false; user: AlertUser; error: Error; retryable: boolean; timings: StepTimings };

/** What is being contained: one user of one alert, as the alert named them. */
type Subject = Pick<Incident, 'alertKey' | 'alertId' | 'source' | 'severity' | 'title' | 'detection' | 'ips' | 'userAgents'> & {
  user: AlertUser;
  raw: string;
};

const FOLLOW_UPS: readonly FollowUpQueueName[] = ['diagnose', 'hunt'];
const ALL_ACTIONS: readonly ContainmentAction[] = ['revokeSessions', 'disableAccount'];

const HOLD_STATE: Readonly<Record<Hold['kind'], IncidentState>> = {
  protected: 'skipped_protected',
  mode_off: 'awaiting_approval',
  severity: 'awaiting_approval',
  privileged: 'awaiting_approval',
  approval: 'awaiting_approval',
};

/** The delivery-shape gate key: (alert, identifiers exactly as delivered). */
export function gateKeyFor(alertKey: string, user: AlertUser): string {
  return createHash('sha256')
    .update(`${alertKey}\n${deliveredIdentifiers(user)}`)
    .digest('hex');
}

/**
 * Every user is handled independently: one failing does not stop the others. Two users of one alert
 * who turn out to be the same person are one incident (one result).
 */
export async function containAlert(alert: NormalizedAlert, deps: ContainDeps, actor: Actor): Promise<UserContainmentResult[]> {
  const people = new Map<string, Promise<UserContainmentResult>>();
  const results = await Promise.all(
    alert.users.map((user) => guarded(user, (timings) => new UserContainment({ ...alert, user }, deps, actor, timings, people).run())),
  );
  const seen = new Set<string>();
  return results.filter((result) => {
    if (!result.ok) return true;
    if (seen.has(result.incident.id)) return false;
    seen.add(result.incident.id);
    return true;
  });
}

/**
 * A human's approval of an `awaiting_approval` incident: the same containment path, past the gates
 * that wait for a human (severity, privileged, blast radius, mode off), never past protection, and
 * never choosing between two people (an identity mismatch is refused before this is called).
 */
export async function approveHeldIncident(
  stored: StoredIncident,
  deps: ContainDeps,
  actor: Actor,
  comment?: string,
): Promise<UserContainmentResult> {
  return guarded(stored.incident.user, async (timings) => {
    const decided = recordDecision(
      deps.store,
      stored,
      (held) => ({ ...held, state: 'containing', updatedAt: deps.clock.now().toISOString() }),
      'approved',
    );
    const incident = decided.before;
    const containment = new UserContainment(subjectOf(incident), deps, actor, timings, new Map());
    const claimed = await decided.write([
      containment.event('approved', `Approved by ${actor.caller}${comment ? `: ${comment}` : ''}`, { actor: actor.caller }),
    ]);
    const result = await containment.proceed(claimed, {
      replayed: false,
      approval: { approvedBy: actor.caller },
      counted: incident.countedInBlastRadius === true,
    });
    // The pack made while the incident was held had no T0: diagnose again now that there is one.
    if (result.ok && result.incident.t0 !== undefined && result.incident.state === 'contained')
      await containment.enqueueFollowUps(result.incident, ['diagnose']);
    return result;
  });
}

/** How often a human's decision is re-applied when a follow-up phase recorded on the held incident meanwhile. */
const DECISION_ATTEMPTS = 5;

/**
 * Applies a human's decision to a held incident under its ETag. Diagnosis and the hunt record on a held
 * incident while it waits (the human needs that evidence), so a lost ETag race is no reason to refuse the
 * decision: re-read, check it is still awaiting approval, apply again. Anything else that moved it on wins.
 */
export function recordDecision(
  store: ContainDeps['store'],
  stored: StoredIncident,
  next: (held: Incident) => Incident,
  verb: string,
): { before: Incident; write(events: TimelineEvent[]): Promise<StoredIncident> } {
  let current = stored;
  return {
    get before() {
      return current.incident;
    },
    async write(events: TimelineEvent[]): Promise<StoredIncident> {
      for (let attempt = 1; ; attempt++) {
        const written = await store.update(next(current.incident), current.etag, events);
        if (written) return written;
        const again = attempt < DECISION_ATTEMPTS ? await store.get(current.incident.id) : undefined;
        if (again?.incident.state !== 'awaiting_approval') {
          throw new ConflictError(
            `incident ${current.incident.id} changed while being ${verb}${again ? ` (it is ${again.incident.state})` : ''}; reload it and try again`,
          );
        }
        current = again;
      }
    },
  };
}

async function guarded(user: AlertUser, work: (timings: StepTimings) => Promise<UserContainmentResult>): Promise<UserContainmentResult> {
  const timings: StepTimings = {};
  try {
    return await work(timings);
  } catch (error) {
    return { ok: false, user, error: toError(error), retryable: !(error instanceof ConflictError), timings };
  }
}

function subjectOf(incident: Incident): Subject {
  return { ...incident, user: incident.alertUser ?? incident.user, raw: incident.alertRaw };
}

interface ProceedOptions {
  replayed: boolean;
  approval?: Approval;
  /** The incident already holds a blast-radius slot from an earlier attempt. */
  counted: boolean;
  /** Fresh directory facts about the incident's person, when the caller has just read them. */
  facts?: UserFacts;
}

type PersonIdentity = Extract<Identity, { kind: 'person' }>;

/** Who the alert's identifiers name, with the facts the gates need; or why nobody may be touched. */
type Resolution =
  { kind: 'person'; identity: PersonIdentity; facts: UserFacts } | Exclude<Identity, { kind: 'person' }> | { kind: 'failed'; error: Error };

/** How a redelivery waits for, or takes over from, the holder of a claim whose incident is not recorded yet. */
interface Recovery {
  /** The claim as it is now: a delivery-shape row is re-pointed once its person's incident is known. */
  reread(): Promise<HeldClaim | undefined>;
  /** Takes over from a holder presumed dead; undefined when another delivery took over first. */
  takeOver(claim: HeldClaim): Promise<UserContainmentResult | undefined>;
}

/** What a takeover changes on the incident besides moving it back to `containing`. */
interface TakeOverChanges {
  events?: TimelineEvent[];
  severity?: Incident['severity'];
  /** Re-send both writes (the account was re-enabled since). */
  resend?: boolean;
  facts?: UserFacts;
}

class UserContainment {
  private readonly timing: ContainTiming;
  private readonly gateKey: string;
  private identityNote?: string;

  constructor(
    private readonly subject: Subject,
    private readonly deps: ContainDeps,
    private readonly actor: Actor,
    private readonly timings: StepTimings,
    /** This alert's users already on their way to a person's incident, by object id. */
    private readonly people: Map<string, Promise<UserContainmentResult>>,
  ) {
    this.timing = deps.timing ?? DEFAULT_CONTAIN_TIMING;
    this.gateKey = gateKeyFor(subject.alertKey, subject.user);
  }

  private now(): string {
    return this.deps.clock.now().toISOString();
  }

  private async timed<T>(step: string, work: () => Promise<T>): Promise<T> {
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

  async run(): Promise<UserContainmentResult> {
    const incidentId = ulid();
    // Critical path, step 1 (one storage round trip): the delivery-shape row goes first, so exactly one
    // delivery of this shape does any work and every redelivery of it replays without a Graph read.
    const claim = await this.timed('claim', () => this.deps.store.claimAlert(this.gateKey, incidentId, this.now()));
    if (claim.claimed) return this.begin(incidentId);
    return this.resume(claim.incidentId, this.shapeRecovery());
  }

  private shapeRecovery(): Recovery {
    return {
      reread: () => this.deps.store.alertClaim(this.gateKey),
      takeOver: async (claim) =>
        (await this.deps.store.reclaimAlert(this.gateKey, claim.etag, this.now())) ? this.begin(claim.incidentId) : undefined,
    };
  }

  private newIncident(id: string, state: IncidentState): Incident {
    const at = this.now();
    const { user, alertKey, alertId, source, severity, title, detection, ips, userAgents, raw } = this.subject;
    return {
      id,
      state,
      user,
      alertUser: user,
      userKey: userKey(user),
      alertKey,
      alertId,
      source,
      severity,
      title,
      detection,
      ips,
      userAgents,
      mode: this.deps.policy.mode,
      createdAt: at,
      updatedAt: at,
      actions: [],
      alertRaw: raw,
    };
  }

  private received(): TimelineEvent {
    const { source, alertId, severity, user, alertKey, ips } = this.subject;
    return this.event('alert_received', `${source} alert ${alertId} (${severity}) for ${describeUser(user)}`, {
      detail: { alertKey, ips },
    });
  }

  /** Records an incident that goes no further than its first record (held, skipped or failed before any write). */
  private async record(incident: Incident, events: TimelineEvent[]): Promise<UserContainmentResult> {
    const stored = await this.timed('record', () => this.deps.store.create(incident, events));
    return this.finish(stored, false);
  }

  /** The first delivery of this shape: gates that need no I/O, then resolution, then the person gate. */
  private async begin(incidentId: string): Promise<UserContainmentResult> {
    const given = this.subject.user;
    const early = preflight(given, this.deps.policy);
    if (early) {
      const incident = { ...this.newIncident(incidentId, HOLD_STATE[early.kind]), reason: early.reason, hold: holdKindOf(early) };
      return this.record(incident, [this.received(), this.holdEvent(early)]);
    }
    // Critical path, step 2 (one Graph round trip): who the identifiers name, read in parallel with
    // the safety reads the gates need anyway; nothing is written for a person not yet known.
    const resolution = await this.resolve(given);
    if (resolution.kind !== 'person') {
      const stop = this.unresolved(resolution);
      const incident: Incident = {
        ...this.newIncident(incidentId, stop.state),
        reason: stop.reason,
        hold: stop.hold,
        retryable: stop.retryable,
      };
      return this.record(incident, [this.received(), stop.event]);
    }
    return this.forPerson(incidentId, resolution.identity, resolution.facts);
  }

  /** Looks the user up by each identifier given; a person's safety facts come with it, or in a second read. */
  private async resolve(given: AlertUser): Promise<Resolution> {
    try {
      const groups = this.deps.policy.protectedGroupIds;
      const lookup = await this.timed('resolve', () => this.deps.directory.lookUp(given, groups));
      const identity = resolveIdentity(given, lookup);
      if (identity.kind !== 'person') return identity;
      if (identity.discrepancy !== undefined) this.identityNote = identity.discrepancy;
      // A second read only when the safety reads went by an identifier naming someone else (the discrepancy case).
      const safety =
        identity.safety ?? (await this.timed('resolve', () => this.deps.directory.safetyFacts(identity.person.objectId, groups)));
      return { kind: 'person', identity, facts: { ...identity.person, ...safety } };
    } catch (error) {
      return { kind: 'failed', error: toError(error) };
    }
  }

  /**
   * Why nothing may be sent for identifiers that resolve to no single person: two people (held: a
   * human must find out who was phished; warned), nobody, or a directory that could not be read (so
   * protection cannot be verified; a transient failure invites a retry).
   */
  private unresolved(resolution: Exclude<Resolution, { kind: 'person' }>): {
    state: IncidentState;
    reason: string;
    hold?: HoldKind;
    retryable?: true;
    event: TimelineEvent;
  } {
    if (resolution.kind === 'mismatch') {
      this.identityNote = resolution.reason;
      const people = resolution.people.map(({ upn, objectId }) => ({ upn, objectId }));
      return {
        state: 'awaiting_approval',
        reason: resolution.reason,
        hold: 'identity_mismatch',
        event: this.event('held_identity_mismatch', resolution.reason, { detail: { people } }),
      };
    }
    if (resolution.kind === 'nobody')
      return { state: 'failed', reason: resolution.reason, event: this.event('verification_failed', resolution.reason) };
    const error = resolution.error;
    const graph = error instanceof UpstreamError ? error : undefined;
    const transient = graph?.transient ?? true;
    const reason = `could not verify the user before acting (Graph ${graph?.status ?? '-'} ${graph?.code ?? error.message}); nothing was sent`;
    const detail = { httpStatus: graph?.status, graphCode: graph?.code, requestId: graph?.requestId, transient };
    return { state: 'failed', reason, retryable: transient || undefined, event: this.event('verification_failed', reason, { detail }) };
  }

  /** Two users of this alert who are one person: the second waits for the first, in this process. */
  private forPerson(incidentId: string, identity: PersonIdentity, facts: UserFacts): Promise<UserContainmentResult> {
    const sibling = this.people.get(facts.objectId);
    if (sibling) {
      return sibling.then(async (result) => {
        if (result.ok) await this.deps.store.pointAlert(this.gateKey, result.incident.id);
        return result;
      });
    }
    const work = this.gatePerson(incidentId, identity, facts);
    this.people.set(facts.objectId, work);
    return work;
  }

  /**
   * Critical path, step 3 (one storage round trip when the person is new): the person gate. Exactly
   * once per (alert, person) and one open incident per person, whatever shape each delivery had.
   */
  private async gatePerson(incidentId: string, identity: PersonIdentity, facts: UserFacts): Promise<UserContainmentResult> {
    const { store } = this.deps;
    const { alertKey } = this.subject;
    const objectId = facts.objectId;
    const deadline = Date.now() + this.timing.waitForWinnerMs;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0 && Date.now() >= deadline) throw new BusyError(`the open incident of ${facts.upn} is still being recorded`, 5);
      const claim = await this.timed('person', () => store.claimPerson(objectId, alertKey, incidentId, this.now()));
      if (claim.outcome === 'claimed' || claim.incidentId === incidentId) return this.open(incidentId, identity, facts, false);
      if (claim.outcome === 'handled') {
        // Another shape of this alert got to the person first: a replay of its incident.
        await store.pointAlert(this.gateKey, claim.incidentId);
        return this.resume(claim.incidentId, {
          reread: () => Promise.resolve(claim),
          takeOver: async (held) =>
            (await store.reclaimPerson(objectId, alertKey, held.etag, this.now()))
              ? this.open(held.incidentId, identity, facts, true)
              : undefined,
        });
      }
      const current = await this.timed('read', () => store.get(claim.incidentId));
      if (current === undefined) {
        // The person's incident is claimed but not recorded yet: its holder is working, or died.
        if (this.isStale(claim.claimedAt) && (await store.reclaimPerson(objectId, undefined, claim.etag, this.now()))) {
          await store.linkPerson(objectId, alertKey, claim.incidentId, this.now());
          await store.pointAlert(this.gateKey, claim.incidentId);
          return this.open(claim.incidentId, identity, facts, true);
        }
      } else if (isOpen(current.incident)) {
        if (await store.linkPerson(objectId, alertKey, current.incident.id, this.now())) {
          await store.pointAlert(this.gateKey, current.incident.id);
          return this.link(current, facts);
        }
        // Another shape of this alert was linked meanwhile: claim again to learn where.
        continue;
      } else if (await store.replacePerson(objectId, alertKey, incidentId, claim.etag, this.now())) {
        return this.open(incidentId, identity, facts, false);
      } else {
        continue;
      }
      await sleep(this.timing.pollMs);
    }
  }

  /** The person's new incident: the gates decided with what the directory said, then the writes. */
  private async open(incidentId: string, identity: PersonIdentity, facts: UserFacts, replayed: boolean): Promise<UserContainmentResult> {
    const incident: Incident = { ...this.newIncident(incidentId, 'containing'), ...this.resolvedFields(facts) };
    const events = [this.received()];
    if (identity.discrepancy !== undefined) events.push(this.event('identity_discrepancy', identity.discrepancy));
    const hold = afterInspection(facts, this.subject.severity, this.deps.policy);
    if (hold) {
      const held = { ...incident, state: HOLD_STATE[hold.kind], reason: hold.reason, hold: holdKindOf(hold), ...this.factFields(facts) };
      const stored = await this.timed('record', () => this.deps.store.create(held, [...events, this.holdEvent(hold)]));
      return this.finish(stored, replayed);
    }
    // The incident row is written while the blast-radius slot is taken (act): both are storage round
    // trips and neither depends on the other.
    return this.act(
      incident,
      this.timed('record', () => this.deps.store.create(incident, events)),
      facts,
      { replayed, counted: false },
    );
  }

  private resolvedFields(facts: UserFacts): Pick<Incident, 'user' | 'userKey' | 'resolvedAt'> {
    return { user: { upn: facts.upn || undefined, objectId: facts.objectId }, userKey: facts.objectId, resolvedAt: this.now() };
  }

  private factFields(facts: UserFacts): Pick<Incident, 'directoryRoles' | 'requiresOnPremDisable'> {
    return { directoryRoles: facts.directoryRoles, requiresOnPremDisable: facts.onPremisesSyncEnabled || undefined };
  }

  /**
   * This alert names a person whose open incident is `current`: linked to it (`alert_linked`), with no
   * Graph write and no blast-radius slot, unless the incident must act again: held for a severity this
   * alert passes, a transient failure to retry, or an account re-enabled since it was disabled.
   */
  private async link(current: StoredIncident, facts: UserFacts): Promise<UserContainmentResult> {
    const { source, alertId, severity, alertKey, ips, user } = this.subject;
    const linked = this.event(
      'alert_linked',
      `${source} alert ${alertId} (${severity}) for ${describeUser(user)} linked to this incident, the person's open one`,
      {
        detail: { alertKey, alertId, source, severity, ips, user },
      },
    );
    let stored = current;
    // A takeover loses its ETag when something else wrote the incident meanwhile (the queued diagnosis
    // of a held incident does): decide again on the fresh row rather than settle for a bare link.
    for (let attempt = 0; attempt < 5; attempt++) {
      const incident = stored.incident;
      if (incident.state === 'containing') break;
      let taken: UserContainmentResult | undefined;
      if (this.releasesSeverityHold(incident)) {
        taken = await this.takeOver(stored, `linked alert ${alertId} is ${severity}`, {
          events: [linked, this.severityRaised()],
          severity,
          facts,
        });
      } else if (needsRetry(incident)) {
        taken = await this.takeOver(stored, `linked alert ${alertId} retries transient failures`, { events: [linked], facts });
      } else if (disabledByIncident(incident) && facts.accountEnabled && incident.state !== 'awaiting_approval') {
        const why = `the account was enabled again since incident ${incident.id} disabled it; linked alert ${alertId} contains it again`;
        taken = await this.takeOver(stored, why, { events: [linked, this.event('account_reenabled', why)], resend: true, facts });
        if (taken?.ok && taken.incident.state === 'contained') await this.enqueueFollowUps(taken.incident, ['diagnose']);
      } else {
        break;
      }
      if (taken?.ok) return { ...taken, linked: true, replayed: false };
      if (taken) return taken;
      const fresh = await this.timed('read', () => this.deps.store.get(incident.id));
      if (fresh === undefined) break;
      stored = fresh;
    }
    await this.timed('record', () => this.deps.store.appendEvents(stored.incident.id, [linked]));
    const now = (await this.deps.store.get(stored.incident.id)) ?? stored;
    return this.answer(now, false, true);
  }

  private severityRaised(): TimelineEvent {
    const { severity, alertId } = this.subject;
    return this.event(
      'severity_raised',
      `alert ${alertId} at ${severity} passes MIN_AUTO_CONTAIN_SEVERITY=${this.deps.policy.minAutoContainSeverity}: the severity hold is lifted`,
    );
  }

  /** Held for severity, and this delivery's severity passes the gate: the hold is decided again. */
  private releasesSeverityHold(incident: Incident): boolean {
    return (
      incident.state === 'awaiting_approval' && incident.hold === 'severity' && passesSeverityGate(this.subject.severity, this.deps.policy)
    );
  }

  private holdEvent(hold: Hold): TimelineEvent {
    return this.event(hold.kind === 'protected' ? 'skipped_protected' : `held_${hold.kind}`, hold.reason);
  }

  /**
   * Runs an incident that is already recorded (a takeover, a retry, an approval) through resolution and
   * the gates again, with fresh directory facts, then sends the pending writes.
   */
  async proceed(stored: StoredIncident, options: ProceedOptions): Promise<UserContainmentResult> {
    const incident = stored.incident;
    let facts = options.facts;
    if (facts === undefined) {
      const given = incident.resolvedAt !== undefined ? { objectId: incident.userKey } : (incident.alertUser ?? incident.user);
      const resolution = await this.resolve(given);
      if (resolution.kind !== 'person') {
        const stop = this.unresolved(resolution);
        const next = { ...stored, incident: { ...incident, retryable: stop.retryable } };
        return this.hold(next, stop.state, stop.reason, [stop.event], options.replayed, stop.hold);
      }
      facts = resolution.facts;
      if (incident.resolvedAt === undefined) {
        const owned = await this.ownPerson(stored, facts);
        if (owned.folded) return owned.result;
      }
    }
    const known: StoredIncident = {
      ...stored,
      incident: { ...incident, ...(incident.resolvedAt === undefined ? this.resolvedFields(facts) : {}) },
    };
    return this.act(known.incident, known, facts, options);
  }

  /**
   * An incident recorded before its person was known (mode off, or the directory failed) meets the
   * person gate now: it becomes the person's incident, or is folded into the one they already have.
   */
  private async ownPerson(
    stored: StoredIncident,
    facts: UserFacts,
  ): Promise<{ folded: false } | { folded: true; result: UserContainmentResult }> {
    const { store } = this.deps;
    const incident = stored.incident;
    const claim = await this.timed('person', () => store.claimPerson(facts.objectId, incident.alertKey, incident.id, this.now()));
    if (claim.outcome === 'claimed' || claim.incidentId === incident.id) return { folded: false };
    if (claim.outcome === 'current') {
      // A current incident still being recorded counts as open: its holder is containing the person.
      const current = await store.get(claim.incidentId);
      if (current !== undefined && !isOpen(current.incident)) {
        if (await store.replacePerson(facts.objectId, incident.alertKey, incident.id, claim.etag, this.now())) return { folded: false };
        throw new ConflictError(`the open incident of ${facts.upn} changed meanwhile; approve again`);
      }
      if (current !== undefined && (await store.linkPerson(facts.objectId, incident.alertKey, current.incident.id, this.now()))) {
        await store.appendEvents(current.incident.id, [
          this.event(
            'alert_linked',
            `${incident.source} alert ${incident.alertId} (incident ${incident.id}) linked to this incident, the person's open one`,
            {
              detail: {
                alertKey: incident.alertKey,
                alertId: incident.alertId,
                source: incident.source,
                severity: incident.severity,
                foldedIncident: incident.id,
              },
            },
          ),
        ]);
      }
    }
    const reason = `${facts.upn} already has incident ${claim.incidentId}: this alert is linked to it and nothing was sent from here`;
    const next: Incident = {
      ...incident,
      ...this.resolvedFields(facts),
      state: 'closed',
      reason,
      linkedTo: claim.incidentId,
      updatedAt: this.now(),
    };
    delete next.hold;
    const updated = await this.deps.store.update(next, stored.etag, [
      this.event('linked_to_open_incident', reason, { detail: { incidentId: claim.incidentId } }),
    ]);
    if (!updated) throw new BusyError('incident changed while containment ran; retry', 2);
    return { folded: true, result: await this.finish(updated, false) };
  }

  /**
   * Applies the gates to the resolved person, takes a blast-radius slot (only for a person about to be
   * contained automatically: the limit counts people), then sends the pending writes. The incident row
   * may still be in flight when this starts.
   */
  private async act(
    incident: Incident,
    incidentWrite: Promise<StoredIncident> | StoredIncident,
    facts: UserFacts,
    options: ProceedOptions,
  ): Promise<UserContainmentResult> {
    const policy = this.deps.policy;
    const hold = preflight(incident.user, policy, options.approval) ?? afterInspection(facts, incident.severity, policy, options.approval);
    const takesSlot = !hold && !options.approval && !options.counted && this.deps.policy.mode === 'enforce';
    // Critical path, step 4 (storage, overlapping the incident record): the slot is taken only now, by
    // the delivery that owns the person and is about to act, so the limit counts people and a linked
    // or held alert never crowds out someone else's containment.
    const [stored, slot] = await Promise.all([
      incidentWrite,
      takesSlot
        ? this.timed('limit', () => this.deps.limiter.acquire(this.deps.clock.now())).catch((error: unknown) => toError(error))
        : undefined,
    ]);
    const known = { ...stored, incident: { ...stored.incident, ...this.factFields(facts) } };
    if (hold) return this.hold(known, HOLD_STATE[hold.kind], hold.reason, [this.holdEvent(hold)], options.replayed, holdKindOf(hold));
    const pending = pendingActions(stored.incident);
    if (this.deps.policy.mode === 'dry-run') return this.dryRun(known, pending, options);
    if (slot instanceof Error) {
      const reason = `blast-radius limiter unavailable (${slot.message}): held for a human rather than acting unchecked`;
      return this.hold(
        known,
        'awaiting_approval',
        reason,
        [this.event('blast_radius_unavailable', reason)],
        options.replayed,
        'limiter_unavailable',
      );
    }
    if (slot !== undefined && !slot.granted) {
      const reason = `blast-radius breaker tripped: ${slot.count} automatic containments since ${slot.window} (BLAST_RADIUS_MAX=${slot.max}); waiting for approval`;
      return this.hold(
        known,
        'awaiting_approval',
        reason,
        [this.event('blast_radius_tripped', reason, { detail: { ...slot } })],
        options.replayed,
        'blast_radius',
      );
    }
    // Critical path, step 5 (one Graph round trip): both writes at once, to the resolved object id.
    const outcomes = await this.timed('graph', () => this.runActions(stored.incident.userKey, pending));
    return this.settle(
      { ...known, incident: { ...known.incident, countedInBlastRadius: options.counted || takesSlot || undefined } },
      outcomes,
      facts,
      options.replayed,
    );
  }

  /**
   * Dry run: the exact requests are recorded and none is sent. An approval in dry-run records the
   * decision and closes the incident (there is nothing an approval could send), so approving cannot loop.
   */
  private dryRun(stored: StoredIncident, pending: readonly ContainmentAction[], options: ProceedOptions): Promise<UserContainmentResult> {
    const incident = { ...stored, incident: { ...stored.incident, actions: this.notSent(stored.incident.userKey, pending) } };
    if (options.approval) {
      const reason =
        `approved by ${options.approval.approvedBy} in CONTAINMENT_MODE=dry-run: the decision is recorded and nothing was sent (a dry run never sends). ` +
        'To contain, set CONTAINMENT_MODE=enforce and send a new alert for this user';
      return this.hold(incident, 'closed', reason, [this.event('dry_run_approved', reason)], options.replayed, 'dry_run');
    }
    const reason = 'CONTAINMENT_MODE=dry-run: the Graph requests were recorded, not sent';
    return this.hold(incident, 'awaiting_approval', reason, [this.event('dry_run', reason)], options.replayed, 'dry_run');
  }

  private notSent(userId: string, actions: readonly ContainmentAction[]): ActionOutcome[] {
    const at = this.now();
    return actions.map((action) => ({
      action,
      result: 'not_sent',
      request: this.deps.actions.describe(action, userId),
      attempts: 0,
      startedAt: at,
      endedAt: at,
      durationMs: 0,
    }));
  }

  /** Runbook 1.1 and 1.2 in parallel, to the resolved object id: each outcome is recorded whatever the other does. */
  private runActions(userId: string, actions: readonly ContainmentAction[]): Promise<ActionOutcome[]> {
    return Promise.all(
      actions.map(async (action): Promise<ActionOutcome> => {
        const started = performance.now();
        const base = { action, request: this.deps.actions.describe(action, userId), startedAt: this.now() };
        try {
          const receipt = await (action === 'revokeSessions'
            ? this.deps.actions.revokeSessions(userId)
            : this.deps.actions.disableAccount(userId));
          const durationMs = Math.round(performance.now() - started);
          this.timings[action] = durationMs;
          return {
            ...base,
            result: 'succeeded',
            httpStatus: receipt.status,
            requestId: receipt.requestId,
            attempts: receipt.attempts,
            endedAt: this.now(),
            durationMs,
          };
        } catch (error) {
          const durationMs = Math.round(performance.now() - started);
          this.timings[action] = durationMs;
          const graph = error instanceof UpstreamError ? error : undefined;
          return {
            ...base,
            result: 'failed',
            httpStatus: graph?.status,
            graphCode: graph?.code ?? 'unexpected_error',
            message: toError(error).message.slice(0, 500),
            requestId: graph?.requestId,
            transient: graph?.transient ?? true,
            attempts: graph?.attempts ?? 1,
            endedAt: this.now(),
            durationMs,
          };
        }
      }),
    );
  }

  private async hold(
    stored: StoredIncident,
    state: IncidentState,
    reason: string,
    events: TimelineEvent[],
    replayed: boolean,
    hold?: HoldKind,
  ): Promise<UserContainmentResult> {
    const next: Incident = { ...stored.incident, state, reason, hold, updatedAt: this.now() };
    if (state !== 'failed') delete next.retryable;
    if (hold === undefined) delete next.hold;
    const updated = await this.timed('record', () => this.deps.store.update(next, stored.etag, events));
    if (!updated) throw new BusyError('incident changed while containment ran; retry', 2);
    return this.finish(updated, replayed);
  }

  /** Records the outcome (state, T0, one event per action) in one transaction while the follow-ups are queued. */
  private async settle(
    current: StoredIncident,
    outcomes: ActionOutcome[],
    facts: UserFacts,
    replayed: boolean,
  ): Promise<UserContainmentResult> {
    const byAction = new Map(current.incident.actions.map((outcome) => [outcome.action, outcome]));
    for (const outcome of outcomes) byAction.set(outcome.action, outcome);
    const actions = ALL_ACTIONS.flatMap((action) => byAction.get(action) ?? []);
    const succeeded = actions.filter((outcome) => outcome.result === 'succeeded');
    const failures = actions.filter((outcome) => outcome.result === 'failed');
    const disableRefused = byAction.get('disableAccount')?.result === 'failed' && byAction.get('disableAccount')?.httpStatus === 403;
    const privilegedRefusal = disableRefused && facts.directoryRoles.length > 0;
    const state: IncidentState =
      succeeded.length === ALL_ACTIONS.length
        ? 'contained'
        : privilegedRefusal
          ? 'awaiting_approval'
          : succeeded.length === 0
            ? 'failed'
            : 'partially_contained';
    const achieved =
      state === 'contained'
        ? actions
            .map((outcome) => outcome.endedAt)
            .sort()
            .at(-1)
        : undefined;
    // T0 is the first containment; containing a re-enabled account again keeps it and says so.
    const again = current.incident.t0 !== undefined;
    const t0 = current.incident.t0 ?? achieved;
    const events = outcomes.map((outcome) =>
      this.event(
        `${outcome.action}_${outcome.result}`,
        outcome.result === 'succeeded'
          ? `${outcome.action}: Graph ${outcome.httpStatus} in ${outcome.durationMs} ms`
          : `${outcome.action} failed: Graph ${outcome.httpStatus ?? 'no response'} ${outcome.graphCode}`,
        {
          at: outcome.endedAt,
          detail: {
            httpStatus: outcome.httpStatus,
            graphCode: outcome.graphCode,
            requestId: outcome.requestId,
            attempts: outcome.attempts,
          },
        },
      ),
    );
    let reason = failures.length > 0 ? failures.map((f) => `${f.action}: ${f.graphCode} ${f.message ?? ''}`.trim()).join('; ') : undefined;
    if (achieved !== undefined) {
      events.push(
        again
          ? this.event('recontained', 'Contained again: sessions revoked and the re-enabled account disabled', { at: achieved })
          : this.event('contained', 'Containment achieved: sessions revoked and account disabled', { mark: 'T0', at: achieved }),
      );
    } else if (privilegedRefusal) {
      reason = `Graph refused to disable a user holding ${facts.directoryRoles.join(', ')} (403): the app needs the Privileged Authentication Administrator role, or disable the account by hand, then approve`;
      events.push(this.event('held_privileged', reason));
    } else {
      events.push(this.event(state, `Containment incomplete: ${failures.map((f) => `${f.action} (${f.graphCode})`).join(', ')}`));
    }
    if (facts.onPremisesSyncEnabled && succeeded.some((outcome) => outcome.action === 'disableAccount')) {
      events.push(
        this.event(
          'on_premises_disable_required',
          'Hybrid user (synced from on-premises AD): the next directory sync can re-enable the account; disable it in AD too',
        ),
      );
    }
    const retryable = !privilegedRefusal && failures.some((f) => f.transient === true);
    const next: Incident = {
      ...current.incident,
      state,
      actions,
      t0,
      reason,
      hold: privilegedRefusal ? 'privileged_refused' : undefined,
      retryable: retryable || undefined,
      updatedAt: this.now(),
    };
    if (next.hold === undefined) delete next.hold;
    // The follow-ups only need what we already know, and the phases they start are idempotent per
    // incident, so they are queued while the outcome is written.
    const [stored] = await Promise.all([
      this.timed('record', () => this.deps.store.update(next, current.etag, events)),
      next.followUpsQueuedAt === undefined ? this.timed('enqueue', () => this.enqueueFollowUps(next)) : undefined,
    ]);
    if (!stored) throw new BusyError('incident changed while containment ran; retry', 2);
    return this.finish(stored, replayed, true);
  }

  async enqueueFollowUps(incident: Incident, queues: readonly FollowUpQueueName[] = FOLLOW_UPS): Promise<void> {
    await Promise.all([
      this.scheduleVerification(incident),
      ...queues.map((queue) =>
        this.deps.queues.enqueue(queue, {
          version: 1,
          incidentId: incident.id,
          userKey: incident.userKey,
          upn: incident.user.upn,
          alertKey: incident.alertKey,
          ips: incident.ips,
          userAgents: incident.userAgents,
          t0: incident.t0,
        }),
      ),
    ]);
  }

  // ----- Containment verification (shared/runbook/verify.ts), queued with the follow-ups -----

  /** One `verify` per VERIFY_AFTER_MINUTES, invisible until T0 + that many minutes (Storage Queues visibility delay). */
  private async scheduleVerification(incident: Incident): Promise<void> {
    const t0 = incident.t0;
    if (t0 === undefined) return;
    const sinceT0 = (this.deps.clock.now().getTime() - Date.parse(t0)) / 1000;
    await Promise.all(
      (this.deps.verifyAfterMinutes ?? []).map((afterMinutes) =>
        this.deps.queues.enqueue(
          'verify',
          { version: 1, incidentId: incident.id, afterMinutes },
          { delaySeconds: Math.max(0, afterMinutes * 60 - sinceT0) },
        ),
      ),
    );
  }

  /** Queues diagnosis and the pivot hunt (unless already sent), and marks them queued so a redelivery can finish a lost step. */
  private async finish(stored: StoredIncident, replayed: boolean, alreadyQueued = false): Promise<UserContainmentResult> {
    let current = stored;
    if (current.incident.followUpsQueuedAt === undefined && current.incident.state !== 'containing') {
      const incident = current.incident;
      if (!alreadyQueued) await this.timed('enqueue', () => this.enqueueFollowUps(incident));
      const queuedAt = this.now();
      const marked = await this.timed('record', () =>
        this.deps.store.update({ ...incident, followUpsQueuedAt: queuedAt, updatedAt: queuedAt }, current.etag, [
          this.event('follow_ups_queued', `Queued ${FOLLOW_UPS.join(' and ')}`, { detail: { queues: FOLLOW_UPS } }),
        ]),
      );
      // Another delivery marked it first; both enqueued, and the phases are idempotent per incident.
      current = marked ?? (await this.deps.store.get(incident.id)) ?? current;
    }
    return this.answer(current, replayed);
  }

  private answer(stored: StoredIncident, replayed: boolean, linked?: boolean): UserContainmentResult {
    const incident = stored.incident;
    return {
      ok: true,
      incident,
      replayed,
      linked,
      identityNote: this.identityNote,
      retryable: needsRetry(incident),
      timings: this.timings,
    };
  }

  /**
   * A redelivery (or another shape of the same alert): wait for the holder to record the incident and
   * return it; follow the claim when it is re-pointed to the person's incident; take over when the holder
   * died; re-run what failed transiently; lift a severity hold this delivery passes. A settled incident
   * is answered at once.
   */
  private async resume(incidentId: string, recovery: Recovery): Promise<UserContainmentResult> {
    const deadline = Date.now() + this.timing.waitForWinnerMs;
    let id = incidentId;
    for (;;) {
      const stored = await this.timed('read', () => this.deps.store.get(id));
      if (stored === undefined) {
        const claim = await recovery.reread();
        if (claim !== undefined && claim.incidentId !== id) {
          id = claim.incidentId;
          continue;
        }
        if (claim !== undefined && this.isStale(claim.claimedAt)) {
          const taken = await recovery.takeOver(claim);
          if (taken) return taken;
        }
      } else {
        const answered = await this.redelivered(stored);
        if (answered) return answered;
      }
      if (Date.now() >= deadline) {
        throw new BusyError(`containment of incident ${id} is still in progress`, 5);
      }
      await sleep(this.timing.pollMs);
    }
  }

  /** What a redelivery does with an incident that exists; undefined: wait for its holder. */
  private async redelivered(stored: StoredIncident): Promise<UserContainmentResult | undefined> {
    const incident = stored.incident;
    if (incident.state === 'containing') {
      return this.isStale(incident.updatedAt) ? this.takeOver(stored, 'holder stopped responding') : undefined;
    }
    if (this.releasesSeverityHold(incident)) {
      return this.takeOver(stored, `redelivered at ${this.subject.severity}`, {
        events: [this.severityRaised()],
        severity: this.subject.severity,
      });
    }
    if (needsRetry(incident)) return this.takeOver(stored, 'redelivery retries transient failures');
    // Settled: answered at once. Follow-ups not marked yet are being queued by the holder, unless it
    // stopped long ago; then this delivery finishes its last step.
    if (incident.followUpsQueuedAt === undefined && this.isStale(incident.updatedAt)) return this.finish(stored, true);
    return this.answer(stored, true);
  }

  private isStale(at: string): boolean {
    return this.deps.clock.now().getTime() - Date.parse(at) > this.timing.staleAfterMs;
  }

  /** Moves the incident back to `containing` under its ETag (one taker wins), then proceeds. */
  private async takeOver(stored: StoredIncident, why: string, changes: TakeOverChanges = {}): Promise<UserContainmentResult | undefined> {
    const base = stored.incident;
    const actions = changes.resend ? [] : base.actions;
    const next: Incident = { ...base, state: 'containing', severity: changes.severity ?? base.severity, actions, updatedAt: this.now() };
    delete next.hold;
    const pending = ALL_ACTIONS.filter((action) => !actions.some((outcome) => outcome.action === action && outcome.result === 'succeeded'));
    const claimed = await this.deps.store.update(next, stored.etag, [
      ...(changes.events ?? []),
      this.event('containment_retry', `Retrying ${pending.join(', ')}: ${why}`),
    ]);
    if (!claimed) return undefined;
    return this.proceed(claimed, { replayed: true, counted: base.countedInBlastRadius === true, facts: changes.facts });
  }
}

function holdKindOf(hold: Hold): HoldKind | undefined {
  return hold.kind === 'protected' ? undefined : hold.kind;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
