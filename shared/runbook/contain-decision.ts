// The containment decision, pure: given the gates' inputs (what the directory says about the person, the
// alert's severity, the settings, a human's approval, the blast-radius slot), hold or act, and why. No
// I/O and no clock: contain.ts gathers the inputs and records what this decides. Unit-tested in
// test/unit/contain-decision.test.ts.
import type { Severity } from '../alerts/severity';
import {
  afterInspection,
  passesSeverityGate,
  preflight,
  type Approval,
  type Hold,
  type SafetyPolicy,
  type UserFacts,
} from '../policy/containment-policy';
import { UpstreamError } from '../errors';
import type { AlertUser } from '../alerts/types';
import type { HoldKind, Incident, IncidentState } from './incident';
import type { BlastRadiusSlot } from './ports';
import type { EventSpec, Resolution } from './contain-context';

export const HOLD_STATE: Readonly<Record<Hold['kind'], IncidentState>> = {
  protected: 'skipped_protected',
  mode_off: 'awaiting_approval',
  severity: 'awaiting_approval',
  privileged: 'awaiting_approval',
  approval: 'awaiting_approval',
};

/** Why containment stops here: the incident's state, its reason and hold, and the event that says so. */
export interface Stop {
  state: IncidentState;
  reason: string;
  hold?: HoldKind;
  /** A transient failure: a redelivery may try again. */
  retryable?: true;
  event: EventSpec;
}

export type Decision =
  | ({ kind: 'hold' } & Stop)
  /** Dry run: the stop is recorded with the requests that would have been sent (not sent). */
  | ({ kind: 'dry_run' } & Stop)
  | { kind: 'act' };

/** A gate's hold as the incident records it. */
export function stopFor(hold: Hold): Stop {
  return {
    state: HOLD_STATE[hold.kind],
    reason: hold.reason,
    hold: hold.kind === 'protected' ? undefined : hold.kind,
    event: { kind: hold.kind === 'protected' ? 'skipped_protected' : `held_${hold.kind}`, summary: hold.reason },
  };
}

/** Every gate that decides from the person and the settings: protection, mode off, campaign hold, severity, privileged. */
export function gateHold(
  user: AlertUser,
  facts: UserFacts,
  severity: Severity,
  policy: SafetyPolicy,
  approval?: Approval,
): Hold | undefined {
  return preflight(user, policy, approval) ?? afterInspection(facts, severity, policy, approval);
}

/**
 * Whether this containment takes a blast-radius slot: only a person about to be contained automatically
 * (the limit counts people; a held, approved or already counted incident takes none).
 */
export function takesSlot(hold: Hold | undefined, policy: SafetyPolicy, options: { approval?: Approval; counted: boolean }): boolean {
  return hold === undefined && options.approval === undefined && !options.counted && policy.mode === 'enforce';
}

/** Hold or act, once the gates have spoken and the slot (if one was needed) is known. */
export function decide(
  hold: Hold | undefined,
  policy: SafetyPolicy,
  slot: BlastRadiusSlot | Error | undefined,
  approval?: Approval,
): Decision {
  if (hold) return { kind: 'hold', ...stopFor(hold) };
  if (policy.mode === 'dry-run') {
    if (approval) {
      const reason =
        `approved by ${approval.approvedBy} in CONTAINMENT_MODE=dry-run: the decision is recorded and nothing was sent (a dry run never sends). ` +
        'To contain, set CONTAINMENT_MODE=enforce and send a new alert for this user';
      // Closed, so approving cannot loop: there is nothing an approval could send.
      return { kind: 'dry_run', state: 'closed', reason, hold: 'dry_run', event: { kind: 'dry_run_approved', summary: reason } };
    }
    const reason = 'CONTAINMENT_MODE=dry-run: the Graph requests were recorded, not sent';
    return { kind: 'dry_run', state: 'awaiting_approval', reason, hold: 'dry_run', event: { kind: 'dry_run', summary: reason } };
  }
  if (slot instanceof Error) {
    const reason = `blast-radius limiter unavailable (${slot.message}): held for a human rather than acting unchecked`;
    return {
      kind: 'hold',
      state: 'awaiting_approval',
      reason,
      hold: 'limiter_unavailable',
      event: { kind: 'blast_radius_unavailable', summary: reason },
    };
  }
  if (slot !== undefined && !slot.granted) {
    const reason = `blast-radius breaker tripped: ${slot.count} automatic containments since ${slot.window} (BLAST_RADIUS_MAX=${slot.max}); waiting for approval`;
    return {
      kind: 'hold',
      state: 'awaiting_approval',
      reason,
      hold: 'blast_radius',
      event: { kind: 'blast_radius_tripped', summary: reason, detail: { ...slot } },
    };
  }
  return { kind: 'act' };
}

/**
 * Why nothing may be sent for identifiers that resolve to no single person: two people (held: a human
 * must find out who was phished), nobody, or a directory that could not be read (so protection cannot
 * be verified; a transient failure invites a retry).
 */
export function unresolvedStop(resolution: Exclude<Resolution, { kind: 'person' }>): Stop {
  if (resolution.kind === 'mismatch') {
    const people = resolution.people.map(({ upn, objectId }) => ({ upn, objectId }));
    return {
      state: 'awaiting_approval',
      reason: resolution.reason,
      hold: 'identity_mismatch',
      event: { kind: 'held_identity_mismatch', summary: resolution.reason, detail: { people } },
    };
  }
  if (resolution.kind === 'nobody') {
    return { state: 'failed', reason: resolution.reason, event: { kind: 'verification_failed', summary: resolution.reason } };
  }
  const error = resolution.error;
  const graph = error instanceof UpstreamError ? error : undefined;
  const transient = graph?.transient ?? true;
  const reason = `could not verify the user before acting (Graph ${graph?.status ?? '-'} ${graph?.code ?? error.message}); nothing was sent`;
  const detail = { httpStatus: graph?.status, graphCode: graph?.code, requestId: graph?.requestId, transient };
  return { state: 'failed', reason, retryable: transient || undefined, event: { kind: 'verification_failed', summary: reason, detail } };
}

/** Held for severity, and a delivery at `severity` passes the gate: the hold is decided again. */
export function releasesSeverityHold(incident: Incident, severity: Severity, policy: SafetyPolicy): boolean {
  return incident.state === 'awaiting_approval' && incident.hold === 'severity' && passesSeverityGate(severity, policy);
}
