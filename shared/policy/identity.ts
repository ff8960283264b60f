// Who an alert means. The directory's answer for each identifier the alert gave (UPN, object id) is
// reduced to one person, or to the reason nobody may be touched: identifiers that name two different
// people are never guessed between. Pure: the UserDirectory port does the reads.
import type { AlertUser } from '../alerts/types';

/** A directory user as the containment path needs them; identifiers lower-cased. */
export interface DirectoryUser {
  objectId: string;
  upn: string;
  accountEnabled: boolean;
  onPremisesSyncEnabled: boolean;
}

/** The safety reads about one person. */
export interface SafetyFacts {
  /** Which of the protected groups the user is a (transitive) member of. */
  protectedGroupIds: string[];
  /** Display names of the Entra directory roles the user holds. */
  directoryRoles: string[];
}

/** What the directory answered, read in one round trip. `null`: the directory has nobody by that identifier (404). */
export interface UserLookup {
  /** Present when the alert gave a UPN. */
  byUpn?: DirectoryUser | null;
  /** Present when the alert gave an object id. */
  byObjectId?: DirectoryUser | null;
  /** The identifier the safety reads went by, and what they found (`null`: it names nobody). */
  safetyVia: 'upn' | 'objectId';
  safety: SafetyFacts | null;
}

export type Identity =
  /** `safety` is absent when the safety reads went by an identifier that names someone else or nobody. */
  | { kind: 'person'; person: DirectoryUser; safety?: SafetyFacts; discrepancy?: string }
  | { kind: 'mismatch'; reason: string; people: Array<Pick<DirectoryUser, 'objectId' | 'upn'>> }
  | { kind: 'nobody'; reason: string };

function describe(user: Pick<DirectoryUser, 'objectId' | 'upn'>): string {
  return `${user.upn} (object id ${user.objectId})`;
}

type Named = Pick<DirectoryUser, 'objectId' | 'upn'>;

/** Why identifiers naming two people stop containment: said the same way whichever reads found it. */
export function mismatchReason(given: AlertUser, byUpn: Named, byObjectId: Named, asOf = ''): string {
  return (
    `identity mismatch: the alert's UPN ${given.upn} is ${describe(byUpn)} but its object id ${given.objectId} is ${describe(byObjectId)}${asOf}; ` +
    'nothing was sent. An approval cannot choose between two people: reject this incident and send an alert naming the right person'
  );
}

/**
 * The identity rules (README, Safety): both identifiers name the same person -> that person; they name
 * two people -> mismatch, nothing is written; one names nobody and the other a person -> that person,
 * with the discrepancy recorded; none names anybody -> nobody.
 */
export function resolveIdentity(given: AlertUser, lookup: UserLookup): Identity {
  const byUpn = lookup.byUpn ?? undefined;
  const byObjectId = lookup.byObjectId ?? undefined;
  if (byUpn && byObjectId && byUpn.objectId !== byObjectId.objectId) {
    return {
      kind: 'mismatch',
      people: [byUpn, byObjectId],
      reason: mismatchReason(given, byUpn, byObjectId),
    };
  }
  const person = byUpn ?? byObjectId;
  if (!person) {
    const names = [given.upn && `UPN ${given.upn}`, given.objectId && `object id ${given.objectId}`].filter(Boolean).join(' or ');
    return { kind: 'nobody', reason: `the directory has no user by ${names}; nothing was sent` };
  }
  let discrepancy: string | undefined;
  if (given.objectId !== undefined && lookup.byObjectId === null) {
    discrepancy = `the alert's object id ${given.objectId} names nobody in the directory (some Sentinel rules map a sign-in id into AadUserId); the UPN names ${describe(person)}, who is the one contained`;
  } else if (given.upn !== undefined && lookup.byUpn === null) {
    discrepancy = `the alert's UPN ${given.upn} names nobody in the directory (renamed?); the object id names ${describe(person)}, who is the one contained`;
  }
  const via = lookup.safetyVia === 'upn' ? byUpn : byObjectId;
  const safety = via?.objectId === person.objectId && lookup.safety !== null ? lookup.safety : undefined;
  return { kind: 'person', person, safety, discrepancy };
}
