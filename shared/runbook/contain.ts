// Phase 1, Containment (runbook 1.1-1.3): for each user in an alert, revoke sign-in sessions and
// disable the account in parallel, record T0, and queue diagnosis and the pivot hunt. Exactly once per
// (alert, user), however many times and however concurrently the alert is delivered.
import { createHash } from 'node:crypto';
import { ulid } from 'ulid';
import type { AlertUser, NormalizedAlert } from '../alerts/types';
import { describeUser, userKey } from '../alerts/types';
import { ConflictError, GraphError, toError } from '../errors';
import { decideContainment, type ContainmentPolicy } from '../policy/containment-policy';
import { disableAccountRequest, revokeSessionsRequest } from '../graph/containment-actions';
import {
  retryableActions,
  type ActionOutcome,
  type ContainmentAction,
  type Incident,
  type IncidentState,
  type StoredIncident,
  type TimelineEvent,
} from './incident';
import type { Clock, ContainmentActions, FollowUpQueueName, FollowUpQueues, IncidentStore } from './ports';

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
  store: IncidentStore;
  queues: FollowUpQueues;
  policy: ContainmentPolicy;
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

const FOLLOW_UPS: readonly FollowUpQueueName[] = ['diagnose', 'hunt'];

export function gateKeyFor(alertKey: string, user: AlertUser): string {
  return createHash('sha256').update(`${alertKey}\n${userKey(user)}`).digest('hex');
}

/** Every user is handled independently: one failing does not stop the others. */
export async function containAlert(alert: NormalizedAlert, deps: ContainDeps, actor: Actor): Promise<UserContainmentResult[]> {
  return Promise.all(
    alert.users.map(async (user): Promise<UserContainmentResult> => {
      const timings: StepTimings = {};
      try {
        return await new UserContainment(alert, user, deps, actor, timings).run();
      } catch (error) {
        return { ok: false, user, error: toError(error), retryable: true, timings };
      }
    }),
  );
}

class UserContainment {
  private readonly timing: ContainTiming;
  private readonly gateKey: string;

  constructor(
    private readonly alert: NormalizedAlert,
    private readonly user: AlertUser,
    private readonly deps: ContainDeps,
    private readonly actor: Actor,
    private readonly timings: StepTimings,
  ) {
    this.timing = deps.timing ?? DEFAULT_CONTAIN_TIMING;
    this.gateKey = gateKeyFor(alert.alertKey, user);
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

  private event(kind: string, summary: string, extra: Partial<TimelineEvent> = {}): TimelineEvent {
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
    if (claim.claimed) return this.containNew(incidentId);
    return this.resume(claim.incidentId, claim.claimedAt, claim.etag);
  }

  private newIncident(id: string): Incident {
    const at = this.now();
    return {
      id,
      state: 'containing',
      user: this.user,
      userKey: userKey(this.user),
      alertKey: this.alert.alertKey,
      alertId: this.alert.alertId,
      source: this.alert.source,
      severity: this.alert.severity,
      title: this.alert.title,
      detection: this.alert.detection,
      ips: this.alert.ips,
      userAgents: this.alert.userAgents,
      mode: this.deps.policy.mode,
      createdAt: at,
      updatedAt: at,
      actions: [],
      alertRaw: this.alert.raw,
    };
  }

  /** The winner's path. Graph writes start as soon as we hold the claim, alongside the first record. */
  private async containNew(incidentId: string): Promise<UserContainmentResult> {
    const incident = this.newIncident(incidentId);
    const received = this.event('alert_received', `${this.alert.source} alert ${this.alert.alertId} (${this.alert.severity}) for ${describeUser(this.user)}`, {
      detail: { alertKey: this.alert.alertKey, ips: this.alert.ips },
    });
    const decision = decideContainment(this.user, this.deps.policy);
    if (decision.kind !== 'contain') {
      const state: IncidentState = decision.kind === 'skip_protected' ? 'skipped_protected' : 'awaiting_approval';
      const held: Incident = {
        ...incident,
        state,
        reason: decision.reason,
        actions: decision.kind === 'dry_run' ? this.notSent(['revokeSessions', 'disableAccount']) : [],
      };
      const stored = await this.timed('record', () =>
        this.deps.store.create(held, [received, this.event(decision.kind, decision.reason)]),
      );
      return this.finish(stored, false);
    }
    const [created, actions] = await Promise.all([
      this.timed('record', () => this.deps.store.create(incident, [received])),
      this.timed('graph', () => this.runActions(['revokeSessions', 'disableAccount'])),
    ]);
    return this.settle(created, actions, false);
  }

  private notSent(actions: ContainmentAction[]): ActionOutcome[] {
    const at = this.now();
    return actions.map((action) => ({
      action,
      result: 'not_sent',
      request: this.requestFor(action),
      attempts: 0,
      startedAt: at,
      endedAt: at,
      durationMs: 0,
    }));
  }

  private requestFor(action: ContainmentAction) {
    const id = userKey(this.user);
    return action === 'revokeSessions' ? revokeSessionsRequest(id) : disableAccountRequest(id);
  }

  /** Runbook 1.1 and 1.2 in parallel: each outcome is recorded whatever the other does. */
  private runActions(actions: ContainmentAction[]): Promise<ActionOutcome[]> {
    const id = userKey(this.user);
    return Promise.all(
      actions.map(async (action): Promise<ActionOutcome> => {
        const startedAt = this.deps.clock.now();
        const started = performance.now();
        const base = { action, request: this.requestFor(action), startedAt: startedAt.toISOString() };
        try {
          const receipt = await (action === 'revokeSessions' ? this.deps.actions.revokeSessions(id) : this.deps.actions.disableAccount(id));
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
          const graph = error instanceof GraphError ? error : undefined;
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

  /** Records the outcome (state, T0, one event per action) in one transaction, then queues follow-ups. */
  private async settle(current: StoredIncident, outcomes: ActionOutcome[], replayed: boolean): Promise<UserContainmentResult> {
    const byAction = new Map(current.incident.actions.map((outcome) => [outcome.action, outcome]));
    for (const outcome of outcomes) byAction.set(outcome.action, outcome);
    const actions = [...byAction.values()];
    const succeeded = actions.filter((outcome) => outcome.result === 'succeeded');
    const state: IncidentState =
      succeeded.length === 2 ? 'contained' : succeeded.length === 0 ? 'failed' : 'partially_contained';
    const t0 = state === 'contained' ? actions.map((outcome) => outcome.endedAt).sort().at(-1) : undefined;
    const failures = actions.filter((outcome) => outcome.result === 'failed');
    const events = outcomes.map((outcome) =>
      this.event(
        outcome.result === 'succeeded' ? `${outcome.action}_succeeded` : `${outcome.action}_failed`,
        outcome.result === 'succeeded'
          ? `${outcome.action}: Graph ${outcome.httpStatus} in ${outcome.durationMs} ms`
          : `${outcome.action} failed: Graph ${outcome.httpStatus ?? 'no response'} ${outcome.graphCode}`,
        {
          at: outcome.endedAt,
          detail: { httpStatus: outcome.httpStatus, graphCode: outcome.graphCode, requestId: outcome.requestId, attempts: outcome.attempts },
        },
      ),
    );
    if (t0 !== undefined) {
      events.push(this.event('contained', `Containment achieved: sessions revoked and account disabled`, { mark: 'T0', at: t0 }));
    } else {
      events.push(
        this.event(state, `Containment incomplete: ${failures.map((f) => `${f.action} (${f.graphCode})`).join(', ')}`, {
          detail: { retryable: failures.some((f) => f.transient === true) },
        }),
      );
    }
    const next: Incident = {
      ...current.incident,
      state,
      actions,
      t0,
      reason: failures.length > 0 ? failures.map((f) => `${f.action}: ${f.graphCode} ${f.message ?? ''}`.trim()).join('; ') : undefined,
      updatedAt: this.now(),
    };
    // The follow-ups are queued while the outcome is written: they only need what we already know,
    // and the phases they start are idempotent per incident.
    const [stored] = await Promise.all([
      this.timed('record', () => this.deps.store.update(next, current.etag, events)),
      next.followUpsQueuedAt === undefined ? this.timed('enqueue', () => this.enqueueFollowUps(next)) : undefined,
    ]);
    if (!stored) throw new ConflictError('incident changed while containment ran; retry', 2);
    return this.finish(stored, replayed, true);
  }

  private async enqueueFollowUps(incident: Incident): Promise<void> {
    await Promise.all(
      FOLLOW_UPS.map((queue) =>
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
    return { ok: true, incident, replayed, retryable: retryableActions(incident).length > 0, timings: this.timings };
  }

  /**
   * A redelivery: wait for the holder to finish and return its incident; take over when the holder
   * died; re-run only transient failures, so a caller's retry helps and never repeats a done write.
   */
  private async resume(incidentId: string, claimedAt: string, claimEtag: string): Promise<UserContainmentResult> {
    const deadline = Date.now() + this.timing.waitForWinnerMs;
    for (;;) {
      const stored = await this.timed('read', () => this.deps.store.get(incidentId));
      if (stored === undefined) {
        if (this.isStale(claimedAt) && (await this.deps.store.reclaimAlert(this.gateKey, claimEtag, this.now()))) {
          return this.containNew(incidentId);
        }
      } else if (stored.incident.state === 'containing') {
        if (this.isStale(stored.incident.updatedAt)) {
          const taken = await this.takeOver(stored, ['revokeSessions', 'disableAccount'], 'holder stopped responding');
          if (taken) return taken;
        }
      } else {
        const retry = retryableActions(stored.incident);
        if (retry.length > 0) {
          const taken = await this.takeOver(stored, retry, 'redelivery retries transient failures');
          if (taken) return taken;
        } else if (stored.incident.followUpsQueuedAt !== undefined || this.isStale(stored.incident.updatedAt)) {
          return this.finish(stored, true);
        }
        // Otherwise the holder is between recording the outcome and queueing the follow-ups: wait,
        // rather than queue them a second time.
      }
      if (Date.now() >= deadline) {
        throw new ConflictError(`containment of incident ${incidentId} is still in progress`, 5);
      }
      await new Promise((resolve) => setTimeout(resolve, this.timing.pollMs));
    }
  }

  private isStale(at: string): boolean {
    return this.deps.clock.now().getTime() - Date.parse(at) > this.timing.staleAfterMs;
  }

  /** Moves the incident back to `containing` under its ETag (one taker wins), then runs the given actions. */
  private async takeOver(stored: StoredIncident, actions: ContainmentAction[], why: string): Promise<UserContainmentResult | undefined> {
    const claimed = await this.deps.store.update(
      { ...stored.incident, state: 'containing', updatedAt: this.now() },
      stored.etag,
      [this.event('containment_retry', `Retrying ${actions.join(', ')}: ${why}`)],
    );
    if (!claimed) return undefined;
    const outcomes = await this.timed('graph', () => this.runActions(actions));
    return this.settle(claimed, outcomes, true);
  }
}
