// How incidents and timeline events are laid out as table entities. Nested values are JSON strings;
// every string property stays under the 64 KiB Table Storage limit.
import { createHash } from 'node:crypto';
import { ulid } from 'ulid';
import type { TableEntity } from '@azure/data-tables';
import type { AlertOrigin } from '../alerts/types';
import { FINDING_KINDS, type Finding, type FindingKind, type Verdict } from '../diagnosis/types';
import type { DiagnosisRecord, EradicationRecord, Incident, RecoveryRecord, TimelineEvent, VerificationRecord } from '../runbook/incident';
import type { StoredFinding } from '../runbook/ports';

export const INCIDENT_ROW = 'incident';
/**
 * The partition's event counter: `last` is the sequence number of the newest event. Every write that
 * adds events advances it in the same transaction (ETag-guarded), so events are numbered in the order
 * they were recorded, however many share a millisecond and however many writers race.
 */
export const SEQUENCE_ROW = 'sequence';
export const EVENT_ROW_PREFIX = 'event-';
export const FINDING_ROW_PREFIX = 'finding-';

/** Table Storage caps a string property at 64 KiB (32K UTF-16 characters). */
const MAX_PROPERTY_CHARS = 30_000;

function cap(value: string): string {
  return value.length > MAX_PROPERTY_CHARS ? value.slice(0, MAX_PROPERTY_CHARS) : value;
}

function str(entity: Record<string, unknown>, key: string): string | undefined {
  const value = entity[key];
  return typeof value === 'string' ? value : undefined;
}

function json<T>(entity: Record<string, unknown>, key: string, fallback: T): T {
  const value = str(entity, key);
  if (value === undefined) return fallback;
  try {
    return JSON.parse(value) as T;
  } catch {
    return fallback;
  }
}

export function encodeIncident(incident: Incident): TableEntity<Record<string, unknown>> {
  return {
    partitionKey: incident.id,
    rowKey: INCIDENT_ROW,
    state: incident.state,
    userKey: incident.userKey,
    userUpn: incident.user.upn,
    userObjectId: incident.user.objectId,
    alertUser: incident.alertUser === undefined ? undefined : JSON.stringify(incident.alertUser),
    resolvedAt: incident.resolvedAt,
    alertKey: incident.alertKey,
    alertId: incident.alertId,
    source: incident.source,
    severity: incident.severity,
    title: cap(incident.title),
    detection: incident.detection,
    ips: JSON.stringify(incident.ips),
    userAgents: cap(JSON.stringify(incident.userAgents)),
    mode: incident.mode,
    reason: incident.reason === undefined ? undefined : cap(incident.reason),
    hold: incident.hold,
    linkedTo: incident.linkedTo,
    createdAt: incident.createdAt,
    updatedAt: incident.updatedAt,
    t0: incident.t0,
    actions: cap(JSON.stringify(incident.actions)),
    followUpsQueuedAt: incident.followUpsQueuedAt,
    requiresOnPremDisable: incident.requiresOnPremDisable,
    directoryRoles: incident.directoryRoles === undefined ? undefined : JSON.stringify(incident.directoryRoles),
    countedInBlastRadius: incident.countedInBlastRadius,
    retryable: incident.retryable,
    alertRaw: cap(incident.alertRaw),
    alertRaisedAt: incident.alertRaisedAt,
    origin: incident.origin === undefined ? undefined : JSON.stringify(incident.origin),
    diagnosis: incident.diagnosis === undefined ? undefined : encodeDiagnosis(incident.diagnosis),
    eradication: incident.eradication === undefined ? undefined : encodeEradication(incident.eradication),
    verification: incident.verification === undefined ? undefined : cap(JSON.stringify(incident.verification)),
    recovery: incident.recovery === undefined ? undefined : JSON.stringify(incident.recovery),
    t1: incident.t1,
    t2: incident.t2,
    t3: incident.t3,
  };
}

/**
 * The diagnosis record is bounded by construction (capped lists, a capped summary); should it still
 * outgrow a property, the summary is shortened rather than the JSON cut mid-way.
 */
function encodeDiagnosis(record: DiagnosisRecord): string {
  const full = JSON.stringify(record);
  if (full.length <= MAX_PROPERTY_CHARS) return full;
  return JSON.stringify({
    ...record,
    summary: record.summary.slice(0, 2000),
    window: {
      ...record.window,
      notes: record.window.notes.slice(0, 5),
      attackerIps: record.window.attackerIps.slice(0, 20),
      knownIps: record.window.knownIps.slice(0, 20),
    },
  });
}

/** Removal details are bounded per item; should many findings outgrow a property, details go before items. */
function encodeEradication(record: EradicationRecord): string {
  const full = JSON.stringify(record);
  if (full.length <= MAX_PROPERTY_CHARS) return full;
  return JSON.stringify({
    ...record,
    items: record.items.map((item) => ({ ...item, detail: item.detail?.slice(0, 200), request: undefined })),
  }).slice(0, MAX_PROPERTY_CHARS);
}

export function decodeIncident(entity: Record<string, unknown>): Incident {
  return {
    id: String(entity.partitionKey),
    state: str(entity, 'state') as Incident['state'],
    user: { upn: str(entity, 'userUpn'), objectId: str(entity, 'userObjectId') },
    alertUser: json<Incident['alertUser']>(entity, 'alertUser', undefined),
    resolvedAt: str(entity, 'resolvedAt'),
    userKey: str(entity, 'userKey') ?? '',
    alertKey: str(entity, 'alertKey') ?? '',
    alertId: str(entity, 'alertId') ?? '',
    source: str(entity, 'source') as Incident['source'],
    severity: str(entity, 'severity') as Incident['severity'],
    title: str(entity, 'title') ?? '',
    detection: str(entity, 'detection'),
    ips: json(entity, 'ips', []),
    userAgents: json(entity, 'userAgents', []),
    mode: str(entity, 'mode') === 'dry-run' ? 'dry-run' : str(entity, 'mode') === 'off' ? 'off' : 'enforce',
    reason: str(entity, 'reason'),
    hold: str(entity, 'hold') as Incident['hold'],
    linkedTo: str(entity, 'linkedTo'),
    createdAt: str(entity, 'createdAt') ?? '',
    updatedAt: str(entity, 'updatedAt') ?? '',
    t0: str(entity, 't0'),
    actions: json(entity, 'actions', []),
    followUpsQueuedAt: str(entity, 'followUpsQueuedAt'),
    requiresOnPremDisable: entity.requiresOnPremDisable === true ? true : undefined,
    directoryRoles: json<string[] | undefined>(entity, 'directoryRoles', undefined),
    countedInBlastRadius: entity.countedInBlastRadius === true ? true : undefined,
    retryable: entity.retryable === true ? true : undefined,
    alertRaw: str(entity, 'alertRaw') ?? '',
    alertRaisedAt: str(entity, 'alertRaisedAt'),
    origin: json<AlertOrigin | undefined>(entity, 'origin', undefined),
    diagnosis: json<DiagnosisRecord | undefined>(entity, 'diagnosis', undefined),
    eradication: json<EradicationRecord | undefined>(entity, 'eradication', undefined),
    verification: json<VerificationRecord | undefined>(entity, 'verification', undefined),
    recovery: json<RecoveryRecord | undefined>(entity, 'recovery', undefined),
    t1: str(entity, 't1'),
    t2: str(entity, 't2'),
    t3: str(entity, 't3'),
  };
}

export function encodeEvent(incidentId: string, event: TimelineEvent, seq: number): TableEntity<Record<string, unknown>> {
  return {
    partitionKey: incidentId,
    rowKey: `${EVENT_ROW_PREFIX}${event.id || ulid()}`,
    seq,
    at: event.at,
    kind: event.kind,
    mark: event.mark,
    actor: cap(event.actor),
    summary: cap(event.summary),
    detail: event.detail === undefined ? undefined : cap(JSON.stringify(event.detail)),
  };
}

/** The event's place in its incident's timeline; 0 for events recorded before events were numbered. */
export function eventSeq(entity: Record<string, unknown>): number {
  return typeof entity.seq === 'number' && Number.isInteger(entity.seq) ? entity.seq : 0;
}

export function encodeSequence(incidentId: string, last: number): TableEntity<Record<string, unknown>> {
  return { partitionKey: incidentId, rowKey: SEQUENCE_ROW, last };
}

export function decodeEvent(entity: Record<string, unknown>): TimelineEvent {
  const mark = str(entity, 'mark');
  return {
    id: String(entity.rowKey).slice(EVENT_ROW_PREFIX.length),
    at: str(entity, 'at') ?? '',
    kind: str(entity, 'kind') ?? '',
    mark: mark === 'T0' || mark === 'T1' || mark === 'T2' || mark === 'T3' ? mark : undefined,
    actor: str(entity, 'actor') ?? '',
    summary: str(entity, 'summary') ?? '',
    detail: json<Record<string, unknown> | undefined>(entity, 'detail', undefined),
  };
}

/** A finding's row: one per (kind, provider id), so a re-run replaces rather than adds. */
export function findingRowKey(kind: FindingKind, providerId: string): string {
  return `${FINDING_ROW_PREFIX}${findingId(kind, providerId)}`;
}

/** The id people and the eradicate route name a finding by: stable across diagnosis runs. */
export function findingId(kind: FindingKind, providerId: string): string {
  return `${kind}-${createHash('sha256').update(providerId).digest('hex').slice(0, 40)}`;
}

/** Raw evidence is kept, capped: enough to see what the provider said, never a row past its limits. */
export const MAX_RAW_CHARS = 16_000;

function cappedJson(value: unknown, max: number): string {
  const text = JSON.stringify(value ?? null) ?? 'null';
  return text.length <= max ? text : JSON.stringify({ truncated: true, chars: text.length, head: text.slice(0, max - 100) });
}

export function encodeFinding(incidentId: string, finding: Finding, observedAt: string): TableEntity<Record<string, unknown>> {
  return {
    partitionKey: incidentId,
    rowKey: findingRowKey(finding.kind, finding.providerId),
    kind: finding.kind,
    providerId: cap(finding.providerId),
    title: cap(finding.title),
    createdAt: finding.createdAt,
    createdAtFrom: finding.createdAtFrom === undefined ? undefined : cap(finding.createdAtFrom),
    verdict: finding.verdict,
    reasons: cappedJson(finding.reasons, MAX_PROPERTY_CHARS),
    source: finding.source,
    actor: finding.actor === undefined ? undefined : cappedJson(finding.actor, 4_000),
    details: cappedJson(finding.details, MAX_PROPERTY_CHARS),
    target: finding.target === undefined ? undefined : JSON.stringify(finding.target),
    raw: cappedJson(finding.raw, MAX_RAW_CHARS),
    observedAt,
  };
}

const VERDICTS: readonly Verdict[] = ['suspicious', 'benign', 'unknown'];

export function decodeFinding(entity: Record<string, unknown>): StoredFinding {
  const kind = str(entity, 'kind') as FindingKind;
  const verdict = str(entity, 'verdict') as Verdict;
  return {
    id: String(entity.rowKey).slice(FINDING_ROW_PREFIX.length),
    kind: FINDING_KINDS.includes(kind) ? kind : 'sign_in',
    providerId: str(entity, 'providerId') ?? '',
    title: str(entity, 'title') ?? '',
    createdAt: str(entity, 'createdAt'),
    createdAtFrom: str(entity, 'createdAtFrom'),
    verdict: VERDICTS.includes(verdict) ? verdict : 'unknown',
    reasons: json<string[]>(entity, 'reasons', []),
    source: str(entity, 'source') as Finding['source'],
    actor: json<Finding['actor']>(entity, 'actor', undefined),
    details: json<Record<string, unknown>>(entity, 'details', {}),
    target: json<Finding['target']>(entity, 'target', undefined),
    raw: json<unknown>(entity, 'raw', null),
    observedAt: str(entity, 'observedAt') ?? '',
  };
}
