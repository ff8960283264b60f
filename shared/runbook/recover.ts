// Phase 5, Recovery (runbook 3.5, 3.6, 5.1): give the account back only when eradication is verified
// (T1), the latest containment check is clean, no attacker sign-in came after it, and the account is
// neither hybrid (the next sync would undo a cloud change) nor protected. The credential (a one-time
// Temporary Access Pass by default, or a generated password) is returned once, to the approver, and
// never stored, logged or queued: the runbook says hand it over by phone, not email.
import { randomInt } from 'node:crypto';
import { ulid } from 'ulid';
import { isListedProtected } from '../policy/containment-policy';
import { BusyError, ConflictError, NotFoundError, ValidationError } from '../errors';
import type { Actor } from './contain';
import type { Incident, RecoveryRecord, StoredIncident, TimelineEvent } from './incident';
import type { AccountDirectory, Clock, EvidenceReader, IncidentStore, RecoveryActions, UserDirectory } from './ports';
import { attackerIndicators, fromAttacker } from './verify';
import type { WriteBackHook } from './write-back';

export interface RecoverDeps {
  store: IncidentStore;
  directory: UserDirectory;
  accounts: AccountDirectory;
  reader: EvidenceReader;
  recovery: RecoveryActions;
  clock: Clock;
  protectedAccounts: ReadonlySet<string>;
  protectedGroupIds: readonly string[];
  tapMinutes: number;
  /** WRITE_BACK: the T3 comment is queued once recovery is recorded; absent when write-back is off. */
  writeBack?: WriteBackHook;
}

export type CredentialKind = 'tap' | 'password';

/** What the approver gets once. `value` exists only in this object and the HTTP response made from it. */
export interface IssuedCredential {
  type: CredentialKind;
  value: string;
  expiresAt?: string;
  lifetimeMinutes?: number;
  oneTime: boolean;
}

export interface RecoveryResult {
  incident: Incident;
  credential: IssuedCredential;
  /** Runbook 5.3: who the attacker mailed, to contact out of band. */
  recipients: { internal: string[]; external: string[] };
}

function event(deps: { clock: Clock }, actor: string, kind: string, summary: string, extra: Partial<TimelineEvent> = {}): TimelineEvent {
  return { id: ulid(), at: deps.clock.now().toISOString(), kind, actor, summary, ...extra };
}

async function load(store: IncidentStore, id: string): Promise<StoredIncident> {
  const stored = await store.get(id);
  if (!stored) throw new NotFoundError(`no incident "${id}"`);
  return stored;
}

/** Each refusal names what is missing, and is on the timeline for whoever reads the incident next. */
async function refuse(deps: RecoverDeps, incident: Incident, actor: Actor, why: string): Promise<never> {
  await deps.store.appendEvents(incident.id, [event(deps, actor.caller, 'recovery_refused', `Recovery refused: ${why}`)]);
  throw new ConflictError(`recovery refused: ${why}`);
}

export async function recoverIncident(deps: RecoverDeps, id: string, actor: Actor, credential: CredentialKind): Promise<RecoveryResult> {
  const stored = await load(deps.store, id);
  const incident = stored.incident;
  // Permanent reasons first: no amount of waiting makes a hybrid or protected account ours to recover.
  const userKey = incident.userKey;
  const account = await deps.accounts.account(userKey);
  const objectId = account.id ?? incident.user.objectId?.toLowerCase() ?? userKey;
  const facts = await deps.directory.safetyFacts(objectId, deps.protectedGroupIds);
  if (account.onPremisesSyncEnabled || incident.requiresOnPremDisable) {
    return refuse(
      deps,
      incident,
      actor,
      'hybrid user (synced from on-premises AD): reset the password and re-enable the account on-premises; the next directory sync would undo a cloud change',
    );
  }
  if (
    isListedProtected({ upn: incident.user.upn, objectId }, deps.protectedAccounts) ||
    isListedProtected(incident.user, deps.protectedAccounts) ||
    facts.protectedGroupIds.length > 0
  ) {
    return refuse(
      deps,
      incident,
      actor,
      'the account is protected (PROTECTED_ACCOUNTS or a protected group): this automation does not touch it',
    );
  }
  if (incident.state !== 'eradicated' || incident.t1 === undefined) {
    return refuse(deps, incident, actor, `incident is ${incident.state}: eradication must be verified first (T1)`);
  }
  const verification = incident.verification;
  if (!verification?.clean) {
    return refuse(
      deps,
      incident,
      actor,
      verification
        ? `the latest containment verification (${verification.at}) found problems: ${verification.problems.join('; ')}`
        : 'no containment verification has run yet',
    );
  }
  const signIns = await deps.reader.signIns(
    { id: incident.user.objectId?.toLowerCase(), upn: incident.user.upn?.toLowerCase() },
    verification.signInsReadUntil,
  );
  const indicators = attackerIndicators(incident);
  const knocking = signIns.items.filter(
    (s) => s.createdDateTime >= verification.signInsReadUntil.slice(0, 19) && fromAttacker(s, indicators),
  );
  if (knocking.length > 0) {
    const first = knocking[knocking.length - 1];
    return refuse(
      deps,
      incident,
      actor,
      `a sign-in from the attacker (${first.ipAddress ?? first.userAgent ?? 'indicator'}) at ${first.createdDateTime} came after the last verification; verify again before re-enabling`,
    );
  }

  // Runbook 3.5 before 3.6: the new credential first, then the account back on.
  const issued = await issueCredential(deps, userKey, credential);
  const enable = await deps.recovery.enableAccount(userKey);
  const at = deps.clock.now().toISOString();
  const record: RecoveryRecord = {
    at,
    by: actor.caller,
    credential,
    expiresAt: issued.expiresAt,
    lifetimeMinutes: issued.lifetimeMinutes,
    enabledAt: at,
  };
  const what =
    credential === 'tap'
      ? `one-time Temporary Access Pass (${issued.lifetimeMinutes} min, until ${issued.expiresAt ?? 'unknown'})`
      : 'new password (must be changed at next sign-in)';
  const events = [
    event(
      deps,
      actor.caller,
      'credential_issued',
      `${what} issued and shown once to ${actor.caller}; never stored: give it to the user by phone, not email`,
      { detail: { credential, httpStatus: issued.httpStatus, requestId: issued.requestId } },
    ),
    event(deps, actor.caller, 'account_enabled', `Account re-enabled: PATCH accountEnabled=true -> Graph ${enable.status}`, {
      detail: { httpStatus: enable.status, requestId: enable.requestId },
    }),
    event(deps, actor.caller, 'recovered', `Recovered by ${actor.caller}: credential issued, account enabled`, { mark: 'T3' }),
  ];
  const next: Incident = { ...incident, state: 'recovered', t3: at, recovery: record, reason: undefined, updatedAt: at };
  const saved = (await deps.store.update(next, stored.etag, events))?.incident ?? (await retrySave(deps, id, next, events));
  await deps.writeBack?.marked(saved, 'T3');
  return {
    incident: saved,
    credential: {
      type: credential,
      value: issued.value,
      expiresAt: issued.expiresAt,
      lifetimeMinutes: issued.lifetimeMinutes,
      oneTime: true,
    },
    recipients: incident.diagnosis?.recipients ?? { internal: [], external: [] },
  };
}

async function retrySave(deps: RecoverDeps, id: string, next: Incident, events: TimelineEvent[]): Promise<Incident> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await load(deps.store, id);
    const merged: Incident = {
      ...current.incident,
      state: next.state,
      t3: next.t3,
      recovery: next.recovery,
      reason: undefined,
      updatedAt: next.updatedAt,
    };
    const saved = await deps.store.update(merged, current.etag, events);
    if (saved) return saved.incident;
  }
  throw new ConflictError(`incident ${id} kept changing while recovery recorded; the account is enabled and the credential was issued`);
}

async function issueCredential(deps: RecoverDeps, userKey: string, kind: CredentialKind) {
  if (kind === 'tap') {
    const tap = await deps.recovery.issueTemporaryAccessPass(userKey, deps.tapMinutes);
    return {
      value: tap.pass,
      expiresAt: tap.expiresAt,
      lifetimeMinutes: deps.tapMinutes,
      httpStatus: tap.receipt.status,
      requestId: tap.receipt.requestId,
    };
  }
  const password = generatePassword();
  const receipt = await deps.recovery.resetPassword(userKey, password);
  return { value: password, expiresAt: undefined, lifetimeMinutes: undefined, httpStatus: receipt.status, requestId: receipt.requestId };
}

const CLASSES = ['ABCDEFGHJKLMNPQRSTUVWXYZ', 'abcdefghijkmnpqrstuvwxyz', '23456789', '!#$%&*+-=?@^_~'] as const;

/**
 * A CSPRNG password meeting Entra's rule (8-256 characters from at least three of four classes): 20
 * characters with every class present, look-alike characters left out since it is read over the phone.
 */
export function generatePassword(length = 20): string {
  const all = CLASSES.join('');
  const chars = CLASSES.map((set) => set[randomInt(set.length)]);
  while (chars.length < length) chars.push(all[randomInt(all.length)]);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j], chars[i]];
  }
  return chars.join('');
}

export const NOTIFY_CHANNELS = ['phone', 'in_person', 'video_call', 'sms'] as const;
export type NotifyChannel = (typeof NOTIFY_CHANNELS)[number];

/** Runbook 5.1, T2: the user was told, out of band. Email is refused: it may still be forwarded. */
export async function recordNotified(
  store: IncidentStore,
  clock: Clock,
  id: string,
  actor: Actor,
  channel: string,
  comment?: string,
): Promise<Incident> {
  if (!(NOTIFY_CHANNELS as readonly string[]).includes(channel)) {
    throw new ValidationError(
      `channel must be one of ${NOTIFY_CHANNELS.join(', ')}${channel === 'email' ? ': not email, which may still be forwarded to the attacker' : ''}`,
      422,
      { field: 'channel' },
    );
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    const stored = await load(store, id);
    const incident = stored.incident;
    if (incident.t0 === undefined || incident.state === 'closed')
      throw new ConflictError(
        `incident ${id} is ${incident.state}${incident.t0 ? '' : ' and was never contained'}: nothing to notify about`,
      );
    const at = clock.now().toISOString();
    const saved = await store.update({ ...incident, t2: at, updatedAt: at }, stored.etag, [
      event(
        { clock },
        actor.caller,
        'user_notified',
        `User notified by ${channel} (recorded by ${actor.caller})${comment ? `: ${comment}` : ''}`,
        { mark: 'T2', detail: { channel } },
      ),
    ]);
    if (saved) return saved.incident;
  }
  throw new BusyError(`incident ${id} kept changing; try again`, 5);
}

/** Ends the incident: a human's decision, recorded with who and why. */
export async function closeIncident(store: IncidentStore, clock: Clock, id: string, actor: Actor, comment?: string): Promise<Incident> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const stored = await load(store, id);
    const incident = stored.incident;
    if (incident.state === 'closed') return incident;
    if (incident.state === 'containing' || incident.state === 'eradicating') {
      throw new ConflictError(`incident ${id} is ${incident.state}: wait for it to settle before closing`);
    }
    const at = clock.now().toISOString();
    const open = incident.state === 'recovered' ? '' : ` before recovery (state was ${incident.state})`;
    const saved = await store.update(
      { ...incident, state: 'closed', reason: `closed by ${actor.caller}${comment ? `: ${comment}` : ''}`, updatedAt: at },
      stored.etag,
      [event({ clock }, actor.caller, 'closed', `Closed by ${actor.caller}${open}${comment ? `: ${comment}` : ''}`)],
    );
    if (saved) return saved.incident;
  }
  throw new BusyError(`incident ${id} kept changing; try again`, 5);
}
