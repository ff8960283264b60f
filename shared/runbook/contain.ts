// Phase 1, Containment (runbook 1.1-1.3): for each user in an alert, check the safety gates, then
// revoke sign-in sessions and disable the account in parallel, record T0, and queue diagnosis and the
// pivot hunt. Exactly once per (alert, user), however many times and however concurrently the alert is
// delivered; the same path runs when a human approves a held incident.
import { createHash } from 'node:crypto';
import { ulid } from 'ulid';
import type { AlertUser, NormalizedAlert } from '../alerts/types';
import { describeUser, userKey } from '../alerts/types';
import { BusyError, ConflictError, toError, UpstreamError } from '../errors';
import { disableAccountRequest, revokeSessionsRequest } from '../graph/containment-actions';
import { afterInspection, preflight, type Approval, type Hold, type SafetyPolicy, type UserFacts } from '../policy/containment-policy';
import {
  needsRetry,
  pendingActions,
  type ActionOutcome,
  type ContainmentAction,
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
}

/** Who is acting, for the timeline: the automation and its invocation, plus the authenticated caller. */
export interface Actor {
  invocationId: string;
  caller: string;
}

export type StepTimings = Record<string, number>;

export type UserContainmentResult =
  | { ok: true; incident: Incident; replayed: boolean; retryable: boolean; timings: StepTimings }
  | { ok: false; user: AlertUser; error: Error; retryable: boolean; timings: StepTimings };

/** What is being contained: one user of one alert, in the incident's own terms. */
type Subject = Pick<Incident, 'user' | 'alertKey' | 'alertId' | 'source' | 'severity' | 'title' | 'detection' | 'ips' | 'userAgents'> & { raw: string };

const FOLLOW_UPS: readonly FollowUpQueueName[] = ['diagnose', 'hunt'];
const ALL_ACTIONS: readonly ContainmentAction[] = ['revokeSessions', 'disableAccount'];

const HOLD_STATE: Readonly<Record<Hold['kind'], IncidentState>> = {
  protected: 'skipped_protected',
  mode_off: 'awaiting_approval',
  severity: 'awaiting_approval',
  privileged: 'awaiting_approval',
  approval: 'awaiting_approval',
};

export function gateKeyFor(alertKey: string, user: AlertUser): string {
  return createHash('sha256').update(`${alertKey}\n${userKey(user)}`).digest('hex');
}

/** Every user is handled independently: one failing does not stop the others. */
export async function containAlert(alert: NormalizedAlert, deps: ContainDeps, actor: Actor): Promise<UserContainmentResult[]> {
  return Promise.all(
    alert.users.map((user) => guarded(user, (timings) => new UserContainment({ ...alert, user }, deps, actor, timings).run())),
  );
}

/**
 * A human's approval of an `awaiting_approval` incident: the same containment path, past the gates
 * that wait for a human (severity, privileged, blast radius, mode off), never past protection.
 */
export async function approveHeldIncident(stored: StoredIncident, deps: ContainDeps, actor: Actor, comment?: string): Promise<UserContainmentResult> {
  const incident = stored.incident;
  return guarded(incident.user, async (timings) => {
    const containment = new UserContainment(subjectOf(incident), deps, actor, timings);
    const claimed = await deps.store.update({ ...incident, state: 'containing', updatedAt: deps.clock.now().toISOString() }, stored.etag, [
      containment.event('approved', `Approved by ${actor.caller}${comment ? `: ${comment}` : ''}`, { actor: actor.caller }),
    ]);
    if (!claimed) throw new ConflictError(`incident ${incident.id} changed while being approved; reload it and try again`);
    const result = await containment.proceed(claimed, { replayed: false, approval: { approvedBy: actor.caller }, counted: incident.countedInBlastRadius === true });
    // The pack made while the incident was held had no T0: diagnose again now that there is one.
    if (result.ok && result.incident.t0 !== undefined) await containment.enqueueFollowUps(result.incident, ['diagnose']);
    return result;
  });
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
  return { ...incident, raw: incident.alertRaw };
}

interface ProceedOptions {
  replayed: boolean;
  approval?: Approval;
  /** The incident already holds a blast-radius slot from an earlier attempt. */
  counted: boolean;
}

class UserContainment {
  private readonly timing: ContainTiming;
  private readonly gateKey: string;
  private readonly userId: string;

  constructor(
    private readonly subject: Subject,
    private readonly deps: ContainDeps,
    private readonly actor: Actor,
    private readonly timings: StepTimings,
  ) {
    this.timing = deps.timing ?? DEFAULT_CONTAIN_TIMING;
    this.gateKey = gateKeyFor(subject.alertKey, subject.user);
    this.userId = userKey(subject.user);
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
    const claim = await this.timed('claim', () => this.deps.store.claimAlert(this.gateKey, incidentId, this.now()));
    if (claim.claimed) return this.begin(incidentId);
    return this.resume(claim.incidentId, claim.claimedAt, claim.etag);
  }

  private newIncident(id: string): Incident {
    const at = this.now();
    const { user, alertKey, alertId, source, severity, title, detection, ips, userAgents, raw } = this.subject;
    return {
      id,
      state: 'containing',
      user,
      userKey: this.userId,
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

  /** The first delivery's path. Gates that need no I/O first; the rest overlaps the first record. */
  private async begin(incidentId: string): Promise<UserContainmentResult> {
    const incident = this.newIncident(incidentId);
    const received = this.event(
      'alert_received',
      `${this.subject.source} alert ${this.subject.alertId} (${this.subject.severity}) for ${describeUser(this.subject.user)}`,
      { detail: { alertKey: this.subject.alertKey, ips: this.subject.ips } },
    );
    const hold = preflight(this.subject.user, this.subject.severity, this.deps.policy);
    if (hold) {
      const stored = await this.timed('record', () =>
        this.deps.store.create({ ...incident, state: HOLD_STATE[hold.kind], reason: hold.reason }, [received, this.holdEvent(hold)]),
      );
      return this.finish(stored, false);
    }
    return this.proceed(this.timed('record', () => this.deps.store.create(incident, [received])), { replayed: false, counted: false });
  }

  private holdEvent(hold: Hold): TimelineEvent {
    return this.event(hold.kind === 'protected' ? 'skipped_protected' : `held_${hold.kind}`, hold.reason);
  }

  /**
   * Reads the directory, applies the remaining gates and the blast-radius limit, then sends the
   * pending writes. The incident row may still be in flight when this starts.
   */
  async proceed(incidentWrite: Promise<StoredIncident> | StoredIncident, options: ProceedOptions): Promise<UserContainmentResult> {
    const takesSlot = !options.approval && !options.counted && this.deps.policy.mode === 'enforce';
    const [stored, facts, slot] = await Promise.all([
      incidentWrite,
      this.timed('inspect', () => this.deps.directory.inspect(this.userId, this.deps.policy.protectedGroupIds)).then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error: toError(error) }),
      ),
      takesSlot
        ? this.timed('limit', () => this.deps.limiter.acquire(this.deps.clock.now())).catch((error: unknown) => toError(error))
        : undefined,
    ]);
    const giveBack = async () => {
      if (slot !== undefined && !(slot instanceof Error) && slot.granted) await this.deps.limiter.release(slot.window).catch(() => undefined);
    };
    if (!facts.ok) {
      await giveBack();
      return this.couldNotVerify(stored, facts.error, options.replayed);
    }
    const known = { ...stored.incident, directoryRoles: facts.value.directoryRoles, requiresOnPremDisable: facts.value.onPremisesSyncEnabled || undefined };
    const hold = afterInspection(facts.value, this.deps.policy, options.approval);
    if (hold) {
      await giveBack();
      return this.hold({ ...stored, incident: known }, HOLD_STATE[hold.kind], hold.reason, [this.holdEvent(hold)], options.replayed);
    }
    const pending = pendingActions(stored.incident);
    if (this.deps.policy.mode === 'dry-run') {
      const reason = 'CONTAINMENT_MODE=dry-run: the Graph requests were recorded, not sent';
      return this.hold({ ...stored, incident: { ...known, actions: this.notSent(pending) } }, 'awaiting_approval', reason, [this.event('dry_run', reason)], options.replayed);
    }
    if (slot instanceof Error) {
      const reason = `blast-radius limiter unavailable (${slot.message}): held for a human rather than acting unchecked`;
      return this.hold({ ...stored, incident: known }, 'awaiting_approval', reason, [this.event('blast_radius_unavailable', reason)], options.replayed);
    }
    if (slot !== undefined && !slot.granted) {
      const reason = `blast-radius breaker tripped: ${slot.count} automatic containments since ${slot.window} (BLAST_RADIUS_MAX=${slot.max}); waiting for approval`;
      return this.hold({ ...stored, incident: known }, 'awaiting_approval', reason, [this.event('blast_radius_tripped', reason, { detail: { ...slot } })], options.replayed);
    }
    const outcomes = await this.timed('graph', () => this.runActions(pending));
    return this.settle({ ...stored, incident: { ...known, countedInBlastRadius: options.counted || takesSlot || undefined } }, outcomes, facts.value, options.replayed);
  }

  private notSent(actions: readonly ContainmentAction[]): ActionOutcome[] {
    const at = this.now();
    return actions.map((action) => ({ action, result: 'not_sent', request: this.requestFor(action), attempts: 0, startedAt: at, endedAt: at, durationMs: 0 }));
  }

  private requestFor(action: ContainmentAction) {
    return action === 'revokeSessions' ? revokeSessionsRequest(this.userId) : disableAccountRequest(this.userId);
  }

  /** Runbook 1.1 and 1.2 in parallel: each outcome is recorded whatever the other does. */
  private runActions(actions: readonly ContainmentAction[]): Promise<ActionOutcome[]> {
    return Promise.all(
      actions.map(async (action): Promise<ActionOutcome> => {
        const started = performance.now();
        const base = { action, request: this.requestFor(action), startedAt: this.now() };
        try {
          const receipt = await (action === 'revokeSessions' ? this.deps.actions.revokeSessions(this.userId) : this.deps.actions.disableAccount(this.userId));
          const durationMs = Math.round(performance.now() - started);
          this.timings[action] = durationMs;
          return { ...base, result: 'succeeded', httpStatus: receipt.status, requestId: receipt.requestId, attempts: receipt.attempts, endedAt: this.now(), durationMs };
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

  /** The directory could not be read, so protection cannot be verified: act on nothing. */
  private couldNotVerify(stored: StoredIncident, error: Error, replayed: boolean): Promise<UserContainmentResult> {
    const graph = error instanceof UpstreamError ? error : undefined;
    const transient = graph?.transient ?? true;
    const reason = `could not verify the user before acting (Graph ${graph?.status ?? '-'} ${graph?.code ?? error.message}); nothing was sent`;
    return this.hold({ ...stored, incident: { ...stored.incident, retryable: transient || undefined } }, 'failed', reason, [
      this.event('verification_failed', reason, { detail: { httpStatus: graph?.status, graphCode: graph?.code, requestId: graph?.requestId, transient } }),
    ], replayed);
  }

  private async hold(stored: StoredIncident, state: IncidentState, reason: string, events: TimelineEvent[], replayed: boolean): Promise<UserContainmentResult> {
    const next: Incident = { ...stored.incident, state, reason, updatedAt: this.now() };
    if (state !== 'failed') delete next.retryable;
    const updated = await this.timed('record', () => this.deps.store.update(next, stored.etag, events));
    if (!updated) throw new BusyError('incident changed while containment ran; retry', 2);
    return this.finish(updated, replayed);
  }

  /** Records the outcome (state, T0, one event per action) in one transaction while the follow-ups are queued. */
  private async settle(current: StoredIncident, outcomes: ActionOutcome[], facts: UserFacts, replayed: boolean): Promise<UserContainmentResult> {
    const byAction = new Map(current.incident.actions.map((outcome) => [outcome.action, outcome]));
    for (const outcome of outcomes) byAction.set(outcome.action, outcome);
    const actions = ALL_ACTIONS.flatMap((action) => byAction.get(action) ?? []);
    const succeeded = actions.filter((outcome) => outcome.result === 'succeeded');
    const failures = actions.filter((outcome) => outcome.result === 'failed');
    const disableRefused = byAction.get('disableAccount')?.result === 'failed' && byAction.get('disableAccount')?.httpStatus === 403;
    const privilegedRefusal = disableRefused && facts.directoryRoles.length > 0;
    const state: IncidentState =
      succeeded.length === ALL_ACTIONS.length ? 'contained' : privilegedRefusal ? 'awaiting_approval' : succeeded.length === 0 ? 'failed' : 'partially_contained';
    const t0 = state === 'contained' ? actions.map((outcome) => outcome.endedAt).sort().at(-1) : undefined;
    const events = outcomes.map((outcome) =>
      this.event(
        `${outcome.action}_${outcome.result}`,
        outcome.result === 'succeeded'
          ? `${outcome.action}: Graph ${outcome.httpStatus} in ${outcome.durationMs} ms`
          : `${outcome.action} failed: Graph ${outcome.httpStatus ?? 'no response'} ${outcome.graphCode}`,
        { at: outcome.endedAt, detail: { httpStatus: outcome.httpStatus, graphCode: outcome.graphCode, requestId: outcome.requestId, attempts: outcome.attempts } },
      ),
    );
    let reason = failures.length > 0 ? failures.map((f) => `${f.action}: ${f.graphCode} ${f.message ?? ''}`.trim()).join('; ') : undefined;
    if (t0 !== undefined) {
      events.push(this.event('contained', 'Containment achieved: sessions revoked and account disabled', { mark: 'T0', at: t0 }));
    } else if (privilegedRefusal) {
      reason = `Graph refused to disable a user holding ${facts.directoryRoles.join(', ')} (403): the app needs the Privileged Authentication Administrator role, or disable the account by hand, then approve`;
      events.push(this.event('held_privileged', reason));
    } else {
      events.push(this.event(state, `Containment incomplete: ${failures.map((f) => `${f.action} (${f.graphCode})`).join(', ')}`));
    }
    if (facts.onPremisesSyncEnabled && succeeded.some((outcome) => outcome.action === 'disableAccount')) {
      events.push(
        this.event('on_premises_disable_required', 'Hybrid user (synced from on-premises AD): the next directory sync can re-enable the account; disable it in AD too'),
      );
    }
    const retryable = !privilegedRefusal && failures.some((f) => f.transient === true);
    const next: Incident = { ...current.incident, state, actions, t0, reason, retryable: retryable || undefined, updatedAt: this.now() };
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
    await Promise.all(
      queues.map((queue) =>
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
    const incident = current.incident;
    return { ok: true, incident, replayed, retryable: needsRetry(incident), timings: this.timings };
  }

  /**
   * A redelivery: wait for the holder to finish and return its incident; take over when the holder
   * died; re-run what failed transiently, so a caller's retry helps and never repeats a done write.
   */
  private async resume(incidentId: string, claimedAt: string, claimEtag: string): Promise<UserContainmentResult> {
    const deadline = Date.now() + this.timing.waitForWinnerMs;
    for (;;) {
      const stored = await this.timed('read', () => this.deps.store.get(incidentId));
      if (stored === undefined) {
        if (this.isStale(claimedAt) && (await this.deps.store.reclaimAlert(this.gateKey, claimEtag, this.now()))) {
          return this.begin(incidentId);
        }
      } else if (stored.incident.state === 'containing') {
        if (this.isStale(stored.incident.updatedAt)) {
          const taken = await this.takeOver(stored, 'holder stopped responding');
          if (taken) return taken;
        }
      } else if (needsRetry(stored.incident)) {
        const taken = await this.takeOver(stored, 'redelivery retries transient failures');
        if (taken) return taken;
      } else if (stored.incident.followUpsQueuedAt !== undefined || this.isStale(stored.incident.updatedAt)) {
        return this.finish(stored, true);
      }
      // Otherwise the holder is between recording the outcome and queueing the follow-ups: wait,
      // rather than queue them a second time.
      if (Date.now() >= deadline) {
        throw new BusyError(`containment of incident ${incidentId} is still in progress`, 5);
      }
      await new Promise((resolve) => setTimeout(resolve, this.timing.pollMs));
    }
  }

  private isStale(at: string): boolean {
    return this.deps.clock.now().getTime() - Date.parse(at) > this.timing.staleAfterMs;
  }

  /** Moves the incident back to `containing` under its ETag (one taker wins), then proceeds. */
  private async takeOver(stored: StoredIncident, why: string): Promise<UserContainmentResult | undefined> {
    const claimed = await this.deps.store.update({ ...stored.incident, state: 'containing', updatedAt: this.now() }, stored.etag, [
      this.event('containment_retry', `Retrying ${pendingActions(stored.incident).join(', ')}: ${why}`),
    ]);
    if (!claimed) return undefined;
    return this.proceed(claimed, { replayed: true, counted: stored.incident.countedInBlastRadius === true });
  }
}
