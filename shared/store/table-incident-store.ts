// IncidentStore over Azure Table Storage. One partition per incident (PartitionKey = incident id) holds
// the incident row, its timeline events and its findings, so a state change and its events commit in one
// transaction. Timeline events are numbered by a counter row in the same partition (SEQUENCE_ROW),
// advanced in the transaction that adds them: the timeline lists in recorded order, never by the clock.
// The gates live in a separate table: an insert-only row per (alert, identifiers as delivered), and one
// partition per person (directory object id) holding the person's current incident and a row per alert
// handled for them, written together in one transaction.
import { createHash } from 'node:crypto';
import { odata, RestError, TableClient, type TransactionAction } from '@azure/data-tables';
import type { StorageSettings } from '../config';
import { StorageError } from '../errors';
import type { Incident, StoredIncident, TimelineEvent } from '../runbook/incident';
import type { Finding } from '../diagnosis/types';
import type {
  ClaimResult,
  FindingStore,
  HeldClaim,
  IncidentFilter,
  IncidentPage,
  IncidentStore,
  PersonClaimResult,
  StoredFinding,
} from '../runbook/ports';
import { decodeContinuationToken, encodeContinuationToken, encodeIndexRow, INCIDENT_INDEX_TABLE, INDEX_PARTITION } from './incident-index';
import {
  decodeEvent,
  decodeFinding,
  decodeIncident,
  encodeEvent,
  encodeFinding,
  encodeIncident,
  encodeSequence,
  EVENT_ROW_PREFIX,
  eventSeq,
  FINDING_ROW_PREFIX,
  INCIDENT_ROW,
  SEQUENCE_ROW,
} from './incident-entities';
import { tableClient, type StorageClientOptions } from './table-clients';

export const INCIDENTS_TABLE = 'Incidents';
export const ALERT_GATE_TABLE = 'AlertGate';
const GATE_ROW = 'gate';
/** Table transactions take at most 100 operations; keep room for the incident row and the event counter. */
const MAX_EVENTS_PER_TRANSACTION = 98;
/** Index rows one list request reads at most: a selective filter returns a short page and a token. */
const MAX_INDEX_ROWS_PER_PAGE = 1000;
/** Incident rows read in parallel while a page is assembled. */
const INDEX_PAGE_SIZE = 100;
/** Writers racing for the event counter: each round one of them wins, so this covers a crowd. */
const MAX_SEQUENCE_ATTEMPTS = 50;
/** Incidents whose event counter this instance remembers (most recently written). */
const SEQUENCE_CACHE_SIZE = 1000;
/** Index writes tried before an incident that was recorded is reported as not listed. */
const INDEX_WRITE_ATTEMPTS = 3;

interface Sequence {
  last: number;
  /** Absent when the counter row does not exist yet (an incident recorded before events were numbered). */
  etag?: string;
}
const CURRENT_ROW = 'current';

/** Object ids are GUIDs; the prefix keeps person partitions apart from the hashed delivery-shape keys. */
function personPartition(objectId: string): string {
  return `person-${objectId.toLowerCase()}`;
}

/** Alert keys may hold characters a RowKey cannot ('/', '#', '?'): the row is keyed by their hash. */
function alertRow(alertKey: string): string {
  return `alert-${createHash('sha256').update(alertKey).digest('hex')}`;
}

interface ClaimRow {
  incidentId: string;
  claimedAt: string;
}

function statusOf(error: unknown): number | undefined {
  return error instanceof RestError ? error.statusCode : undefined;
}

/** Whether a failed transaction lost an optimistic-concurrency race (ETag moved on or row exists). */
function isConcurrencyLoss(error: unknown): boolean {
  const status = statusOf(error);
  return status === 412 || status === 409;
}

function storageError(what: string, error: unknown): StorageError {
  const status = statusOf(error);
  return new StorageError(
    `${what} failed${status ? ` (${status})` : ''}: ${error instanceof Error ? error.message.split('\n')[0] : 'unknown'}`,
  );
}

/** The rows of one incident's partition whose RowKey starts with prefix ('~' sorts after every key character we write). */
function rowsWithPrefix(incidentId: string, prefix: string): string {
  return odata`PartitionKey eq ${incidentId} and RowKey ge ${prefix} and RowKey lt ${`${prefix}~`}`;
}

/** The store over its three tables (Incidents, AlertGate, IncidentIndex) in the configured account. */
export function incidentStoreFor(settings: StorageSettings, options: StorageClientOptions = {}): TableIncidentStore {
  return new TableIncidentStore(
    tableClient(settings, INCIDENTS_TABLE, options),
    tableClient(settings, ALERT_GATE_TABLE, options),
    tableClient(settings, INCIDENT_INDEX_TABLE, options),
  );
}

export class TableIncidentStore implements IncidentStore, FindingStore {
  private ready?: Promise<void>;
  private readonly sequences = new Map<string, Sequence>();

  constructor(
    private readonly incidents: TableClient,
    private readonly gate: TableClient,
    /** The newest-first index of incidents (incident-index.ts). */
    private readonly index: TableClient,
  ) {}

  /** For GET /api/health: one point read; "not found" means the service answered. */
  async probe(): Promise<void> {
    try {
      await this.incidents.getEntity('health', 'probe');
    } catch (error) {
      if (statusOf(error) !== 404) throw storageError('probing the incident store', error);
    }
  }

  /** Creates the tables now (at start), so the first alert does not pay for it. */
  prepare(): Promise<void> {
    return this.ensureTables();
  }

  /** Creates the tables once per process; "already exists" is success. */
  private ensureTables(): Promise<void> {
    this.ready ??= Promise.all(
      [this.incidents, this.gate, this.index].map((client) =>
        client.createTable().catch((error: unknown) => {
          if (statusOf(error) !== 409) throw error;
        }),
      ),
    ).then(
      () => undefined,
      (error: unknown) => {
        this.ready = undefined;
        throw storageError('creating tables', error);
      },
    );
    return this.ready;
  }

  async claimAlert(gateKey: string, incidentId: string, at: string): Promise<ClaimResult> {
    await this.ensureTables();
    try {
      await this.gate.createEntity({ partitionKey: gateKey, rowKey: GATE_ROW, incidentId, claimedAt: at });
      return { claimed: true };
    } catch (error) {
      if (statusOf(error) !== 409) throw storageError('claiming the alert', error);
    }
    try {
      const row = await this.gate.getEntity<{ incidentId: string; claimedAt: string }>(gateKey, GATE_ROW);
      return { claimed: false, incidentId: row.incidentId, claimedAt: row.claimedAt, etag: row.etag };
    } catch (error) {
      throw storageError('reading the alert claim', error);
    }
  }

  async alertClaim(gateKey: string): Promise<HeldClaim | undefined> {
    await this.ensureTables();
    return this.readClaim(gateKey, GATE_ROW, 'reading the alert claim');
  }

  async reclaimAlert(gateKey: string, etag: string, at: string): Promise<boolean> {
    return this.touchClaim(gateKey, GATE_ROW, etag, at, 'reclaiming the alert');
  }

  async pointAlert(gateKey: string, incidentId: string): Promise<void> {
    try {
      await this.gate.updateEntity({ partitionKey: gateKey, rowKey: GATE_ROW, incidentId }, 'Merge');
    } catch (error) {
      throw storageError('pointing the alert claim', error);
    }
  }

  async claimPerson(objectId: string, alertKey: string, incidentId: string, at: string): Promise<PersonClaimResult> {
    await this.ensureTables();
    const partitionKey = personPartition(objectId);
    try {
      await this.gate.submitTransaction([
        ['create', { partitionKey, rowKey: CURRENT_ROW, incidentId, claimedAt: at }],
        ['create', { partitionKey, rowKey: alertRow(alertKey), incidentId, claimedAt: at, alertKey }],
      ]);
      return { outcome: 'claimed' };
    } catch (error) {
      if (!isConcurrencyLoss(error)) throw storageError('claiming the person', error);
    }
    const [handled, current] = await Promise.all([
      this.readClaim(partitionKey, alertRow(alertKey), 'reading the person claim'),
      this.readClaim(partitionKey, CURRENT_ROW, 'reading the person claim'),
    ]);
    if (handled) return { outcome: 'handled', ...handled };
    // Both rows are written in one transaction, so a lost create means the current row exists.
    if (current) return { outcome: 'current', ...current };
    throw new StorageError('the person gate refused the claim but holds no row for the person');
  }

  async linkPerson(objectId: string, alertKey: string, incidentId: string, at: string): Promise<boolean> {
    try {
      await this.gate.createEntity({
        partitionKey: personPartition(objectId),
        rowKey: alertRow(alertKey),
        incidentId,
        claimedAt: at,
        alertKey,
      });
      return true;
    } catch (error) {
      if (statusOf(error) === 409) return false;
      throw storageError('linking the alert to the person', error);
    }
  }

  async replacePerson(objectId: string, alertKey: string, incidentId: string, currentEtag: string, at: string): Promise<boolean> {
    const partitionKey = personPartition(objectId);
    try {
      await this.gate.submitTransaction([
        ['update', { partitionKey, rowKey: CURRENT_ROW, incidentId, claimedAt: at }, 'Replace', { etag: currentEtag }],
        ['create', { partitionKey, rowKey: alertRow(alertKey), incidentId, claimedAt: at, alertKey }],
      ]);
      return true;
    } catch (error) {
      if (isConcurrencyLoss(error)) return false;
      throw storageError('opening a new incident for the person', error);
    }
  }

  async reclaimPerson(objectId: string, alertKey: string | undefined, etag: string, at: string): Promise<boolean> {
    return this.touchClaim(
      personPartition(objectId),
      alertKey === undefined ? CURRENT_ROW : alertRow(alertKey),
      etag,
      at,
      'reclaiming the person',
    );
  }

  private async readClaim(partitionKey: string, rowKey: string, what: string): Promise<HeldClaim | undefined> {
    try {
      const row = await this.gate.getEntity<ClaimRow>(partitionKey, rowKey);
      return { incidentId: row.incidentId, claimedAt: row.claimedAt, etag: row.etag };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw storageError(what, error);
    }
  }

  /** Moves a claim's time on under its ETag: exactly one of several takers wins. */
  private async touchClaim(partitionKey: string, rowKey: string, etag: string, at: string, what: string): Promise<boolean> {
    try {
      await this.gate.updateEntity({ partitionKey, rowKey, claimedAt: at }, 'Merge', { etag });
      return true;
    } catch (error) {
      if (isConcurrencyLoss(error)) return false;
      throw storageError(what, error);
    }
  }

  async create(incident: Incident, events: TimelineEvent[]): Promise<StoredIncident> {
    await this.ensureTables();
    const numbered = events.slice(0, MAX_EVENTS_PER_TRANSACTION);
    const actions: TransactionAction[] = [
      ['create', encodeIncident(incident)],
      ['create', encodeSequence(incident.id, numbered.length)],
      ...this.eventActions(incident.id, numbered, 0),
    ];
    // The index row is written beside the incident, not before it: containment waits on this write, so
    // it costs no extra round-trip. An index row whose incident failed is skipped by list(); an incident
    // whose index row failed would never be listed, so the index write is retried before giving up.
    const [recorded, indexed] = await Promise.allSettled([this.incidents.submitTransaction(actions), this.indexIncident(incident)]);
    if (recorded.status === 'rejected') throw storageError('recording the incident', recorded.reason);
    if (indexed.status === 'rejected') await this.indexIncident(incident, INDEX_WRITE_ATTEMPTS - 1);
    this.rememberSequence(incident.id, numbered.length, recorded.value.subResponses, 1);
    return { incident, etag: this.incidentEtag(recorded.value.subResponses) };
  }

  /** Upsert: a retried create writes the same row. */
  private async indexIncident(incident: Incident, attempts = 1): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.index.upsertEntity(encodeIndexRow(incident.id, incident.createdAt), 'Replace');
        return;
      } catch (error) {
        if (attempt >= attempts) throw storageError('indexing the incident', error);
      }
    }
  }

  /**
   * The event counter's value and ETag after our own write, so the next update of the same incident
   * from this instance numbers its events without reading the counter first (a round-trip on the
   * containment path). A stale entry only costs a lost race: the ETag check refuses it and we re-read.
   */
  private rememberSequence(id: string, last: number, subResponses: readonly { rowKey?: string; etag?: string }[], position: number): void {
    // Sub-responses come in the order of the actions; only created rows also carry their RowKey.
    const etag = subResponses.find((response) => response.rowKey === SEQUENCE_ROW)?.etag ?? subResponses[position]?.etag;
    this.sequences.delete(id);
    if (etag === undefined) return;
    this.sequences.set(id, { last, etag });
    if (this.sequences.size > SEQUENCE_CACHE_SIZE) {
      const oldest = this.sequences.keys().next();
      if (!oldest.done) this.sequences.delete(oldest.value);
    }
  }

  async update(incident: Incident, etag: string, events: TimelineEvent[]): Promise<StoredIncident | undefined> {
    const numbered = events.slice(0, MAX_EVENTS_PER_TRANSACTION);
    for (let attempt = 1; attempt <= MAX_SEQUENCE_ATTEMPTS; attempt++) {
      const sequence = numbered.length === 0 ? undefined : (this.sequences.get(incident.id) ?? (await this.readSequence(incident.id)));
      const actions: TransactionAction[] = [
        ['update', encodeIncident(incident), 'Replace', { etag }],
        ...(sequence === undefined
          ? []
          : [this.advance(incident.id, sequence, numbered.length), ...this.eventActions(incident.id, numbered, sequence.last)]),
      ];
      try {
        const response = await this.incidents.submitTransaction(actions);
        if (sequence !== undefined) this.rememberSequence(incident.id, sequence.last + numbered.length, response.subResponses, 1);
        return { incident, etag: this.incidentEtag(response.subResponses) };
      } catch (error) {
        if (!isConcurrencyLoss(error)) throw storageError('updating the incident', error);
        this.sequences.delete(incident.id);
      }
      // Either the incident moved on (another writer won: the caller re-reads) or only the event
      // counter did (a concurrent appendEvents): then the update is still ours to make, numbered after it.
      if (sequence === undefined || (await this.get(incident.id))?.etag !== etag) return undefined;
    }
    throw new StorageError(`updating the incident: the event counter stayed contended for ${MAX_SEQUENCE_ATTEMPTS} attempts`);
  }

  /** The event counter as it stands, with the ETag that guards advancing it. */
  private async readSequence(id: string): Promise<Sequence> {
    try {
      const entity = await this.incidents.getEntity<{ last?: unknown }>(id, SEQUENCE_ROW);
      return { last: typeof entity.last === 'number' ? entity.last : 0, etag: entity.etag };
    } catch (error) {
      if (statusOf(error) === 404) return { last: 0 };
      throw storageError('reading the event counter', error);
    }
  }

  private advance(id: string, sequence: Sequence, count: number): TransactionAction {
    const row = encodeSequence(id, sequence.last + count);
    return sequence.etag === undefined ? ['create', row] : ['update', row, 'Replace', { etag: sequence.etag }];
  }

  private eventActions(id: string, events: readonly TimelineEvent[], after: number): TransactionAction[] {
    return events.map((event, index): TransactionAction => ['create', encodeEvent(id, event, after + index + 1)]);
  }

  private incidentEtag(subResponses: readonly { rowKey?: string; etag?: string }[]): string {
    const etag = subResponses.find((response) => response.rowKey === INCIDENT_ROW)?.etag ?? subResponses[0]?.etag;
    if (etag === undefined) throw new StorageError('the table service returned no ETag for the incident row');
    return etag;
  }

  /** No ETag on the incident: safe beside any writer, because only the event counter is contended. */
  async appendEvents(id: string, events: TimelineEvent[]): Promise<void> {
    await this.ensureTables();
    if (events.length === 0) return;
    const numbered = events.slice(0, MAX_EVENTS_PER_TRANSACTION);
    for (let attempt = 1; attempt <= MAX_SEQUENCE_ATTEMPTS; attempt++) {
      const sequence = this.sequences.get(id) ?? (await this.readSequence(id));
      try {
        const response = await this.incidents.submitTransaction([
          this.advance(id, sequence, numbered.length),
          ...this.eventActions(id, numbered, sequence.last),
        ]);
        this.rememberSequence(id, sequence.last + numbered.length, response.subResponses, 0);
        return;
      } catch (error) {
        if (!isConcurrencyLoss(error)) throw storageError('recording timeline events', error);
        this.sequences.delete(id);
      }
    }
    throw new StorageError(`recording timeline events: the event counter stayed contended for ${MAX_SEQUENCE_ATTEMPTS} attempts`);
  }

  async get(id: string): Promise<StoredIncident | undefined> {
    await this.ensureTables();
    try {
      const entity = await this.incidents.getEntity<Record<string, unknown>>(id, INCIDENT_ROW);
      return { incident: decodeIncident(entity), etag: entity.etag };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw storageError('reading the incident', error);
    }
  }

  async timeline(id: string): Promise<TimelineEvent[]> {
    await this.ensureTables();
    const events: Array<{ event: TimelineEvent; seq: number }> = [];
    const filter = rowsWithPrefix(id, EVENT_ROW_PREFIX);
    try {
      for await (const entity of this.incidents.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
        events.push({ event: decodeEvent(entity), seq: eventSeq(entity) });
      }
    } catch (error) {
      throw storageError('reading the timeline', error);
    }
    // Recorded order. Events from before the numbering (seq 0) come first, by time as they always were.
    return events
      .sort((a, b) => a.seq - b.seq || a.event.at.localeCompare(b.event.at) || a.event.id.localeCompare(b.event.id))
      .map(({ event }) => event);
  }

  /**
   * Walks the index newest first from the token's key, reading each incident and keeping those the
   * filters match, until the page is full, the scan limit is reached (then a token says where to go
   * on), the index ends, or `since` is passed.
   */
  async list(filter: IncidentFilter): Promise<IncidentPage> {
    await this.ensureTables();
    const after = filter.continuationToken === undefined ? undefined : decodeContinuationToken(filter.continuationToken);
    const user = filter.user?.toLowerCase();
    const matches = (incident: Incident) =>
      (filter.state === undefined || incident.state === filter.state) &&
      (filter.since === undefined || incident.createdAt >= filter.since) &&
      (user === undefined || incident.userKey === user || incident.user.upn === user || incident.user.objectId === user);
    const filterText =
      after === undefined ? odata`PartitionKey eq ${INDEX_PARTITION}` : odata`PartitionKey eq ${INDEX_PARTITION} and RowKey gt ${after}`;
    const found: Incident[] = [];
    let scanned = 0;
    try {
      const pages = this.index
        .listEntities<{ incidentId?: unknown; createdAt?: unknown }>({ queryOptions: { filter: filterText } })
        .byPage({ maxPageSize: INDEX_PAGE_SIZE });
      for await (const page of pages) {
        const incidents = await Promise.all(
          page.map((row) => (typeof row.incidentId === 'string' ? this.get(row.incidentId) : Promise.resolve(undefined))),
        );
        for (const [i, row] of page.entries()) {
          scanned++;
          if (filter.since !== undefined && typeof row.createdAt === 'string' && row.createdAt < filter.since) return { incidents: found };
          const incident = incidents[i]?.incident;
          if (incident !== undefined && matches(incident)) found.push(incident);
          if (found.length >= filter.top || scanned >= MAX_INDEX_ROWS_PER_PAGE) {
            const more = i < page.length - 1 || page.continuationToken !== undefined;
            return { incidents: found, ...(more ? { continuationToken: encodeContinuationToken(String(row.rowKey)) } : {}) };
          }
        }
      }
    } catch (error) {
      if (error instanceof StorageError) throw error;
      throw storageError('listing incidents', error);
    }
    return { incidents: found };
  }

  /** Upserts (Replace) in transactions of up to 100 rows; a re-run of diagnosis overwrites its own rows. */
  async upsertFindings(id: string, findings: readonly Finding[], observedAt: string): Promise<void> {
    await this.ensureTables();
    const unique = new Map(
      findings.map((finding) => {
        const entity = encodeFinding(id, finding, observedAt);
        return [entity.rowKey, entity] as const;
      }),
    );
    const entities = [...unique.values()];
    try {
      for (let i = 0; i < entities.length; i += 100) {
        await this.incidents.submitTransaction(
          entities.slice(i, i + 100).map((entity): TransactionAction => ['upsert', entity, 'Replace']),
        );
      }
    } catch (error) {
      throw storageError('recording findings', error);
    }
  }

  async findings(id: string): Promise<StoredFinding[]> {
    await this.ensureTables();
    const found: StoredFinding[] = [];
    const filter = rowsWithPrefix(id, FINDING_ROW_PREFIX);
    try {
      for await (const entity of this.incidents.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
        found.push(decodeFinding(entity));
      }
    } catch (error) {
      throw storageError('reading findings', error);
    }
    return found;
  }
}
