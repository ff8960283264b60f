// The safety snapshot: what the gates need about everyone, read from the directory ahead of time, so an
// alert for a person the snapshot clears goes straight to the writes. Pure: the snapshot is data, and
// consultSnapshot says what it proves about the identifiers an alert gives, or why it proves nothing
// (then the live reads run, as before the snapshot existed: fail safe, never fail open).
//
// Why absence proves something: every set is a complete listing that finished after `takenAt` (all
// pages read to the end; the users' delta round reached its deltaLink). So an object id missing from
// the protected members or the role holders was not protected nor privileged at `takenAt`, and a
// UPN and an object id that map to each other named the same person then. Anything the listings could
// miss (changes after `takenAt`) is bounded by SAFETY_SNAPSHOT_MAX_AGE_SECONDS.
import type { AlertUser } from '../alerts/types';
import { mismatchReason, type SafetyFacts } from './identity';

export interface SafetySnapshot {
  /** When the refresh that built it started: every listing finished after this. */
  takenAt: string;
  /** Every directory user as of `takenAt`: lower-cased object id -> lower-cased UPN. */
  upnById: ReadonlyMap<string, string>;
  /** The same pairs the other way round. */
  idByUpn: ReadonlyMap<string, string>;
  /** The PROTECTED_GROUP_IDS it was built for; another setting makes it prove nothing. */
  protectedGroupIds: readonly string[];
  /** Object id -> the protected groups the user is a transitive member of (only members are present). */
  protectedGroupsById: ReadonlyMap<string, readonly string[]>;
  /** Object id -> directory roles held: assigned directly, through a role-assignable group, or PIM-eligible when readable. */
  rolesById: ReadonlyMap<string, readonly string[]>;
  /** Whether PIM-eligible assignments could be read (roleEligibilityScheduleInstances); the live reads never see them. */
  eligibleRolesRead: boolean;
}

export interface SnapshotState {
  snapshot?: SafetySnapshot;
  /** Why the last refresh failed; a snapshot that could not be refreshed proves nothing. */
  failure?: string;
}

/** What the incident records about the path its safety facts came from. */
export interface SafetyPath {
  path: 'snapshot' | 'live';
  /** Age of the snapshot at the decision, when there was one. */
  snapshotAgeSeconds?: number;
  /** Why the live reads ran. */
  why?: string;
}

export type SnapshotVerdict =
  /** Cleared or not, the snapshot knows who this is and what the gates need to decide. */
  | { kind: 'person'; person: { objectId: string; upn: string }; safety: SafetyFacts; path: SafetyPath }
  /** The identifiers name two people in the snapshot: held, nothing written. */
  | { kind: 'mismatch'; reason: string; people: Array<{ objectId: string; upn: string }>; path: SafetyPath }
  | { kind: 'live'; path: SafetyPath };

function sameGroups(a: readonly string[], b: readonly string[]): boolean {
  const left = [...new Set(a.map((id) => id.toLowerCase()))].sort();
  const right = [...new Set(b.map((id) => id.toLowerCase()))].sort();
  return left.length === right.length && left.every((id, index) => id === right[index]);
}

export function consultSnapshot(
  given: AlertUser,
  state: SnapshotState,
  protectedGroupIds: readonly string[],
  now: Date,
  maxAgeSeconds: number,
): SnapshotVerdict {
  const snapshot = state.snapshot;
  if (snapshot === undefined) return { kind: 'live', path: { path: 'live', why: 'no safety snapshot yet' } };
  const ageSeconds = Math.max(0, Math.floor((now.getTime() - Date.parse(snapshot.takenAt)) / 1000));
  const live = (why: string): SnapshotVerdict => ({ kind: 'live', path: { path: 'live', snapshotAgeSeconds: ageSeconds, why } });
  if (state.failure !== undefined) return live(`the last safety snapshot refresh failed (${state.failure})`);
  if (ageSeconds > maxAgeSeconds)
    return live(`the safety snapshot is ${ageSeconds} s old (SAFETY_SNAPSHOT_MAX_AGE_SECONDS=${maxAgeSeconds})`);
  if (!sameGroups(snapshot.protectedGroupIds, protectedGroupIds))
    return live('the safety snapshot was built for other PROTECTED_GROUP_IDS');
  const upn = given.upn?.toLowerCase();
  const objectId = given.objectId?.toLowerCase();
  const idOfUpn = upn === undefined ? undefined : snapshot.idByUpn.get(upn);
  const upnOfId = objectId === undefined ? undefined : snapshot.upnById.get(objectId);
  // An identifier the snapshot does not map (a user created or renamed since, a sign-in id in
  // AadUserId) is left to the live reads, which know how to tell "nobody" from "someone new".
  if (upn !== undefined && idOfUpn === undefined) return live(`the safety snapshot maps no user to the UPN ${given.upn}`);
  if (objectId !== undefined && upnOfId === undefined) return live(`the safety snapshot maps no user to the object id ${given.objectId}`);
  const path: SafetyPath = { path: 'snapshot', snapshotAgeSeconds: ageSeconds };
  if (upn !== undefined && objectId !== undefined && idOfUpn !== objectId) {
    const byUpn = { objectId: idOfUpn ?? '', upn };
    const byObjectId = { objectId, upn: upnOfId ?? '' };
    const asOf = ` (safety snapshot of ${snapshot.takenAt})`;
    return { kind: 'mismatch', reason: mismatchReason(given, byUpn, byObjectId, asOf), people: [byUpn, byObjectId], path };
  }
  const id = objectId ?? idOfUpn ?? '';
  const safety: SafetyFacts = {
    protectedGroupIds: [...(snapshot.protectedGroupsById.get(id) ?? [])],
    directoryRoles: [...(snapshot.rolesById.get(id) ?? [])],
  };
  return { kind: 'person', person: { objectId: id, upn: snapshot.upnById.get(id) ?? '' }, safety, path };
}
