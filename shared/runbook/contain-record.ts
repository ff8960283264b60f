// The incident records containment writes: a held or stopped incident, the outcome of the writes (with
// the follow-ups queued beside it), and the follow-ups marked queued so a redelivery can finish a lost
// step (after the answer, when the outcome is recorded). Every write is ETag-guarded; losing one means
// someone else moved the incident on.
import { BusyError, toError } from '../errors';
import type { UserFacts } from '../policy/containment-policy';
import { needsRetry, type ActionOutcome, type Incident, type StoredIncident, type TimelineEvent } from './incident';
import type { FollowUpQueueName } from './ports';
import type { ContainContext, UserContainmentResult } from './contain-context';
import type { Stop } from './contain-decision';
import { containmentOutcome } from './contain-outcome';

type ContainedResult = Extract<UserContainmentResult, { ok: true }>;

/**
 * A new incident not written yet: its one record, made once containment is decided (held) or done
 * (the outcome), carries these events before that record's own.
 */
export interface Unrecorded {
  incident: Incident;
  events: TimelineEvent[];
}

/** An incident as recorded (with its ETag), or one whose first record is still to be made. */
export type Recordable = StoredIncident | Unrecorded;

function isUnrecorded(current: Recordable): current is Unrecorded {
  return !('etag' in current);
}

/** The first record of an unrecorded incident, or the next record of a recorded one (undefined: the ETag was lost). */
function write(ctx: ContainContext, current: Recordable, next: Incident, events: TimelineEvent[]): Promise<StoredIncident | undefined> {
  return ctx.timed('record', () =>
    isUnrecorded(current) ? ctx.deps.store.create(next, [...current.events, ...events]) : ctx.deps.store.update(next, current.etag, events),
  );
}

const FOLLOW_UPS: readonly FollowUpQueueName[] = ['diagnose', 'hunt'];

/** Records an incident that goes no further than its first record (held, skipped or failed before any write). */
export async function recordNew(ctx: ContainContext, incident: Incident, events: TimelineEvent[]): Promise<UserContainmentResult> {
  const stored = await ctx.timed('record', () => ctx.deps.store.create(incident, events));
  return finish(ctx, stored, false);
}

/** Records why containment stops here (held, skipped, failed): the incident's next record, or its first. */
export async function recordStop(ctx: ContainContext, stored: Recordable, stop: Stop, replayed: boolean): Promise<UserContainmentResult> {
  const next: Incident = {
    ...stored.incident,
    state: stop.state,
    reason: stop.reason,
    hold: stop.hold,
    retryable: stop.retryable,
    updatedAt: ctx.now(),
  };
  if (next.retryable === undefined) delete next.retryable;
  if (next.hold === undefined) delete next.hold;
  const updated = await write(ctx, stored, next, [ctx.stamp(stop.event)]);
  if (!updated) throw new BusyError('incident changed while containment ran; retry', 2);
  return finish(ctx, updated, replayed);
}

/** Records the outcome (state, T0, one event per action) in one transaction while the follow-ups are queued. */
export async function recordOutcome(
  ctx: ContainContext,
  current: Recordable,
  outcomes: ActionOutcome[],
  facts: UserFacts,
  replayed: boolean,
  notes: TimelineEvent[] = [],
): Promise<UserContainmentResult> {
  const outcome = containmentOutcome(current.incident, outcomes, facts, ctx.now());
  const next = outcome.incident;
  const events = [...outcome.events.map((event) => ctx.stamp(event)), ...notes];
  // After T0, before the answer: the caller is told a durable outcome (a 200 for an outcome not yet
  // recorded would leave nobody to redeliver). The follow-ups only need what we already know, and the
  // phases they start are idempotent per incident, so they are queued while the outcome is written.
  const queue = next.followUpsQueuedAt === undefined;
  const [stored] = await Promise.all([
    write(ctx, current, next, events),
    queue ? ctx.timed('enqueue', () => enqueueFollowUps(ctx, next)) : undefined,
  ]);
  if (!stored) throw new BusyError('incident changed while containment ran; retry', 2);
  if (!queue || stored.incident.state === 'containing') return answer(ctx, stored, replayed);
  // The follow-ups are queued (awaited above) and the outcome is recorded; the mark only lets a later
  // redelivery tell "queued" from "lost", and a mark that never lands costs that redelivery a second
  // enqueue, which the phases absorb (idempotent per incident). So the webhook answers without waiting
  // for it; an approval, the hunt or a verification keeps it inside its own invocation.
  const queuedAt = ctx.now();
  const marked = markQueued(ctx, stored, queuedAt);
  if (!ctx.answerBeforeMark) await marked;
  return { ...answer(ctx, { ...stored, incident: { ...stored.incident, followUpsQueuedAt: queuedAt } }, replayed), afterAnswer: marked };
}

/** How often the mark is re-applied on a fresh row when a follow-up phase recorded on the incident first. */
const MARK_ATTEMPTS = 3;

/** Marks the follow-ups queued, on the row as it now is; settles with the failure, if any, never rejects. */
async function markQueued(ctx: ContainContext, stored: StoredIncident, queuedAt: string): Promise<Error | undefined> {
  let current: StoredIncident | undefined = stored;
  try {
    for (let attempt = 0; attempt < MARK_ATTEMPTS; attempt++) {
      if (current === undefined || current.incident.followUpsQueuedAt !== undefined) return undefined;
      // On a row a phase wrote since, its later updatedAt stands.
      const updatedAt = current.incident.updatedAt > queuedAt ? current.incident.updatedAt : queuedAt;
      const incident: Incident = { ...current.incident, followUpsQueuedAt: queuedAt, updatedAt };
      if (await ctx.deps.store.update(incident, current.etag, [queuedEvent(ctx)])) return undefined;
      current = await ctx.deps.store.get(stored.incident.id);
    }
    return new BusyError('the incident kept changing', 2);
  } catch (error) {
    return toError(error);
  }
}

function queuedEvent(ctx: ContainContext): TimelineEvent {
  return ctx.event('follow_ups_queued', `Queued ${FOLLOW_UPS.join(' and ')}`, { detail: { queues: FOLLOW_UPS } });
}

export async function enqueueFollowUps(
  ctx: ContainContext,
  incident: Incident,
  queues: readonly FollowUpQueueName[] = FOLLOW_UPS,
): Promise<void> {
  await Promise.all([
    scheduleVerification(ctx, incident),
    incident.t0 !== undefined ? ctx.deps.writeBack?.marked(incident, 'T0') : undefined,
    ...queues.map((queue) =>
      ctx.deps.queues.enqueue(queue, {
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

/** One `verify` per VERIFY_AFTER_MINUTES, invisible until T0 + that many minutes (Storage Queues visibility delay). */
async function scheduleVerification(ctx: ContainContext, incident: Incident): Promise<void> {
  const t0 = incident.t0;
  if (t0 === undefined) return;
  const sinceT0 = (ctx.deps.clock.now().getTime() - Date.parse(t0)) / 1000;
  await Promise.all(
    (ctx.deps.verifyAfterMinutes ?? []).map((afterMinutes) =>
      ctx.deps.queues.enqueue(
        'verify',
        { version: 1, incidentId: incident.id, afterMinutes },
        { delaySeconds: Math.max(0, afterMinutes * 60 - sinceT0) },
      ),
    ),
  );
}

/** Queues diagnosis and the pivot hunt (unless already sent), and marks them queued so a redelivery can finish a lost step. */
export async function finish(ctx: ContainContext, stored: StoredIncident, replayed: boolean): Promise<UserContainmentResult> {
  let current = stored;
  if (current.incident.followUpsQueuedAt === undefined && current.incident.state !== 'containing' && !namesTwoPeople(current.incident)) {
    const incident = current.incident;
    await ctx.timed('enqueue', () => enqueueFollowUps(ctx, incident));
    // The mark is what lets a redelivery tell "follow-ups lost" from "follow-ups sent" (redelivered).
    const queuedAt = ctx.now();
    const marked = await ctx.timed('record', () =>
      ctx.deps.store.update({ ...incident, followUpsQueuedAt: queuedAt, updatedAt: queuedAt }, current.etag, [queuedEvent(ctx)]),
    );
    // Another delivery marked it first; both enqueued, and the phases are idempotent per incident.
    current = marked ?? (await ctx.deps.store.get(incident.id)) ?? current;
  }
  return answer(ctx, current, replayed);
}

/**
 * An alert whose identifiers name two people is neither diagnosed nor hunted: both phases read one
 * person's mailbox, sign-ins and grants, and which person it is (if either) is for a human to find out
 * first; such an incident cannot be approved, only rejected.
 */
function namesTwoPeople(incident: Incident): boolean {
  return incident.hold === 'identity_mismatch';
}

export function answer(ctx: ContainContext, stored: StoredIncident, replayed: boolean, linked?: boolean): ContainedResult {
  const incident = stored.incident;
  return {
    ok: true,
    incident,
    replayed,
    linked,
    identityNote: ctx.identityNote,
    retryable: needsRetry(incident),
    timings: ctx.timings,
  };
}
