// Phase 1, Containment (runbook 1.1-1.3), the story: for each person an alert names, claim the alert,
// find out who the identifiers name and what the safety gates say, claim the person, then revoke their
// sign-in sessions and disable the account in parallel, record T0 and queue diagnosis and the pivot hunt.
// Exactly once per (alert, person), however many times, in whatever shapes and however concurrently the
// alert is delivered; one open incident per person, which later alerts are linked to. The same path runs
// when a human approves a held incident.
//
// Where the details live: the claim protocol (gate rows, waiting for or taking over from a holder) in
// contain-claims.ts; the decision (gates -> hold or act) in contain-decision.ts and the outcome
// (writes -> state, T0, events) in contain-outcome.ts, both pure; the Graph writes in contain-writes.ts;
// the incident records in contain-record.ts.
import { ulid } from 'ulid';
import type { AlertUser, NormalizedAlert } from '../alerts/types';
import { describeUser, userKey } from '../alerts/types';
import { ConflictError, toError } from '../errors';
import { preflight, type UserFacts } from '../policy/containment-policy';
import { resolveIdentity, type DirectoryUser } from '../policy/identity';
import { consultSnapshot, type SnapshotVerdict } from '../policy/safety-snapshot';
import { pendingActions, type Incident, type IncidentState, type StoredIncident, type TimelineEvent } from './incident';
import { ClaimProtocol } from './contain-claims';
import {
  ContainContext,
  type Actor,
  type ContainDeps,
  type ContainmentSteps,
  type PersonIdentity,
  type ProceedOptions,
  type Resolution,
  type StepTimings,
  type Subject,
  type UserContainmentResult,
} from './contain-context';
import { decide, gateHold, stopFor, takesSlot, unresolvedStop } from './contain-decision';
import { enqueueFollowUps, recordNew, recordOutcome, recordStop, type Recordable } from './contain-record';
import { notSent, sendActions } from './contain-writes';

export { DEFAULT_CONTAIN_TIMING, gateKeyFor } from './contain-context';
export type { Actor, ContainDeps, ContainTiming, StepTimings, UserContainmentResult } from './contain-context';

/**
 * Every user is handled independently: one failing does not stop the others. Two users of one alert
 * who turn out to be the same person are one incident (one result).
 */
export async function containAlert(
  alert: NormalizedAlert,
  deps: ContainDeps,
  actor: Actor,
  options: { answerBeforeMark?: boolean } = {},
): Promise<UserContainmentResult[]> {
  const people = new Map<string, Promise<UserContainmentResult>>();
  const results = await Promise.all(
    alert.users.map((user) =>
      guarded(user, (timings) => {
        const ctx = new ContainContext({ ...alert, user }, deps, actor, timings, options.answerBeforeMark);
        return new UserContainment(ctx, people).run();
      }),
    ),
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
    const ctx = new ContainContext(subjectOf(incident), deps, actor, timings);
    const containment = new UserContainment(ctx, new Map());
    const claimed = await decided.write([
      ctx.event('approved', `Approved by ${actor.caller}${comment ? `: ${comment}` : ''}`, { actor: actor.caller }),
    ]);
    const result = await containment.proceed(claimed, {
      replayed: false,
      approval: { approvedBy: actor.caller },
      counted: incident.countedInBlastRadius === true,
    });
    // The pack made while the incident was held had no T0: diagnose again now that there is one.
    if (result.ok && result.incident.t0 !== undefined && result.incident.state === 'contained')
      await enqueueFollowUps(ctx, result.incident, ['diagnose']);
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

/** A promise's value, or its error as a value: the writes are awaited whatever the storage beside them does. */
function settled<T>(work: Promise<T>): Promise<T | Error> {
  return work.catch((error: unknown) => toError(error));
}

function subjectOf(incident: Incident): Subject {
  return { ...incident, user: incident.alertUser ?? incident.user, raw: incident.alertRaw };
}

class UserContainment implements ContainmentSteps {
  private readonly claims: ClaimProtocol;
  /** The facts came from the safety snapshot: the user's live state is still to be read. */
  private fromSnapshot = false;

  constructor(
    private readonly ctx: ContainContext,
    /** This alert's users already on their way to a person's incident, by object id. */
    private readonly people: Map<string, Promise<UserContainmentResult>>,
  ) {
    this.claims = new ClaimProtocol(ctx, this);
  }

  /** 1. Claim the alert (as delivered): the first delivery begins, a redelivery replays or takes over. */
  run(): Promise<UserContainmentResult> {
    return this.claims.claimShape(ulid());
  }

  /**
   * 2. Gates that need no I/O, then who the identifiers name and what the gates need: from the safety
   * snapshot when it proves it (no I/O at all), else from live reads (one Graph round trip); then the
   * person's claim.
   */
  async begin(incidentId: string): Promise<UserContainmentResult> {
    const { ctx } = this;
    const early = preflight(ctx.subject.user, ctx.deps.policy);
    if (early) {
      const stop = stopFor(early);
      const incident = { ...this.newIncident(incidentId, stop.state), reason: stop.reason, hold: stop.hold };
      return recordNew(ctx, incident, [this.received(), ctx.stamp(stop.event)]);
    }
    const verdict = this.consultSnapshot();
    ctx.safety = verdict.path;
    if (verdict.kind === 'person') {
      // Cleared or held by the snapshot: the account's live state (enabled, synced from AD) is read
      // beside the writes (act), or before deciding on an open incident (confirm).
      this.fromSnapshot = true;
      const facts: UserFacts = { ...verdict.person, accountEnabled: true, onPremisesSyncEnabled: false, ...verdict.safety };
      return this.forPerson(incidentId, { kind: 'person', person: facts, safety: verdict.safety }, facts);
    }
    // Critical path, live reads (one Graph round trip): who the identifiers name, read in parallel with
    // the safety reads the gates need; nothing is written for a person not yet known.
    const resolution = verdict.kind === 'mismatch' ? verdict : await this.resolve(ctx.subject.user);
    if (resolution.kind !== 'person') {
      const stop = this.unresolved(resolution);
      const incident: Incident = {
        ...this.newIncident(incidentId, stop.state),
        reason: stop.reason,
        hold: stop.hold,
        retryable: stop.retryable,
      };
      return recordNew(ctx, incident, [this.received(), ctx.stamp(stop.event)]);
    }
    return this.forPerson(incidentId, resolution.identity, resolution.facts);
  }

  /** What the safety snapshot proves about the alert's identifiers (or why the live reads must run). */
  private consultSnapshot(): SnapshotVerdict {
    const { snapshot, policy, clock } = this.ctx.deps;
    if (snapshot === undefined) return { kind: 'live', path: { path: 'live', why: 'no safety snapshot in this process' } };
    return consultSnapshot(this.ctx.subject.user, snapshot.state(), policy.protectedGroupIds, clock.now(), snapshot.maxAgeSeconds);
  }

  /** The account's live state for facts taken from the snapshot; live facts are returned as they are. */
  async confirm(facts: UserFacts): Promise<UserFacts> {
    if (!this.fromSnapshot) return facts;
    const user = await this.ctx.timed('resolve', () => this.ctx.deps.directory.user(facts.objectId));
    return user === null ? facts : { ...facts, accountEnabled: user.accountEnabled, onPremisesSyncEnabled: user.onPremisesSyncEnabled };
  }

  /** 3. The person's new incident: the gates decide with what the directory said, then the writes. */
  async open(incidentId: string, identity: PersonIdentity, facts: UserFacts, replayed: boolean): Promise<UserContainmentResult> {
    const { ctx } = this;
    const incident: Incident = { ...this.newIncident(incidentId, 'containing'), ...this.resolvedFields(facts) };
    const events = [this.received()];
    if (identity.discrepancy !== undefined) events.push(ctx.event('identity_discrepancy', identity.discrepancy));
    const hold = gateHold(incident.user, facts, ctx.subject.severity, ctx.deps.policy);
    if (hold) {
      const stop = stopFor(hold);
      const held = { ...incident, state: stop.state, reason: stop.reason, hold: stop.hold, ...this.factFields(facts) };
      return recordNew(ctx, held, [...events, ctx.stamp(stop.event)]);
    }
    // Written once, when containment is decided (held) or done (the outcome), not before the writes as
    // well: the claim rows already name this incident, so a process that dies in between leaves a claim
    // that a redelivery takes over (contain-claims.ts), and one record is one storage transaction less.
    return this.act({ incident, events }, facts, { replayed, counted: false });
  }

  /**
   * An incident already recorded (a takeover, a retry, an approval): resolution and the gates again,
   * with fresh directory facts, then the pending writes.
   */
  async proceed(stored: StoredIncident, options: ProceedOptions): Promise<UserContainmentResult> {
    const incident = stored.incident;
    let facts = options.facts;
    if (facts === undefined) {
      const given = incident.resolvedAt !== undefined ? { objectId: incident.userKey } : (incident.alertUser ?? incident.user);
      const resolution = await this.resolve(given);
      if (resolution.kind !== 'person') return recordStop(this.ctx, stored, this.unresolved(resolution), options.replayed);
      facts = resolution.facts;
      if (incident.resolvedAt === undefined) {
        const owned = await this.claims.ownPerson(stored, facts);
        if (owned.folded) return owned.result;
      }
    }
    const known = { ...incident, ...(incident.resolvedAt === undefined ? this.resolvedFields(facts) : {}) };
    return this.act({ ...stored, incident: known }, facts, options);
  }

  /**
   * 4. Decide and act: the gates, a blast-radius slot (only for a person about to be contained
   * automatically), then both writes at once, to the resolved object id, with the user read beside them
   * for snapshot facts; then the outcome recorded (a new incident's first record, or its next).
   */
  private async act(current: Recordable, facts: UserFacts, options: ProceedOptions): Promise<UserContainmentResult> {
    const { ctx } = this;
    const incident = current.incident;
    const policy = ctx.deps.policy;
    const hold = gateHold(incident.user, facts, incident.severity, policy, options.approval);
    const slotNeeded = takesSlot(hold, policy, options);
    // Critical path (storage, before the writes): the slot must be held before anything is sent, or the
    // limit would not bound what is sent. It is taken only now, by the delivery that owns the person and
    // is about to act, so the limit counts people and a linked or held alert never crowds out someone else.
    const slot = slotNeeded
      ? await ctx
          .timed('limit', () => ctx.deps.limiter.acquire(ctx.deps.clock.now(), incident.id))
          .catch((error: unknown) => toError(error))
      : undefined;
    const decision = decide(hold, policy, slot, options.approval);
    if (decision.kind !== 'act') {
      const known = { ...current, incident: { ...current.incident, ...this.factFields(facts) } };
      // Dry run: the exact requests are recorded and none is sent.
      const recorded =
        decision.kind === 'dry_run'
          ? { ...known, incident: { ...known.incident, actions: notSent(ctx, known.incident.userKey, pendingActions(known.incident)) } }
          : known;
      return recordStop(ctx, recorded, decision, options.replayed);
    }
    // Critical path (one Graph round trip): revoke and disable at once, to the resolved object id, with
    // the user read beside them (for snapshot facts); a process that dies here leaves a claim (and, for a
    // takeover, a `containing` incident) that a redelivery takes over (contain-claims.ts), re-sending both.
    const pending = pendingActions(incident);
    const [outcomes, user] = await Promise.all([
      ctx.timed('graph', () => sendActions(ctx, incident.userKey, pending)),
      this.fromSnapshot ? settled(ctx.timed('user', () => ctx.deps.directory.user(incident.userKey))) : undefined,
    ]);
    const { facts: known, notes } = this.withUser(facts, user);
    const counted = {
      ...current,
      incident: { ...current.incident, ...this.factFields(known), countedInBlastRadius: options.counted || slotNeeded || undefined },
    };
    return recordOutcome(ctx, counted, outcomes, known, options.replayed, notes);
  }

  /** The user read beside the writes, merged into the snapshot's facts; a failed read is said on the timeline. */
  private withUser(facts: UserFacts, user: DirectoryUser | null | Error | undefined): { facts: UserFacts; notes: TimelineEvent[] } {
    if (user === undefined || user === null) return { facts, notes: [] };
    if (user instanceof Error) {
      const why = `the user read beside the writes failed (${user.message.slice(0, 200)}): whether the account is synced from on-premises AD is unknown; check it`;
      return { facts, notes: [this.ctx.event('user_read_failed', why)] };
    }
    return { facts: { ...facts, accountEnabled: user.accountEnabled, onPremisesSyncEnabled: user.onPremisesSyncEnabled }, notes: [] };
  }

  /** Looks the user up by each identifier given; a person's safety facts come with it, or in a second read. */
  private async resolve(given: AlertUser): Promise<Resolution> {
    const { ctx } = this;
    try {
      const groups = ctx.deps.policy.protectedGroupIds;
      const lookup = await ctx.timed('resolve', () => ctx.deps.directory.lookUp(given, groups));
      const identity = resolveIdentity(given, lookup);
      if (identity.kind !== 'person') return identity;
      if (identity.discrepancy !== undefined) ctx.identityNote = identity.discrepancy;
      // A second read only when the safety reads went by an identifier naming someone else (the discrepancy case).
      const safety =
        identity.safety ?? (await ctx.timed('resolve', () => ctx.deps.directory.safetyFacts(identity.person.objectId, groups)));
      return { kind: 'person', identity, facts: { ...identity.person, ...safety } };
    } catch (error) {
      return { kind: 'failed', error: toError(error) };
    }
  }

  private unresolved(resolution: Exclude<Resolution, { kind: 'person' }>): ReturnType<typeof unresolvedStop> {
    // Two people: worth a warning in the host log too.
    if (resolution.kind === 'mismatch') this.ctx.identityNote = resolution.reason;
    return unresolvedStop(resolution);
  }

  /** Two users of this alert who are one person: the second waits for the first, in this process. */
  private forPerson(incidentId: string, identity: PersonIdentity, facts: UserFacts): Promise<UserContainmentResult> {
    const sibling = this.people.get(facts.objectId);
    if (sibling) {
      return sibling.then(async (result) => {
        if (result.ok) await this.ctx.deps.store.pointAlert(this.ctx.gateKey, result.incident.id);
        return result;
      });
    }
    const work = this.claims.claimPerson(incidentId, identity, facts);
    this.people.set(facts.objectId, work);
    return work;
  }

  private newIncident(id: string, state: IncidentState): Incident {
    const at = this.ctx.now();
    const { user, alertKey, alertId, source, severity, title, detection, ips, userAgents, raw, alertRaisedAt, origin } = this.ctx.subject;
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
      mode: this.ctx.deps.policy.mode,
      safety: this.ctx.safety,
      createdAt: at,
      updatedAt: at,
      actions: [],
      alertRaw: raw,
      alertRaisedAt,
      origin,
    };
  }

  private received(): TimelineEvent {
    const { source, alertId, severity, user, alertKey, ips } = this.ctx.subject;
    return this.ctx.event('alert_received', `${source} alert ${alertId} (${severity}) for ${describeUser(user)}`, {
      detail: { alertKey, ips },
    });
  }

  private resolvedFields(facts: UserFacts): Pick<Incident, 'user' | 'userKey' | 'resolvedAt'> {
    return { user: { upn: facts.upn || undefined, objectId: facts.objectId }, userKey: facts.objectId, resolvedAt: this.ctx.now() };
  }

  private factFields(facts: UserFacts): Pick<Incident, 'directoryRoles' | 'requiresOnPremDisable'> {
    return { directoryRoles: facts.directoryRoles, requiresOnPremDisable: facts.onPremisesSyncEnabled || undefined };
  }
}
