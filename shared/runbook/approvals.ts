// Human decisions on held incidents: approve runs the containment path past the gates that wait for a
// human; reject closes the incident. Both are recorded with who decided and when. An approval never
// picks a person (an identity mismatch is refused: reject it and alert on the right person), and an
// approval in CONTAINMENT_MODE=dry-run records the decision, sends nothing and closes the incident.
import { ulid } from 'ulid';
import { ConflictError, NotFoundError } from '../errors';
import { approveHeldIncident, recordDecision, type Actor, type ContainDeps, type UserContainmentResult } from './contain';
import type { Incident, StoredIncident } from './incident';

export interface Decision {
  /** Free text from the approver, kept on the timeline. */
  comment?: string;
}

async function heldIncident(deps: ContainDeps, id: string, verb: string): Promise<StoredIncident> {
  const stored = await deps.store.get(id);
  if (!stored) throw new NotFoundError(`no incident "${id}"`);
  if (stored.incident.state === 'closed' && stored.incident.hold === 'dry_run') {
    throw new ConflictError(
      `incident ${id} was already decided in CONTAINMENT_MODE=dry-run and is closed; a dry run sends nothing, so there is nothing left to ${verb === 'approved' ? 'approve' : 'reject'}`,
    );
  }
  if (stored.incident.state !== 'awaiting_approval') {
    throw new ConflictError(`incident ${id} is ${stored.incident.state}; only an incident awaiting approval can be ${verb}`);
  }
  return stored;
}

export async function approveIncident(
  deps: ContainDeps,
  id: string,
  actor: Actor,
  decision: Decision = {},
): Promise<UserContainmentResult> {
  const stored = await heldIncident(deps, id, 'approved');
  if (stored.incident.hold === 'identity_mismatch') {
    throw new ConflictError(`incident ${id} cannot be approved: ${stored.incident.reason ?? 'the alert names two different people'}`);
  }
  return approveHeldIncident(stored, deps, actor, decision.comment);
}

export async function rejectIncident(deps: ContainDeps, id: string, actor: Actor, decision: Decision = {}): Promise<Incident> {
  const stored = await heldIncident(deps, id, 'rejected');
  const at = deps.clock.now().toISOString();
  const decided = recordDecision(
    deps.store,
    stored,
    (held) => ({
      ...held,
      state: 'closed',
      reason: `rejected by ${actor.caller}${decision.comment ? `: ${decision.comment}` : ''}`,
      updatedAt: at,
    }),
    'rejected',
  );
  const updated = await decided.write([
    {
      id: ulid(),
      at,
      kind: 'rejected',
      actor: actor.caller,
      summary: `Rejected by ${actor.caller}${decision.comment ? `: ${decision.comment}` : ''}; nothing was sent`,
    },
  ]);
  return updated.incident;
}
