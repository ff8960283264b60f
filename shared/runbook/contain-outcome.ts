// The containment outcome, pure: what the action outcomes make of the incident (state, T0, reason,
// retryability) and the timeline events that tell it. No I/O and no clock (`at` is given): contain.ts
// records what this returns. Unit-tested in test/unit/contain-outcome.test.ts.
import type { UserFacts } from '../policy/containment-policy';
import type { ActionOutcome, ContainmentAction, Incident, IncidentState } from './incident';
import type { EventSpec } from './contain-context';

export const ALL_ACTIONS: readonly ContainmentAction[] = ['revokeSessions', 'disableAccount'];

export interface Outcome {
  incident: Incident;
  events: EventSpec[];
}

/**
 * Merges this attempt's outcomes into the incident's. Both succeeded: contained, T0 at the later one
 * (kept from the first containment when the account is contained again). Graph refused to disable a
 * user holding directory roles (403): held for a human. Otherwise failed or partially contained.
 */
export function containmentOutcome(current: Incident, outcomes: readonly ActionOutcome[], facts: UserFacts, at: string): Outcome {
  const byAction = new Map(current.actions.map((outcome) => [outcome.action, outcome]));
  for (const outcome of outcomes) byAction.set(outcome.action, outcome);
  const actions = ALL_ACTIONS.flatMap((action) => byAction.get(action) ?? []);
  const succeeded = actions.filter((outcome) => outcome.result === 'succeeded');
  const failures = actions.filter((outcome) => outcome.result === 'failed');
  const disable = byAction.get('disableAccount');
  const privilegedRefusal = disable?.result === 'failed' && disable.httpStatus === 403 && facts.directoryRoles.length > 0;
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
  const again = current.t0 !== undefined;
  const t0 = current.t0 ?? achieved;
  const events: EventSpec[] = outcomes.map((outcome) => ({
    kind: `${outcome.action}_${outcome.result}`,
    summary:
      outcome.result === 'succeeded'
        ? `${outcome.action}: Graph ${outcome.httpStatus} in ${outcome.durationMs} ms`
        : `${outcome.action} failed: Graph ${outcome.httpStatus ?? 'no response'} ${outcome.graphCode}`,
    at: outcome.endedAt,
    detail: { httpStatus: outcome.httpStatus, graphCode: outcome.graphCode, requestId: outcome.requestId, attempts: outcome.attempts },
  }));
  let reason = failures.length > 0 ? failures.map((f) => `${f.action}: ${f.graphCode} ${f.message ?? ''}`.trim()).join('; ') : undefined;
  if (achieved !== undefined) {
    events.push(
      again
        ? { kind: 'recontained', summary: 'Contained again: sessions revoked and the re-enabled account disabled', at: achieved }
        : { kind: 'contained', summary: 'Containment achieved: sessions revoked and account disabled', mark: 'T0', at: achieved },
    );
  } else if (privilegedRefusal) {
    reason = `Graph refused to disable a user holding ${facts.directoryRoles.join(', ')} (403): the app needs the Privileged Authentication Administrator role, or disable the account by hand, then approve`;
    events.push({ kind: 'held_privileged', summary: reason });
  } else {
    events.push({ kind: state, summary: `Containment incomplete: ${failures.map((f) => `${f.action} (${f.graphCode})`).join(', ')}` });
  }
  if (facts.onPremisesSyncEnabled && succeeded.some((outcome) => outcome.action === 'disableAccount')) {
    events.push({
      kind: 'on_premises_disable_required',
      summary: 'Hybrid user (synced from on-premises AD): the next directory sync can re-enable the account; disable it in AD too',
    });
  }
  const retryable = !privilegedRefusal && failures.some((f) => f.transient === true);
  const incident: Incident = {
    ...current,
    state,
    actions,
    t0,
    reason,
    hold: privilegedRefusal ? 'privileged_refused' : undefined,
    retryable: retryable || undefined,
    updatedAt: at,
  };
  if (incident.hold === undefined) delete incident.hold;
  return { incident, events };
}
