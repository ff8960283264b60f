// Phase 2, Diagnosis (runbook 2.1-2.5, and 5.3's "what did the attacker send"): reads every evidence
// source independently and in parallel, judges the pack (shared/diagnosis), and records the findings in
// the incident's partition with a summary on the incident, before anything is removed.
//
// Failure is partial, never silent: a source refused for good (403, no mailbox) is recorded as
// unavailable and the rest lands; a transient failure is recorded too, then the run throws so the queue
// retries the whole diagnosis (idempotent: findings are upserted by provider id). The mailbox audit is an
// asynchronous Purview query: polled for a while, then looked at again later through a delayed message.
import { ulid } from 'ulid';
import { BusyError, NotFoundError, toError, UpstreamError } from '../errors';
import { minutesBetween, plural } from '../diagnosis/describe';
import { judgePack, type Pack } from '../diagnosis/judge';
import { deviceRegistrations } from '../diagnosis/judge-directory';
import { failedOutcome, MAIL_READ_PERMISSION, refusal } from '../diagnosis/sources';
import { summarize } from '../diagnosis/summary';
import { SOURCE_NAMES, type DiagnosedUser, type Evidence, type SourceName, type SourceOutcome } from '../diagnosis/types';
import { internalDomainsFor } from '../diagnosis/verdicts';
import { attackerWindow } from '../diagnosis/window';
import type { DiagnosisRecord, Incident, StoredIncident, TimelineEvent } from './incident';
import type {
  Clock,
  EvidenceReader,
  FindingStore,
  FollowUpMessage,
  FollowUpQueues,
  Gathered,
  IncidentStore,
  MailboxAuditQuery,
} from './ports';

export interface DiagnoseSettings {
  hostingAsns: readonly number[];
  /** Internal domains besides the user's own UPN domain (INTERNAL_DOMAINS). */
  internalDomains: readonly string[];
}

export interface DiagnoseTiming {
  /** How far back the activity logs (sign-ins, mailbox audit) are read: runbook 2.1/2.2 say 24 h. */
  lookbackHours: number;
  /** How far back the directory audit is read to date grants and methods (Entra keeps 7 days on free tenants). */
  auditLookbackDays: number;
  /** Waits between polls of the mailbox audit query within one run; the last repeats. */
  auditPollMs: readonly number[];
  /** How long one run waits for the query before it defers. */
  auditWaitMs: number;
  /** When a deferred run looks again. */
  deferSeconds: number;
  /** After this many deferrals the mailbox audit is given up for this pack (the query id is kept). */
  maxDeferrals: number;
  /** How long recording waits for a containment still in progress to settle. */
  settleWaitMs: number;
  settlePollMs: number;
}

export const DEFAULT_DIAGNOSE_TIMING: DiagnoseTiming = {
  lookbackHours: 24,
  auditLookbackDays: 7,
  auditPollMs: [0, 1_000, 2_000, 4_000, 8_000, 15_000],
  auditWaitMs: 60_000,
  deferSeconds: 120,
  maxDeferrals: 15,
  settleWaitMs: 15_000,
  settlePollMs: 250,
};

export interface DiagnoseDeps {
  reader: EvidenceReader;
  store: IncidentStore;
  findings: FindingStore;
  queues: FollowUpQueues;
  clock: Clock;
  settings: DiagnoseSettings;
  timing?: DiagnoseTiming;
  sleep?: (ms: number) => Promise<void>;
  /** Called once when a run makes the incident `diagnosed` (AUTO_ERADICATE hooks in here). */
  afterDiagnosed?: (incident: Incident, invocationId: string) => Promise<void>;
}

/** complete: the pack is whole. deferred: the mailbox audit is still running, a delayed run looks again. held: mode off. */
export type DiagnoseOutcome = 'complete' | 'deferred' | 'held';

export interface DiagnoseResult {
  outcome: DiagnoseOutcome;
  incidentId: string;
  state: Incident['state'];
  record?: DiagnosisRecord;
  findings: number;
  timings: Record<string, number>;
}

/** Thrown after recording what landed, so the queue retries the diagnosis (a source failed transiently). */
export class DiagnosisRetryError extends Error {
  override readonly name = 'DiagnosisRetryError';
  constructor(readonly sources: SourceName[]) {
    super(`diagnosis incomplete, retrying: ${sources.join(', ')} failed transiently`);
  }
}

const MAX_FOLDER_LOOKUPS = 20;
const MAX_MESSAGE_LOOKUPS = 50;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SETTLED_QUERY = new Set(['succeeded', 'failed', 'cancelled']);

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** What we know of the user before asking the directory: enough for most sources. */
function userHint(incident: Incident, message: FollowUpMessage): DiagnosedUser {
  const key = incident.userKey || message.userKey;
  const id = incident.user.objectId ?? (GUID.test(key) ? key : undefined);
  const upn = incident.user.upn ?? message.upn ?? (GUID.test(key) ? undefined : key);
  return { id: id?.toLowerCase(), upn: upn?.toLowerCase() };
}

type Result<T> = { ok: true; value: T } | { ok: false; error: Error };

function settle<T>(promise: Promise<T>): Promise<Result<T>> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error: toError(error) }),
  );
}

export async function diagnoseIncident(message: FollowUpMessage, deps: DiagnoseDeps, invocationId: string): Promise<DiagnoseResult> {
  return new Diagnosis(message, deps, invocationId).run();
}

class Diagnosis {
  private readonly timing: DiagnoseTiming;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly timings: Record<string, number> = {};
  private readonly outcomes: Partial<Record<SourceName, SourceOutcome>> = {};
  private readonly evidence: Evidence = {};
  private readonly unavailable: Partial<Record<SourceName | 'folderNames' | 'sentMessages', string>> = {};
  private auditQuery?: DiagnosisRecord['mailboxAuditQuery'];
  private auditPending = false;

  constructor(
    private readonly message: FollowUpMessage,
    private readonly deps: DiagnoseDeps,
    private readonly invocationId: string,
  ) {
    this.timing = deps.timing ?? DEFAULT_DIAGNOSE_TIMING;
    this.sleep = deps.sleep ?? defaultSleep;
  }

  private async timed<T>(step: string, work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.timings[step] = Math.round(performance.now() - started);
    }
  }

  async run(): Promise<DiagnoseResult> {
    const started = performance.now();
    const stored = await this.deps.store.get(this.message.incidentId);
    if (!stored) throw new NotFoundError(`no incident ${this.message.incidentId} to diagnose`);
    const incident = stored.incident;
    if (incident.mode === 'off') {
      // CONTAINMENT_MODE=off stands the automation down: it reads nothing until a human acts.
      await this.deps.store.appendEvents(incident.id, [
        this.event('diagnosis_held', 'Diagnosis held: CONTAINMENT_MODE=off reads nothing; run it after a human approves'),
      ]);
      return { outcome: 'held', incidentId: incident.id, state: incident.state, findings: 0, timings: this.timings };
    }
    const nowMs = this.deps.clock.now().getTime();
    const now = iso(nowMs);
    const t0 = incident.t0 ?? this.message.t0;
    const lookbackStart = iso(nowMs - this.timing.lookbackHours * 3_600_000);
    const auditSince = iso(nowMs - this.timing.auditLookbackDays * 86_400_000);
    const hint = userHint(incident, this.message);
    const lookup = settle(this.timed('user', () => this.deps.reader.user(incident.userKey || this.message.userKey)));
    const userWith = async (need: 'id' | 'upn'): Promise<DiagnosedUser> => {
      if (hint[need] !== undefined) return hint;
      const found = await lookup;
      return found.ok ? { ...hint, ...withoutUndefined(found.value) } : hint;
    };
    const alertIps = [...new Set([...incident.ips, ...this.message.ips].map((ip) => ip.toLowerCase()))];
    const alertUserAgents = [...new Set([...incident.userAgents, ...this.message.userAgents])];

    const signIns = this.read(
      'signIns',
      'sign-in logs',
      () => this.deps.reader.signIns(hint, lookbackStart),
      (items) => (this.evidence.signIns = items),
    );
    const mailboxAudit = this.mailboxAudit(incident, userWith, lookbackStart, now);
    const windowFor = async () => {
      await signIns;
      return attackerWindow({
        signIns: this.evidence.signIns,
        alertIps,
        alertUserAgents,
        hostingAsns: this.deps.settings.hostingAsns,
        t0,
        now,
      });
    };
    await Promise.all([
      signIns,
      mailboxAudit.then(() => this.sentMessages(userWith, windowFor, t0)),
      this.read(
        'directoryAudits',
        'Graph v1.0 GET /auditLogs/directoryAudits',
        async () => this.deps.reader.directoryAudits(await userWith('id'), auditSince),
        (items) => {
          this.evidence.directoryAudits = items;
        },
      ).then(() => this.devices(userWith)),
      this.read(
        'inboxRules',
        'Graph v1.0 GET /users/{id}/mailFolders/inbox/messageRules',
        () => this.deps.reader.inboxRules(hint),
        (items) => (this.evidence.inboxRules = items),
      ).then(() => this.folderNames(hint)),
      this.read(
        'oauthGrants',
        'Graph v1.0 GET /users/{id}/oauth2PermissionGrants',
        () => this.deps.reader.oauthGrants(hint),
        (items) => (this.evidence.oauthGrants = items),
      ),
      this.read(
        'appRoleAssignments',
        'Graph v1.0 GET /users/{id}/appRoleAssignments',
        () => this.deps.reader.appRoleAssignments(hint),
        (items) => {
          this.evidence.appRoleAssignments = items;
        },
      ),
      this.read(
        'authenticationMethods',
        'Graph v1.0 GET /users/{id}/authentication/methods',
        () => this.deps.reader.authenticationMethods(hint),
        (items) => {
          this.evidence.authenticationMethods = items;
        },
      ),
    ]);
    const found = await lookup;
    const user: DiagnosedUser = found.ok ? { ...hint, ...withoutUndefined(found.value) } : hint;
    this.timings.gather = Math.round(performance.now() - started);

    const pack = judgePack({
      user,
      t0,
      now,
      lookbackStart,
      auditLookbackStart: auditSince,
      alertIps,
      alertUserAgents,
      hostingAsns: this.deps.settings.hostingAsns,
      internalDomains: internalDomainsFor(user, this.deps.settings.internalDomains),
      evidence: this.evidence,
      unavailable: this.unavailable,
    });
    const who = user.displayName ?? user.upn ?? user.id ?? 'the user';
    const summary = summarize(who, pack, this.outcomes).slice(0, 4_000);

    const transient = SOURCE_NAMES.filter((name) => this.outcomes[name]?.status === 'failed' && this.outcomes[name]?.transient === true);
    const complete = transient.length === 0 && !this.auditPending;
    const record: DiagnosisRecord = {
      status: complete ? 'complete' : 'in_progress',
      runs: (incident.diagnosis?.runs ?? 0) + 1,
      startedAt: incident.diagnosis?.startedAt ?? now,
      updatedAt: now,
      completedAt: complete ? now : undefined,
      asOf: now,
      lookbackStart,
      window: {
        start: pack.window.start,
        end: pack.window.end,
        endsAt: pack.window.endsAt,
        anchor: pack.window.anchor,
        attackerIps: pack.window.attackerIps.slice(0, 50),
        attackerUserAgents: pack.window.attackerUserAgents.slice(0, 10).map((ua) => ua.slice(0, 512)),
        knownIps: pack.window.knownIps.slice(0, 50),
        notes: pack.window.notes.slice(0, 10),
      },
      // In the runbook's order, whatever order the reads finished in.
      sources: Object.fromEntries(SOURCE_NAMES.flatMap((name) => (this.outcomes[name] ? [[name, this.outcomes[name]]] : []))),
      counts: pack.stats.total,
      containmentHeld: pack.stats.containmentHeld,
      recipients: { internal: pack.stats.recipients.internal.slice(0, 100), external: pack.stats.recipients.external.slice(0, 100) },
      summary,
      mailboxAuditQuery: this.auditQuery,
    };

    await this.timed('recordFindings', () => this.deps.findings.upsertFindings(incident.id, pack.findings, now));
    const recorded = await this.timed('recordIncident', () => this.record(stored, record, pack, transient));
    if (recorded.incident.state === 'diagnosed' && stored.incident.state !== 'diagnosed')
      await this.deps.afterDiagnosed?.(recorded.incident, this.invocationId);
    this.timings.total = Math.round(performance.now() - started);
    if (transient.length > 0) throw new DiagnosisRetryError(transient);
    if (this.auditPending && this.auditQuery) {
      await this.deps.queues.enqueue('diagnose', this.message, { delaySeconds: this.timing.deferSeconds });
    }
    // Hunt pass 2: the pack's pivots (attacker window, rule addresses, apps, phone numbers) are new IOCs.
    if (complete) await this.deps.queues.enqueue('hunt', this.message);
    return {
      outcome: this.auditPending ? 'deferred' : 'complete',
      incidentId: incident.id,
      state: recorded.incident.state,
      record,
      findings: pack.findings.length,
      timings: this.timings,
    };
  }

  /** Reads one source; a failure becomes its recorded outcome instead of stopping the others. */
  private async read<T>(source: SourceName, via: string, work: () => Promise<Gathered<T>>, keep: (items: T[]) => void): Promise<boolean> {
    return this.timed(source, async () => {
      try {
        const gathered = await work();
        keep(gathered.items);
        this.outcomes[source] = {
          status: gathered.truncated ? 'truncated' : 'complete',
          via: gathered.via,
          items: gathered.items.length,
          detail: gathered.truncated ? `truncated: read ${plural(gathered.items.length, 'item')}, the rest was not read` : undefined,
          notes: gathered.notes,
        };
        return true;
      } catch (error) {
        const outcome = failedOutcome(source, via, error);
        this.outcomes[source] = outcome;
        this.unavailable[source] = outcome.detail;
        return false;
      }
    });
  }

  private note(source: SourceName, note: string): void {
    const outcome = this.outcomes[source];
    if (outcome) outcome.notes = [...(outcome.notes ?? []), note];
  }

  /** Devices registered in the lookback, found through the directory audit, then read from /devices. */
  private async devices(userWith: (need: 'id' | 'upn') => Promise<DiagnosedUser>): Promise<void> {
    const audits = this.evidence.directoryAudits;
    const via = 'directory audit (Register device, Add registered owner to device) + Graph v1.0 GET /devices/{id}';
    if (audits === undefined) {
      const auditOutcome = this.outcomes.directoryAudits;
      this.outcomes.devices = {
        ...(auditOutcome as SourceOutcome),
        via,
        items: 0,
        detail: `not read: the directory audit ${auditOutcome?.detail ?? 'failed'}`,
      };
      this.unavailable.devices = this.outcomes.devices.detail;
      return;
    }
    const registrations = deviceRegistrations(await userWith('id'), audits);
    await this.read(
      'devices',
      via,
      async () => ({
        items: registrations.length === 0 ? [] : await this.deps.reader.devices(registrations.slice(0, 50).map((r) => r.deviceId)),
        truncated: registrations.length > 50,
        via,
      }),
      (items) => (this.evidence.devices = items),
    );
  }

  private async folderNames(user: DiagnosedUser): Promise<void> {
    const ids = [
      ...new Set(
        (this.evidence.inboxRules ?? []).flatMap((rule) =>
          [rule.moveToFolder, rule.copyToFolder].filter((id): id is string => id !== undefined),
        ),
      ),
    ];
    if (ids.length === 0) return;
    try {
      this.evidence.folderNames = await this.timed('folderNames', () =>
        this.deps.reader.folderNames(user, ids.slice(0, MAX_FOLDER_LOOKUPS)),
      );
    } catch (error) {
      const why = refusal(error, MAIL_READ_PERMISSION) ?? `failed: ${toError(error).message.slice(0, 200)}`;
      this.unavailable.folderNames = why;
      this.note('inboxRules', `folder names ${why}`);
    }
  }

  /** Recipients of the sends that are not plainly the user's own (runbook 5.3), looked up in the mailbox. */
  private async sentMessages(
    userWith: (need: 'id' | 'upn') => Promise<DiagnosedUser>,
    windowFor: () => Promise<ReturnType<typeof attackerWindow>>,
    t0: string | undefined,
  ): Promise<void> {
    const records = this.evidence.mailboxAudit;
    if (records === undefined) return;
    const window = await windowFor();
    const known = new Set(window.knownIps);
    const attacker = new Set(window.attackerIps);
    const wanted = records.filter(
      (r) =>
        /^send(as|onbehalf)?$/i.test(r.operation) &&
        r.internetMessageId !== undefined &&
        ((r.clientIp !== undefined && attacker.has(r.clientIp)) ||
          (t0 !== undefined && r.createdDateTime > t0) ||
          (window.start !== undefined && r.createdDateTime >= window.start && !(r.clientIp !== undefined && known.has(r.clientIp)))),
    );
    const ids = [...new Set(wanted.map((r) => r.internetMessageId as string))].slice(0, MAX_MESSAGE_LOOKUPS);
    if (ids.length === 0) return;
    try {
      const user = await userWith('id');
      this.evidence.sentMessages = await this.timed('sentMessages', () => this.deps.reader.sentMessages(user, ids));
    } catch (error) {
      const why = refusal(error, MAIL_READ_PERMISSION) ?? `failed: ${toError(error).message.slice(0, 200)}`;
      this.unavailable.sentMessages = why;
      this.note('mailboxAudit', `recipients of sent messages ${why}`);
    }
  }

  /**
   * The Purview audit query: started (or picked up from an earlier run while still running), polled for a
   * while, its records read once it succeeds. Still running after the wait: the pack records it pending
   * and a delayed message looks again.
   */
  private async mailboxAudit(
    incident: Incident,
    userWith: (need: 'id' | 'upn') => Promise<DiagnosedUser>,
    since: string,
    until: string,
  ): Promise<void> {
    const via = 'Graph v1.0 POST /security/auditLog/queries (Purview audit: MailItemsAccessed, Send, inbox rule operations)';
    const previous = incident.diagnosis;
    const pending = previous?.sources.mailboxAudit?.status === 'pending' ? previous.mailboxAuditQuery : undefined;
    await this.timed('mailboxAudit', async () => {
      try {
        // An earlier run's query still running is picked up; one Purview no longer has is started afresh.
        let query: MailboxAuditQuery | undefined = pending
          ? await this.deps.reader.mailboxAuditQuery(pending.id).catch((error: unknown) => {
              if (error instanceof UpstreamError && error.status === 404) return undefined;
              throw error;
            })
          : undefined;
        if (query && pending) {
          this.auditQuery = pending;
        } else {
          const user = await userWith('upn');
          if (user.upn === undefined) {
            this.outcomes.mailboxAudit = {
              status: 'unavailable',
              via,
              items: 0,
              detail: 'unavailable: the user has no UPN to search the audit log by',
            };
            this.unavailable.mailboxAudit = this.outcomes.mailboxAudit.detail;
            return;
          }
          query = await this.deps.reader.startMailboxAuditQuery(user, since, until, `aitm-contain ${incident.id}`);
          this.auditQuery = { id: query.id, createdAt: until, deferrals: 0 };
        }
        let current: MailboxAuditQuery = query;
        const deadline = performance.now() + this.timing.auditWaitMs;
        for (let poll = 0; !SETTLED_QUERY.has(current.status); poll++) {
          const wait = this.timing.auditPollMs[Math.min(poll, this.timing.auditPollMs.length - 1)] ?? 1_000;
          if (performance.now() + wait > deadline) return this.deferAudit(via, current);
          await this.sleep(wait);
          current = await this.deps.reader.mailboxAuditQuery(current.id);
        }
        if (current.status !== 'succeeded') {
          this.auditQuery = undefined;
          this.outcomes.mailboxAudit = {
            status: 'failed',
            via,
            items: 0,
            transient: true,
            detail: `failed: the audit query ended ${current.status} (transient; the queue retries with a new query)`,
          };
          this.unavailable.mailboxAudit = this.outcomes.mailboxAudit.detail;
          return;
        }
        const records = await this.deps.reader.mailboxAuditRecords(current.id);
        this.evidence.mailboxAudit = records.items;
        const truncated = records.truncated || current.truncated;
        this.outcomes.mailboxAudit = {
          status: truncated ? 'truncated' : 'complete',
          via: records.via,
          items: records.items.length,
          detail: truncated
            ? `truncated: ${current.truncated ? 'the audit query exceeded its record-count limit' : `read ${records.items.length} records, the rest was not read`}`
            : undefined,
        };
      } catch (error) {
        const outcome = failedOutcome('mailboxAudit', via, error);
        this.outcomes.mailboxAudit = outcome;
        this.unavailable.mailboxAudit = outcome.detail;
      }
    });
  }

  private deferAudit(via: string, query: MailboxAuditQuery): void {
    const meta = this.auditQuery ?? { id: query.id, createdAt: this.deps.clock.now().toISOString(), deferrals: 0 };
    const waited = Math.round(minutesBetween(meta.createdAt, this.deps.clock.now().toISOString()));
    if (meta.deferrals >= this.timing.maxDeferrals) {
      this.outcomes.mailboxAudit = {
        status: 'failed',
        via,
        items: 0,
        transient: false,
        detail: `failed: the audit query ${query.id} was still ${query.status} after ${waited} min; read it later by its id`,
      };
      this.unavailable.mailboxAudit = this.outcomes.mailboxAudit.detail;
      this.auditQuery = meta;
      return;
    }
    this.auditPending = true;
    this.auditQuery = { ...meta, deferrals: meta.deferrals + 1 };
    this.outcomes.mailboxAudit = {
      status: 'pending',
      via,
      items: 0,
      detail: `pending: the audit query ${query.id} is ${query.status}; looked at again in ${this.timing.deferSeconds} s (${meta.deferrals + 1} of ${this.timing.maxDeferrals})`,
    };
    this.unavailable.mailboxAudit = 'still running';
  }

  private event(kind: string, summary: string, extra: Partial<TimelineEvent> = {}): TimelineEvent {
    return {
      id: ulid(),
      at: this.deps.clock.now().toISOString(),
      kind,
      actor: `aitm-contain (diagnose, invocation ${this.invocationId})`,
      summary,
      ...extra,
    };
  }

  /**
   * Writes the record on the incident (ETag-guarded, re-read on a lost race) with its events. A contained
   * incident becomes `diagnosed` once the pack is complete; any other state is kept (a held, protected or
   * partially contained incident still gets its pack, and a redelivered alert can still retry containment).
   */
  private async record(stored: StoredIncident, record: DiagnosisRecord, pack: Pack, transient: SourceName[]): Promise<StoredIncident> {
    const settleBy = performance.now() + this.timing.settleWaitMs;
    let current: StoredIncident | undefined = stored;
    for (let attempt = 0; attempt < 20; attempt++) {
      current ??= await this.deps.store.get(stored.incident.id);
      if (!current) throw new NotFoundError(`incident ${stored.incident.id} disappeared while being diagnosed`);
      if (current.incident.state === 'containing') {
        if (performance.now() > settleBy)
          throw new BusyError(`incident ${stored.incident.id} is still being contained; diagnosis will retry`, 5);
        await this.sleep(this.timing.settlePollMs);
        current = undefined;
        continue;
      }
      const incident = current.incident;
      const diagnosed = record.status === 'complete' && incident.state === 'contained';
      const next: Incident = {
        ...incident,
        state: diagnosed ? 'diagnosed' : incident.state,
        diagnosis: record,
        updatedAt: record.updatedAt,
      };
      const updated = await this.deps.store.update(next, current.etag, this.events(incident, record, pack, transient, diagnosed));
      if (updated) return updated;
      current = undefined;
    }
    throw new BusyError(`incident ${stored.incident.id} kept changing while diagnosis recorded; retry`, 5);
  }

  private events(incident: Incident, record: DiagnosisRecord, pack: Pack, transient: SourceName[], diagnosed: boolean): TimelineEvent[] {
    const { suspicious, unknown, benign } = record.counts;
    const counts = { suspicious, unknown, benign };
    const events: TimelineEvent[] = [];
    if (pack.stats.containmentHeld === false && incident.diagnosis?.containmentHeld !== false) {
      events.push(
        this.event(
          'post_containment_activity',
          'CONTAINMENT DID NOT HOLD: activity after T0 (see the post_containment_activity findings)',
          {
            detail: { successfulSignIns: pack.stats.afterT0Succeeded, attackerMailboxActivity: pack.stats.attackerMailAfterT0 },
          },
        ),
      );
    }
    const sources = Object.fromEntries(Object.entries(record.sources).map(([name, outcome]) => [name, outcome?.status]));
    if (record.status === 'complete') {
      const kept = diagnosed ? '' : ` (state stays ${incident.state})`;
      events.push(
        this.event(diagnosed ? 'diagnosed' : 'diagnosis_completed', `Evidence pack complete${kept}: ${record.summary}`.slice(0, 4_000), {
          detail: { counts, sources },
        }),
      );
    } else if (transient.length > 0) {
      events.push(
        this.event('diagnosis_partial', `Evidence pack partial: ${transient.join(', ')} failed transiently; the queue retries`, {
          detail: { counts, sources },
        }),
      );
    } else {
      events.push(
        this.event('diagnosis_deferred', `Evidence pack partial: ${record.sources.mailboxAudit?.detail ?? 'mailbox audit pending'}`, {
          detail: { counts, sources },
        }),
      );
    }
    return events;
  }
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
