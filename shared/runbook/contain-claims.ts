// The claim protocol: how deliveries of one alert, in any shape and at any concurrency, agree that exactly
// one of them contains the person. Two gate rows, both insert-only and ETag-guarded:
//  - the delivery-shape row (alert, identifiers as delivered): the first delivery of a shape works, every
//    redelivery of that shape waits for it, follows it, or takes over when its holder went quiet;
//  - the person row, keyed by the resolved object id: one open incident per person, later alerts linked.
// A holder that died leaves a claim and, maybe, an incident in `containing`: after `staleAfterMs` without
// progress a redelivery takes over (one taker wins the ETag) and finishes the record.
import { describeUser } from '../alerts/types';
import { BusyError, ConflictError } from '../errors';
import type { UserFacts } from '../policy/containment-policy';
import { disabledByIncident, isOpen, needsRetry, pendingActions, type Incident, type StoredIncident, type TimelineEvent } from './incident';
import type { HeldClaim } from './ports';
import { sleep, type ContainContext, type ContainmentSteps, type PersonIdentity, type UserContainmentResult } from './contain-context';
import { releasesSeverityHold } from './contain-decision';
import { answer, enqueueFollowUps, finish } from './contain-record';

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

export class ClaimProtocol {
  constructor(
    private readonly ctx: ContainContext,
    private readonly steps: ContainmentSteps,
  ) {}

  /**
   * The delivery-shape row. Critical path (one storage round trip, before anything else): exactly one
   * delivery of this shape does any work, and every redelivery of it replays without a Graph read.
   */
  async claimShape(incidentId: string): Promise<UserContainmentResult> {
    const { ctx } = this;
    const claim = await ctx.timed('claim', () => ctx.deps.store.claimAlert(ctx.gateKey, incidentId, ctx.now()));
    if (claim.claimed) return this.steps.begin(incidentId);
    return this.resume(claim.incidentId, {
      reread: () => ctx.deps.store.alertClaim(ctx.gateKey),
      takeOver: async (held) =>
        (await ctx.deps.store.reclaimAlert(ctx.gateKey, held.etag, ctx.now())) ? this.steps.begin(held.incidentId) : undefined,
    });
  }

  /**
   * The person row. Critical path (one storage round trip when the person is new), before any write:
   * exactly once per (alert, person) and one open incident per person, whatever shape each delivery had.
   */
  async claimPerson(incidentId: string, identity: PersonIdentity, facts: UserFacts): Promise<UserContainmentResult> {
    const { ctx } = this;
    const { store } = ctx.deps;
    const { alertKey } = ctx.subject;
    const objectId = facts.objectId;
    const deadline = Date.now() + ctx.timing.waitForWinnerMs;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0 && Date.now() >= deadline) throw new BusyError(`the open incident of ${facts.upn} is still being recorded`, 5);
      const claim = await ctx.timed('person', () => store.claimPerson(objectId, alertKey, incidentId, ctx.now()));
      if (claim.outcome === 'claimed' || claim.incidentId === incidentId) return this.steps.open(incidentId, identity, facts, false);
      if (claim.outcome === 'handled') {
        // Another shape of this alert got to the person first: a replay of its incident.
        await store.pointAlert(ctx.gateKey, claim.incidentId);
        return this.resume(claim.incidentId, {
          reread: () => Promise.resolve(claim),
          takeOver: async (held) =>
            (await store.reclaimPerson(objectId, alertKey, held.etag, ctx.now()))
              ? this.steps.open(held.incidentId, identity, facts, true)
              : undefined,
        });
      }
      const current = await ctx.timed('read', () => store.get(claim.incidentId));
      if (current === undefined) {
        // The person's incident is claimed but not recorded yet: its holder is working, or died.
        if (ctx.isStale(claim.claimedAt) && (await store.reclaimPerson(objectId, undefined, claim.etag, ctx.now()))) {
          await store.linkPerson(objectId, alertKey, claim.incidentId, ctx.now());
          await store.pointAlert(ctx.gateKey, claim.incidentId);
          return this.steps.open(claim.incidentId, identity, facts, true);
        }
      } else if (isOpen(current.incident)) {
        if (await store.linkPerson(objectId, alertKey, current.incident.id, ctx.now())) {
          await store.pointAlert(ctx.gateKey, current.incident.id);
          return this.link(current, await this.steps.confirm(facts));
        }
        // Another shape of this alert was linked meanwhile: claim again to learn where.
        continue;
      } else if (await store.replacePerson(objectId, alertKey, incidentId, claim.etag, ctx.now())) {
        return this.steps.open(incidentId, identity, facts, false);
      } else {
        continue;
      }
      await sleep(ctx.timing.pollMs);
    }
  }

  /**
   * An incident recorded before its person was known (mode off, or the directory failed) meets the
   * person gate now: it becomes the person's incident, or is folded into the one they already have.
   */
  async ownPerson(stored: StoredIncident, facts: UserFacts): Promise<{ folded: false } | { folded: true; result: UserContainmentResult }> {
    const { ctx } = this;
    const { store } = ctx.deps;
    const incident = stored.incident;
    const claim = await ctx.timed('person', () => store.claimPerson(facts.objectId, incident.alertKey, incident.id, ctx.now()));
    if (claim.outcome === 'claimed' || claim.incidentId === incident.id) return { folded: false };
    if (claim.outcome === 'current') {
      // A current incident still being recorded counts as open: its holder is containing the person.
      const current = await store.get(claim.incidentId);
      if (current !== undefined && !isOpen(current.incident)) {
        if (await store.replacePerson(facts.objectId, incident.alertKey, incident.id, claim.etag, ctx.now())) return { folded: false };
        throw new ConflictError(`the open incident of ${facts.upn} changed meanwhile; approve again`);
      }
      if (current !== undefined && (await store.linkPerson(facts.objectId, incident.alertKey, current.incident.id, ctx.now()))) {
        await store.appendEvents(current.incident.id, [
          ctx.event(
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
      user: { upn: facts.upn || undefined, objectId: facts.objectId },
      userKey: facts.objectId,
      resolvedAt: ctx.now(),
      state: 'closed',
      reason,
      linkedTo: claim.incidentId,
      updatedAt: ctx.now(),
    };
    delete next.hold;
    const updated = await store.update(next, stored.etag, [
      ctx.event('linked_to_open_incident', reason, { detail: { incidentId: claim.incidentId } }),
    ]);
    if (!updated) throw new BusyError('incident changed while containment ran; retry', 2);
    return { folded: true, result: await finish(ctx, updated, false) };
  }

  /**
   * This alert names a person whose open incident is `current`: linked to it (`alert_linked`), with no
   * Graph write and no blast-radius slot, unless the incident must act again: held for a severity this
   * alert passes, a transient failure to retry, or an account re-enabled since it was disabled.
   */
  private async link(current: StoredIncident, facts: UserFacts): Promise<UserContainmentResult> {
    const { ctx } = this;
    const { source, alertId, severity, alertKey, ips, user } = ctx.subject;
    const linked = ctx.event(
      'alert_linked',
      `${source} alert ${alertId} (${severity}) for ${describeUser(user)} linked to this incident, the person's open one`,
      { detail: { alertKey, alertId, source, severity, ips, user } },
    );
    let stored = current;
    // A takeover loses its ETag when something else wrote the incident meanwhile (the queued diagnosis
    // of a held incident does): decide again on the fresh row rather than settle for a bare link.
    for (let attempt = 0; attempt < 5; attempt++) {
      const incident = stored.incident;
      if (incident.state === 'containing') break;
      let taken: UserContainmentResult | undefined;
      if (releasesSeverityHold(incident, severity, ctx.deps.policy)) {
        taken = await this.takeOver(stored, `linked alert ${alertId} is ${severity}`, {
          events: [linked, this.severityRaised()],
          severity,
          facts,
        });
      } else if (needsRetry(incident)) {
        taken = await this.takeOver(stored, `linked alert ${alertId} retries transient failures`, { events: [linked], facts });
      } else if (disabledByIncident(incident) && facts.accountEnabled && incident.state !== 'awaiting_approval') {
        const why = `the account was enabled again since incident ${incident.id} disabled it; linked alert ${alertId} contains it again`;
        taken = await this.takeOver(stored, why, { events: [linked, ctx.event('account_reenabled', why)], resend: true, facts });
        if (taken?.ok && taken.incident.state === 'contained') await enqueueFollowUps(ctx, taken.incident, ['diagnose']);
      } else {
        break;
      }
      if (taken?.ok) return { ...taken, linked: true, replayed: false };
      if (taken) return taken;
      const fresh = await ctx.timed('read', () => ctx.deps.store.get(incident.id));
      if (fresh === undefined) break;
      stored = fresh;
    }
    await ctx.timed('record', () => ctx.deps.store.appendEvents(stored.incident.id, [linked]));
    const now = (await ctx.deps.store.get(stored.incident.id)) ?? stored;
    return answer(ctx, now, false, true);
  }

  /**
   * A redelivery (or another shape of the same alert): wait for the holder to record the incident and
   * return it; follow the claim when it is re-pointed to the person's incident; take over when the holder
   * died; re-run what failed transiently; lift a severity hold this delivery passes. A settled incident
   * is answered at once.
   */
  private async resume(incidentId: string, recovery: Recovery): Promise<UserContainmentResult> {
    const { ctx } = this;
    const deadline = Date.now() + ctx.timing.waitForWinnerMs;
    let id = incidentId;
    for (;;) {
      const stored = await ctx.timed('read', () => ctx.deps.store.get(id));
      if (stored === undefined) {
        const claim = await recovery.reread();
        if (claim !== undefined && claim.incidentId !== id) {
          id = claim.incidentId;
          continue;
        }
        if (claim !== undefined && ctx.isStale(claim.claimedAt)) {
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
      await sleep(ctx.timing.pollMs);
    }
  }

  /** What a redelivery does with an incident that exists; undefined: wait for its holder. */
  private async redelivered(stored: StoredIncident): Promise<UserContainmentResult | undefined> {
    const { ctx } = this;
    const incident = stored.incident;
    if (incident.state === 'containing') {
      return ctx.isStale(incident.updatedAt) ? this.takeOver(stored, 'holder stopped responding') : undefined;
    }
    if (releasesSeverityHold(incident, ctx.subject.severity, ctx.deps.policy)) {
      return this.takeOver(stored, `redelivered at ${ctx.subject.severity}`, {
        events: [this.severityRaised()],
        severity: ctx.subject.severity,
      });
    }
    if (needsRetry(incident)) return this.takeOver(stored, 'redelivery retries transient failures');
    // Settled: answered at once. Follow-ups not marked yet are being queued by the holder, unless it
    // stopped long ago; then this delivery finishes its last step.
    if (incident.followUpsQueuedAt === undefined && ctx.isStale(incident.updatedAt)) return finish(ctx, stored, true);
    return answer(ctx, stored, true);
  }

  /** Moves the incident back to `containing` under its ETag (one taker wins), then proceeds. */
  private async takeOver(stored: StoredIncident, why: string, changes: TakeOverChanges = {}): Promise<UserContainmentResult | undefined> {
    const { ctx } = this;
    const base = stored.incident;
    const actions = changes.resend ? [] : base.actions;
    const next: Incident = { ...base, state: 'containing', severity: changes.severity ?? base.severity, actions, updatedAt: ctx.now() };
    delete next.hold;
    const pending = pendingActions(next);
    const claimed = await ctx.deps.store.update(next, stored.etag, [
      ...(changes.events ?? []),
      ctx.event('containment_retry', `Retrying ${pending.join(', ')}: ${why}`),
    ]);
    if (!claimed) return undefined;
    return this.steps.proceed(claimed, { replayed: true, counted: base.countedInBlastRadius === true, facts: changes.facts });
  }

  private severityRaised(): TimelineEvent {
    const { severity, alertId } = this.ctx.subject;
    return this.ctx.event(
      'severity_raised',
      `alert ${alertId} at ${severity} passes MIN_AUTO_CONTAIN_SEVERITY=${this.ctx.deps.policy.minAutoContainSeverity}: the severity hold is lifted`,
    );
  }
}
