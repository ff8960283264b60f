// Containment verification: revocation can take minutes to bite (Graph: "a small delay of a few
// minutes"; CAE up to 15), and an account can be turned back on by someone else or by directory sync.
// Queued at T0 + 5, 15 and 60 minutes (VERIFY_AFTER_MINUTES) and run once more after eradication: is the
// account still disabled, were sessions revoked after the attacker's last sign-in, did the attacker sign
// in after T0? A broken containment is loud, names who re-enabled the account (directory audit), and is
// contained again through the same containment path and safety gates as an alert.
import { ulid } from 'ulid';
import type { NormalizedAlert } from '../alerts/types';
import { NotFoundError } from '../errors';
import type { SignInEvidence } from '../diagnosis/types';
import { containAlert, type Actor, type ContainDeps } from './contain';
import type { Incident, StoredIncident, TimelineEvent, VerificationRecord } from './incident';
import type { AccountDirectory, Clock, EvidenceReader, IncidentStore, Reenablement, VerifyMessage } from './ports';

export interface VerifyDeps {
  store: IncidentStore;
  reader: EvidenceReader;
  accounts: AccountDirectory;
  clock: Clock;
  /** The containment path a re-enabled account goes back through; absent: recorded, not re-contained. */
  contain?: ContainDeps;
}

/** States whose containment should still hold: before recovery hands the account back. */
const VERIFIED_STATES: ReadonlySet<Incident['state']> = new Set(['contained', 'diagnosed', 'eradicating', 'eradicated']);

export interface ContainmentCheck {
  record: VerificationRecord;
  reenablements: Reenablement[];
  attackerSignInsAfterT0: SignInEvidence[];
}

/** The attacker's IPs and user agents: the alert's, and the diagnosis window's. */
export function attackerIndicators(incident: Incident): { ips: Set<string>; userAgents: Set<string> } {
  const window = incident.diagnosis?.window;
  return {
    ips: new Set([...incident.ips, ...(window?.attackerIps ?? [])].map((ip) => ip.toLowerCase())),
    userAgents: new Set([...incident.userAgents, ...(window?.attackerUserAgents ?? [])]),
  };
}

export function fromAttacker(signIn: SignInEvidence, indicators: { ips: Set<string>; userAgents: Set<string> }): boolean {
  return (
    (signIn.ipAddress !== undefined && indicators.ips.has(signIn.ipAddress.toLowerCase())) ||
    (signIn.userAgent !== undefined && indicators.userAgents.has(signIn.userAgent))
  );
}

function userOf(incident: Incident) {
  return { id: incident.user.objectId?.toLowerCase(), upn: incident.user.upn?.toLowerCase() };
}

/** Reads the account, its re-enablements and the sign-ins since before the attack; decides nothing but the record. */
export async function checkContainment(incident: Incident, deps: VerifyDeps, afterMinutes: number): Promise<ContainmentCheck> {
  const t0 = incident.t0;
  if (t0 === undefined) throw new NotFoundError(`incident ${incident.id} has no T0: nothing to verify`);
  const now = deps.clock.now().toISOString();
  const since = incident.diagnosis?.window.start ?? new Date(Date.parse(t0) - 24 * 3_600_000).toISOString();
  const [account, signIns] = await Promise.all([deps.accounts.account(incident.userKey), deps.reader.signIns(userOf(incident), since)]);
  // A minute's slack: audit times carry whole seconds, T0 carries milliseconds.
  const auditSince = new Date(Date.parse(t0) - 60_000).toISOString();
  const reenablements = account.accountEnabled
    ? await deps.accounts.reenablements(account.id ?? incident.user.objectId ?? incident.userKey, auditSince)
    : [];
  const indicators = attackerIndicators(incident);
  const attacker = signIns.items.filter((s) => fromAttacker(s, indicators));
  const lastBeforeT0 = attacker
    .filter((s) => s.createdDateTime <= t0)
    .map((s) => s.createdDateTime)
    .sort()
    .at(-1);
  const afterT0 = attacker.filter((s) => s.createdDateTime > t0 && s.succeeded);
  const problems: string[] = [];
  if (account.accountEnabled) {
    const who = reenablements.at(-1);
    problems.push(who ? `account enabled again by ${who.by} at ${who.at}` : 'account enabled again (no directory audit names who)');
  }
  const validFrom = account.signInSessionsValidFromDateTime;
  if (lastBeforeT0 !== undefined && (validFrom === undefined || validFrom < lastBeforeT0.slice(0, 19))) {
    problems.push(
      `sessions valid from ${validFrom ?? 'unknown'}, before the attacker's last sign-in at ${lastBeforeT0}: revocation has not taken`,
    );
  }
  for (const signIn of afterT0.slice(0, 10)) {
    problems.push(
      `successful sign-in after T0 at ${signIn.createdDateTime} from ${signIn.ipAddress ?? 'unknown IP'}${signIn.userAgent ? ` (${signIn.userAgent.slice(0, 80)})` : ''}`,
    );
  }
  return {
    record: {
      at: now,
      afterMinutes,
      clean: problems.length === 0,
      accountEnabled: account.accountEnabled,
      sessionsValidFrom: validFrom,
      problems,
      signInsReadUntil: now,
    },
    reenablements,
    attackerSignInsAfterT0: afterT0,
  };
}

function event(deps: VerifyDeps, invocationId: string, kind: string, summary: string, detail?: Record<string, unknown>): TimelineEvent {
  return {
    id: ulid(),
    at: deps.clock.now().toISOString(),
    kind,
    actor: `aitm-contain (verify, invocation ${invocationId})`,
    summary,
    detail,
  };
}

export type VerifyOutcome = 'verified' | 'broken' | 'skipped';

/** One queued verification. Throws UpstreamError on a read failure, so the queue retries. */
export async function verifyContainment(
  message: VerifyMessage,
  deps: VerifyDeps,
  invocationId: string,
): Promise<{ outcome: VerifyOutcome; record?: VerificationRecord; recontained?: string }> {
  const stored = await deps.store.get(message.incidentId);
  if (!stored) throw new NotFoundError(`no incident ${message.incidentId} to verify`);
  if (!VERIFIED_STATES.has(stored.incident.state) || stored.incident.t0 === undefined) {
    await deps.store.appendEvents(stored.incident.id, [
      event(
        deps,
        invocationId,
        'verification_skipped',
        `Verification at T0 + ${message.afterMinutes} min skipped: the incident is ${stored.incident.state}`,
      ),
    ]);
    return { outcome: 'skipped' };
  }
  const check = await checkContainment(stored.incident, deps, message.afterMinutes);
  const recontained = check.record.clean ? undefined : await recontainIfReenabled(stored.incident, check, deps, invocationId);
  await recordVerification(stored, check, deps, invocationId, recontained);
  return { outcome: check.record.clean ? 'verified' : 'broken', record: check.record, recontained };
}

/**
 * An account turned back on goes through the containment path again, as a new alert for the same person
 * would: every safety gate applies (protected, privileged, blast radius, mode). The alert key names the
 * re-enablement, so repeated checks of the same one contain once.
 */
export async function recontainIfReenabled(
  incident: Incident,
  check: ContainmentCheck,
  deps: VerifyDeps,
  invocationId: string,
): Promise<string | undefined> {
  if (!deps.contain || check.record.accountEnabled !== true) return undefined;
  const who = check.reenablements.at(-1);
  const alert: NormalizedAlert = {
    source: incident.source,
    alertKey: `${incident.alertKey}#reenabled:${who?.auditId || who?.at || check.record.at}`.toLowerCase(),
    alertId: incident.alertId,
    severity: incident.severity,
    title: `Account re-enabled after containment (incident ${incident.id})${who ? ` by ${who.by}` : ''}`,
    detection: incident.detection,
    users: [incident.user],
    ips: incident.ips,
    userAgents: incident.userAgents,
    asns: [],
    raw: incident.alertRaw,
  };
  const actor: Actor = { invocationId, caller: 'aitm-contain (verify)' };
  const [result] = await containAlert(alert, deps.contain, actor);
  if (result?.ok) return result.incident.id;
  throw result ? result.error : new Error('re-containment returned no result');
}

async function recordVerification(
  stored: StoredIncident,
  check: ContainmentCheck,
  deps: VerifyDeps,
  invocationId: string,
  recontained?: string,
): Promise<void> {
  const { record } = check;
  const events: TimelineEvent[] = [];
  const detail = {
    afterMinutes: record.afterMinutes,
    accountEnabled: record.accountEnabled,
    sessionsValidFrom: record.sessionsValidFrom,
    problems: record.problems,
    reenabledBy: check.reenablements,
  };
  if (record.clean) {
    events.push(
      event(
        deps,
        invocationId,
        'containment_verified',
        `Containment verified at T0 + ${record.afterMinutes} min: account disabled, sessions revoked after the attacker's last sign-in, no attacker sign-in since T0`,
        detail,
      ),
    );
  } else {
    events.push(
      event(
        deps,
        invocationId,
        'containment_broken',
        `CONTAINMENT BROKEN at T0 + ${record.afterMinutes} min: ${record.problems.join('; ')}`.slice(0, 2_000),
        detail,
      ),
    );
    if (recontained)
      events.push(
        event(
          deps,
          invocationId,
          'recontained',
          `Contained again through the containment path and its safety gates: incident ${recontained}`,
          { incidentId: recontained },
        ),
      );
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = attempt === 0 ? stored : await deps.store.get(stored.incident.id);
    if (!current) return;
    const next: Incident = { ...current.incident, verification: record, updatedAt: record.at };
    if (await deps.store.update(next, current.etag, events)) return;
  }
  await deps.store.appendEvents(stored.incident.id, events);
}
