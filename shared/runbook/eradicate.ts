// Phase 3, Eradication (runbook 3.1-3.4): remove exactly what a human (or AUTO_ERADICATE) selected from
// the evidence pack, in the runbook's order, each target re-read first and compared with its snapshot,
// each Graph request and answer on the timeline. Then verify: the removed items are gone, nothing new
// appeared since the pack (the attacker came back), containment still holds; only then T1.
//
// Failure is partial and said: 404 is already gone; 403 names the permission and the rest goes on; a
// transient failure is recorded, then thrown so the queue retries; a re-run skips what is done.
import { ulid } from 'ulid';
import { BusyError, ConflictError, NotFoundError, toError, UpstreamError, ValidationError } from '../errors';
import { deviceRegistrations } from '../diagnosis/judge-directory';
import type { FindingKind } from '../diagnosis/types';
import {
  autoEradicable,
  changedSince,
  exchangeManualSteps,
  flaggedFindings,
  grantManualStep,
  isAlternateMobileRefusal,
  isDefaultMethodRefusal,
  isSettled,
  needsHuman,
  notRemovable,
  orderRemovals,
  removalPermission,
} from './eradication-plan';
import type { Actor, ContainDeps } from './contain';
import type { EradicationRecord, Incident, RemovalItem, StoredIncident, TimelineEvent } from './incident';
import type {
  AccountDirectory,
  Clock,
  EradicateMessage,
  EvidenceReader,
  FindingStore,
  FollowUpQueues,
  IncidentStore,
  PersistenceRemover,
  RemovalTarget,
  StoredFinding,
} from './ports';
import { checkContainment, recontainIfReenabled, type VerifyDeps } from './verify';
import type { WriteBackHook } from './write-back';

export interface EradicateDeps {
  store: IncidentStore;
  findings: FindingStore;
  queues: FollowUpQueues;
  remover: PersistenceRemover;
  reader: EvidenceReader;
  accounts: AccountDirectory;
  clock: Clock;
  contain?: ContainDeps;
  /** WRITE_BACK: the T1 comment is queued when eradication is first verified; absent when write-back is off. */
  writeBack?: WriteBackHook;
}

export interface EradicationRequest {
  findings: readonly string[] | 'flagged';
  comment?: string;
}

/** States from which eradication may be asked for: a complete pack, or a re-run. */
const ERADICABLE: ReadonlySet<Incident['state']> = new Set(['diagnosed', 'eradicating', 'eradicated']);

function eventFor(clock: Clock, actor: string, kind: string, summary: string, extra: Partial<TimelineEvent> = {}): TimelineEvent {
  return { id: ulid(), at: clock.now().toISOString(), kind, actor, summary, ...extra };
}

function itemFor(finding: StoredFinding, previous: readonly RemovalItem[]): RemovalItem {
  const done = previous.find((item) => item.findingId === finding.id && isSettled(item));
  if (done) return done;
  return {
    findingId: finding.id,
    kind: finding.kind,
    title: finding.title,
    verdict: finding.verdict,
    target: finding.target!,
    status: 'pending',
  };
}

/**
 * A human's (or AUTO_ERADICATE's) selection: recorded with who, what and when, then queued. unknown and
 * benign findings are removed only when named one by one; a name that is not a removable finding is a 422.
 */
export async function requestEradication(
  deps: EradicateDeps,
  id: string,
  actor: Actor,
  request: EradicationRequest,
  selection: EradicationRecord['selection'] = request.findings === 'flagged' ? 'flagged' : 'named',
): Promise<Incident> {
  const stored = await deps.store.get(id);
  if (!stored) throw new NotFoundError(`no incident "${id}"`);
  const incident = stored.incident;
  if (!ERADICABLE.has(incident.state) || incident.diagnosis?.status !== 'complete') {
    throw new ConflictError(
      `incident ${id} is ${incident.state}${incident.diagnosis ? ` (evidence pack ${incident.diagnosis.status})` : ' (no evidence pack)'}; eradication needs a complete evidence pack (state diagnosed)`,
    );
  }
  const findings = await deps.findings.findings(id);
  let chosen: StoredFinding[];
  if (request.findings === 'flagged') {
    chosen = flaggedFindings(findings);
  } else {
    const byId = new Map(findings.map((f) => [f.id, f]));
    const unknown = request.findings.filter((name) => !byId.has(name));
    if (unknown.length > 0)
      throw new ValidationError(`no such finding(s) in incident ${id}: ${unknown.slice(0, 10).join(', ')}`, 422, { field: 'findings' });
    chosen = [...new Set(request.findings)].map((name) => byId.get(name) as StoredFinding);
    const refused = chosen.flatMap((f) => {
      const why = notRemovable(f);
      return why ? [`${f.id} (${why})`] : [];
    });
    if (refused.length > 0) throw new ValidationError(`not removable: ${refused.slice(0, 10).join('; ')}`, 422, { field: 'findings' });
  }
  if (chosen.length === 0)
    throw new ValidationError(
      'nothing to remove: no suspicious finding has a removable target; name findings one by one to remove others',
      422,
      { field: 'findings' },
    );

  const at = deps.clock.now().toISOString();
  const previous = incident.eradication?.items ?? [];
  const record: EradicationRecord = {
    requestId: ulid(),
    requestedBy: actor.caller,
    requestedAt: at,
    comment: request.comment,
    selection,
    items: chosen.map((f) => itemFor(f, previous)),
    manualSteps: [
      ...exchangeManualSteps(incident.user.upn),
      ...chosen.filter((f) => needsHuman(f)).map((f) => grantManualStep(f.target?.id ?? f.providerId, f.title)),
    ],
    runs: incident.eradication?.runs ?? 0,
  };
  const who = selection === 'automatic' ? `AUTO_ERADICATE (${actor.caller})` : actor.caller;
  const summary = `Eradication ${selection === 'automatic' ? 'started automatically' : `approved by ${actor.caller}`}: ${chosen.length} finding(s) (${chosen.map((f) => f.title).join('; ')})${request.comment ? `; comment: ${request.comment}` : ''}`;
  const next: Incident = { ...incident, state: 'eradicating', eradication: record, reason: undefined, updatedAt: at };
  const updated = await deps.store.update(next, stored.etag, [
    eventFor(deps.clock, who, 'eradication_requested', summary.slice(0, 2_000), {
      detail: { requestId: record.requestId, selection, findings: chosen.map((f) => ({ id: f.id, kind: f.kind, verdict: f.verdict })) },
    }),
  ]);
  if (!updated) throw new ConflictError(`incident ${id} changed while eradication was being recorded; reload it and try again`);
  await deps.queues.enqueue('eradicate', { version: 1, incidentId: id, requestId: record.requestId });
  return updated.incident;
}

/** Thrown after recording, so the queue retries: a removal or the verification failed transiently. */
export class EradicationRetryError extends Error {
  override readonly name = 'EradicationRetryError';
}

export type EradicateOutcome = 'eradicated' | 'held' | 'incomplete' | 'superseded';

export interface EradicateResult {
  outcome: EradicateOutcome;
  incidentId: string;
  items: RemovalItem[];
}

const ORDERED_SOURCES: Readonly<Record<string, FindingKind>> = {
  inboxRules: 'inbox_rule',
  oauthGrants: 'oauth_grant',
  appRoleAssignments: 'app_role_assignment',
  authenticationMethods: 'authentication_method',
};

export async function eradicateIncident(message: EradicateMessage, deps: EradicateDeps, invocationId: string): Promise<EradicateResult> {
  const actor = `aitm-contain (eradicate, invocation ${invocationId})`;
  const stored = await deps.store.get(message.incidentId);
  if (!stored) throw new NotFoundError(`no incident ${message.incidentId} to eradicate`);
  const record = stored.incident.eradication;
  if (!record || record.requestId !== message.requestId || stored.incident.state !== 'eradicating') {
    return { outcome: 'superseded', incidentId: message.incidentId, items: record?.items ?? [] };
  }
  const incident = stored.incident;
  const findings = new Map((await deps.findings.findings(incident.id)).map((f) => [f.id, f]));
  const snapshots = new Map([...findings.values()].map((f) => [f.id, f.raw]));
  const items = orderRemovals(record.items, snapshots);
  const events: TimelineEvent[] = [];
  const event = (kind: string, summary: string, extra: Partial<TimelineEvent> = {}) =>
    events.push(eventFor(deps.clock, actor, kind, summary, extra));
  let transient: Error | undefined;
  const deferred: RemovalItem[] = [];

  const removeOne = async (item: RemovalItem, lastTry: boolean): Promise<void> => {
    const finding = findings.get(item.findingId);
    const target: RemovalTarget = { ...item.target, userKey: incident.userKey };
    const at = () => deps.clock.now().toISOString();
    const human = finding ? needsHuman(finding) : undefined;
    if (human) {
      Object.assign(item, { status: 'reported', detail: human, at: at() });
      event('removal_reported', `${item.title}: ${human}; not removed`, { detail: { findingId: item.findingId } });
      return;
    }
    const request = deps.remover.request(target);
    item.request = request;
    try {
      const current = await deps.remover.read(target);
      if (current === undefined) {
        Object.assign(item, { status: 'already_gone', httpStatus: 404, at: at(), detail: 'already gone when re-read' });
        event('removal_already_gone', `${item.title}: already gone (Graph 404 on re-read); nothing to remove`, {
          detail: { findingId: item.findingId, request: { method: 'GET', path: request.path } },
        });
        return;
      }
      const changed = changedSince(finding?.raw, current);
      if (changed === undefined || changed.length > 0) {
        const detail =
          changed === undefined
            ? 'no usable snapshot in the evidence pack to compare with: re-run diagnosis, then eradicate'
            : `changed since the evidence pack (${changed.join(', ')}): not removed; re-run diagnosis and decide again`;
        Object.assign(item, { status: 'changed', at: at(), detail });
        event('removal_refused_changed', `${item.title}: ${detail}`, { detail: { findingId: item.findingId, changed } });
        return;
      }
      const receipt = await deps.remover.remove(target);
      Object.assign(item, {
        status: 'removed',
        httpStatus: receipt.status,
        requestId: receipt.requestId,
        attempts: receipt.attempts,
        at: at(),
        detail: undefined,
        graphCode: undefined,
      });
      event('removed', `${item.title}: ${request.method} ${request.path} -> Graph ${receipt.status}`, {
        detail: {
          findingId: item.findingId,
          request,
          httpStatus: receipt.status,
          requestId: receipt.requestId,
          attempts: receipt.attempts,
        },
      });
    } catch (error) {
      const graph = error instanceof UpstreamError ? error : undefined;
      const base = {
        httpStatus: graph?.status,
        graphCode: graph?.code ?? 'unexpected_error',
        requestId: graph?.requestId,
        attempts: graph?.attempts,
        at: at(),
      };
      const answer = {
        findingId: item.findingId,
        request,
        httpStatus: graph?.status,
        graphCode: base.graphCode,
        requestId: graph?.requestId,
      };
      if (graph?.status === 404) {
        Object.assign(item, { ...base, status: 'already_gone', detail: 'Graph 404 on delete: already gone' });
        event('removal_already_gone', `${item.title}: already gone (Graph 404)`, { detail: answer });
      } else if (graph?.status === 403) {
        const permission = removalPermission(item.target);
        Object.assign(item, {
          ...base,
          status: 'forbidden',
          missingPermission: permission,
          detail: `Graph 403 ${graph.code}: the app needs ${permission}`,
        });
        event(
          'removal_forbidden',
          `${item.title}: Graph 403 ${graph.code}; grant the app ${permission} (infra/scripts/grant-graph-permissions.sh --phases eradicate), then eradicate again`,
          { detail: { ...answer, missingPermission: permission } },
        );
      } else if (
        !lastTry &&
        graph &&
        (isDefaultMethodRefusal(graph.status, graph.message) || isAlternateMobileRefusal(graph.status, graph.message))
      ) {
        Object.assign(item, {
          ...base,
          status: 'pending',
          detail: `Graph ${graph.status}: ${graph.message}; retried after the other methods`,
        });
        deferred.push(item);
      } else if (graph === undefined || graph.transient) {
        Object.assign(item, {
          ...base,
          status: 'failed',
          detail: `${toError(error).message.slice(0, 300)} (transient: the queue retries)`,
        });
        event('removal_failed', `${item.title}: Graph ${graph?.status ?? 'no response'} ${base.graphCode}; the queue retries`, {
          detail: answer,
        });
        transient ??= toError(error);
      } else {
        const hint = isDefaultMethodRefusal(graph.status, graph.message)
          ? ": it is the user's default method; have the user (or an admin) change the default, then eradicate again"
          : '';
        Object.assign(item, { ...base, status: 'refused', detail: `Graph ${graph.status} ${graph.code}: ${graph.message}${hint}` });
        event('removal_refused', `${item.title}: Graph ${graph.status} ${graph.code}: ${graph.message}${hint}`.slice(0, 1_000), {
          detail: answer,
        });
      }
    }
  };

  // Strictly in order: an attacker's rule goes before their grant, their methods before their devices.
  for (const item of items) if (!isSettled(item)) await removeOne(item, false);
  for (const item of deferred) await removeOne(item, true);

  const runAt = deps.clock.now().toISOString();
  const base: EradicationRecord = { ...record, items, runs: record.runs + 1, lastRunAt: runAt };
  if (transient) {
    await save(stored, { ...incident, eradication: base, updatedAt: runAt }, events, deps);
    throw new EradicationRetryError(`eradication of ${incident.id} incomplete, retrying: ${transient.message.slice(0, 200)}`);
  }

  const blocking = items.filter((item) => item.status === 'forbidden' || item.status === 'refused' || item.status === 'changed');
  let verification: Awaited<ReturnType<typeof verifyRemoval>>;
  let containment: Awaited<ReturnType<typeof checkContainment>>;
  try {
    verification = await verifyRemoval(incident, items, findings, deps);
    containment = await checkContainment(incident, verifyDeps(deps), 0);
  } catch (error) {
    // The removals happened: record them before the queue retries the verification.
    event(
      'eradication_verification_failed',
      `Verification after removal failed (${toError(error).message.slice(0, 200)}); the queue retries`,
    );
    await save(stored, { ...incident, eradication: base, updatedAt: runAt }, events, deps);
    throw new EradicationRetryError(`verification of ${incident.id} failed, retrying: ${toError(error).message.slice(0, 200)}`);
  }
  const recontained = containment.record.clean
    ? undefined
    : await recontainIfReenabled(incident, containment, verifyDeps(deps), invocationId);
  const clean = blocking.length === 0 && verification.clean && containment.record.clean;
  const eradication: EradicationRecord = {
    ...base,
    verification: { ...verification, attackerSignIns: containment.record.problems, clean },
    completedAt: clean ? runAt : undefined,
  };
  const removed = items.filter((item) => item.status === 'removed' || item.status === 'already_gone').map((item) => item.title);
  const reported = items.filter((item) => item.status === 'reported').map((item) => item.title);
  let next: Incident = { ...incident, eradication, verification: containment.record, updatedAt: runAt };
  let outcome: EradicateOutcome;
  const settledIds = new Set(items.filter(isSettled).map((item) => item.findingId));
  const waiting = record.selection === 'automatic' ? flaggedFindings([...findings.values()]).filter((f) => !settledIds.has(f.id)) : [];
  if (clean && waiting.length > 0) {
    // AUTO_ERADICATE removed the known patterns; the rest of the pack still needs a human before T1.
    next = {
      ...next,
      state: 'diagnosed',
      reason:
        `AUTO_ERADICATE removed ${removed.join('; ')}; ${waiting.length} suspicious finding(s) wait for a human: ${waiting.map((f) => f.title).join('; ')}`.slice(
          0,
          1_000,
        ),
    };
    event(
      'auto_eradication_done',
      `AUTO_ERADICATE removed ${removed.join('; ')}; ${waiting.length} suspicious finding(s) wait for a human (POST /api/incidents/${incident.id}/eradicate)`.slice(
        0,
        2_000,
      ),
      { detail: { removed, waiting: waiting.map((f) => f.id) } },
    );
    outcome = 'incomplete';
  } else if (clean) {
    // T1 is when eradication was first verified; a later re-run confirms it without moving it.
    const first = incident.t1 === undefined;
    next = { ...next, state: 'eradicated', t1: incident.t1 ?? runAt, reason: undefined };
    event(
      first ? 'eradicated' : 'eradication_reverified',
      `Eradication verified: removed ${removed.join('; ') || 'nothing'}${reported.length > 0 ? `; left for a human: ${reported.join('; ')}` : ''}; ${eradication.manualSteps.length} manual Exchange Online step(s) listed (Graph cannot reach transport rules, mailbox forwarding or hidden rules)`,
      { mark: first ? 'T1' : undefined, detail: { removed, reported } },
    );
    outcome = 'eradicated';
  } else if (!verification.clean || !containment.record.clean) {
    const problems = [
      ...verification.stillPresent.map((t) => `still present: ${t}`),
      ...verification.newItems.map((t) => `new since the pack: ${t}`),
      ...containment.record.problems,
    ];
    next = { ...next, reason: `eradication held: ${problems.join('; ')}`.slice(0, 1_000) };
    event('eradication_held', `ERADICATION HELD, NOT VERIFIED: ${problems.join('; ')}`.slice(0, 2_000), {
      detail: { ...verification, containment: containment.record.problems },
    });
    if (!containment.record.clean)
      event(
        'containment_broken',
        `CONTAINMENT BROKEN (checked after eradication): ${containment.record.problems.join('; ')}`.slice(0, 2_000),
        { detail: { problems: containment.record.problems, reenabledBy: containment.reenablements } },
      );
    if (recontained)
      event('recontained', `Contained again through the containment path and its safety gates: incident ${recontained}`, {
        detail: { incidentId: recontained },
      });
    outcome = 'held';
  } else {
    next = {
      ...next,
      reason: `eradication incomplete: ${blocking.map((item) => `${item.title} (${item.status}: ${item.detail ?? ''})`).join('; ')}`.slice(
        0,
        1_000,
      ),
    };
    event(
      'eradication_incomplete',
      `Eradication incomplete: ${blocking.map((item) => `${item.title}: ${item.detail ?? item.status}`).join('; ')}`.slice(0, 2_000),
      { detail: { blocking: blocking.map((item) => item.findingId) } },
    );
    outcome = 'incomplete';
  }
  await save(stored, next, events, deps);
  if (outcome === 'eradicated' && incident.t1 === undefined) await deps.writeBack?.marked(incident, 'T1');
  return { outcome, incidentId: incident.id, items };
}

function verifyDeps(deps: EradicateDeps): VerifyDeps {
  return { store: deps.store, reader: deps.reader, accounts: deps.accounts, clock: deps.clock, contain: deps.contain };
}

/**
 * Re-reads every source eradication touched: what was removed must be gone, and anything not in the
 * pack at all is new since it (the account is disabled, so nothing new should appear): the attacker
 * came back. Devices are found through the directory audit since the pack, as diagnosis finds them.
 */
async function verifyRemoval(
  incident: Incident,
  items: readonly RemovalItem[],
  findings: ReadonlyMap<string, StoredFinding>,
  deps: EradicateDeps,
) {
  const user = { id: incident.user.objectId?.toLowerCase() ?? incident.userKey, upn: incident.user.upn?.toLowerCase() };
  const known = new Set([...findings.values()].map((f) => `${f.kind}|${f.providerId}`));
  const gone = new Set(items.filter((i) => i.status === 'removed' || i.status === 'already_gone').map((i) => `${i.kind}|${i.target.id}`));
  const titles = new Map(items.map((i) => [`${i.kind}|${i.target.id}`, i.title]));
  const [rules, grants, roles, methods] = await Promise.all([
    deps.reader.inboxRules(user),
    deps.reader.oauthGrants(user),
    deps.reader.appRoleAssignments(user),
    deps.reader.authenticationMethods(user),
  ]);
  const present: Array<{ kind: FindingKind; id: string; label: string }> = [
    ...rules.items.map((r) => ({ kind: ORDERED_SOURCES.inboxRules, id: r.id, label: `inbox rule "${r.displayName}"` })),
    ...grants.items
      .filter((g) => g.consentType !== 'AllPrincipals')
      .map((g) => ({ kind: ORDERED_SOURCES.oauthGrants, id: g.id, label: `OAuth grant to client ${g.clientId} (${g.scopes.join(' ')})` })),
    ...roles.items.map((r) => ({
      kind: ORDERED_SOURCES.appRoleAssignments,
      id: r.id,
      label: `app role assignment ${r.resourceDisplayName ?? r.id}`,
    })),
    ...methods.items
      .filter((m) => m.type !== 'passwordAuthenticationMethod')
      .map((m) => ({ kind: ORDERED_SOURCES.authenticationMethods, id: m.id, label: `${m.type} ${m.label ?? m.id}` })),
  ];
  const since = incident.diagnosis?.asOf ?? incident.t0 ?? deps.clock.now().toISOString();
  const audits = await deps.reader.directoryAudits(user, since);
  const newDevices = deviceRegistrations(user, audits.items).filter((d) => !known.has(`device|${d.deviceId}`));
  const deviceIds = items.filter((i) => i.kind === 'device' && gone.has(`device|${i.target.id}`)).map((i) => i.target.id);
  const devices = deviceIds.length > 0 ? await deps.reader.devices(deviceIds) : [];
  const stillPresent = [
    ...present.filter((p) => gone.has(`${p.kind}|${p.id}`)).map((p) => titles.get(`${p.kind}|${p.id}`) ?? p.label),
    ...devices.filter((d) => !d.missing).map((d) => titles.get(`device|${d.id}`) ?? `device ${d.displayName ?? d.id}`),
  ];
  const newItems = [
    ...present.filter((p) => !known.has(`${p.kind}|${p.id}`)).map((p) => p.label),
    ...newDevices.map((d) => `device ${d.displayName ?? d.deviceId} registered ${d.at}`),
  ];
  const notes = [rules, grants, roles, methods, audits].filter((g) => g.truncated).map((g) => `${g.via}: truncated`);
  return {
    at: deps.clock.now().toISOString(),
    clean: stillPresent.length === 0 && newItems.length === 0,
    stillPresent,
    newItems,
    attackerSignIns: [] as string[],
    notes,
  };
}

async function save(stored: StoredIncident, next: Incident, events: TimelineEvent[], deps: EradicateDeps): Promise<void> {
  let current: StoredIncident | undefined = stored;
  for (let attempt = 0; attempt < 5 && current; attempt++) {
    // Another writer (verification, a note) moved the ETag: keep their fields, put ours on top.
    const merged: Incident =
      attempt === 0
        ? next
        : {
            ...current.incident,
            state: next.state,
            eradication: next.eradication,
            verification: next.verification ?? current.incident.verification,
            t1: next.t1 ?? current.incident.t1,
            reason: next.reason,
            updatedAt: next.updatedAt,
          };
    if (await deps.store.update(merged, current.etag, events)) return;
    current = await deps.store.get(stored.incident.id);
  }
  throw new BusyError(`incident ${stored.incident.id} kept changing while eradication recorded; retry`, 5);
}

/**
 * AUTO_ERADICATE: when diagnosis completes, the known patterns of the listed kinds are queued for
 * removal with no human; everything else waits. Nothing listed, nothing matching: nothing happens.
 */
export async function autoEradicate(
  deps: EradicateDeps,
  incident: Incident,
  kinds: ReadonlySet<FindingKind>,
  invocationId: string,
): Promise<Incident | undefined> {
  if (kinds.size === 0 || incident.state !== 'diagnosed') return undefined;
  const findings = await deps.findings.findings(incident.id);
  const attackerIps = new Set((incident.diagnosis?.window.attackerIps ?? []).map((ip) => ip.toLowerCase()));
  const chosen = autoEradicable(findings, { kinds, attackerIps });
  if (chosen.length === 0) return undefined;
  return requestEradication(
    deps,
    incident.id,
    { invocationId, caller: 'aitm-contain (AUTO_ERADICATE)' },
    { findings: chosen.map((f) => f.id) },
    'automatic',
  );
}
