// The blast-radius slots (shared/store/blast-radius-slots.ts says why they are exact, and what a slow
// storage or a dead process does) in Table Storage: one partition, a row per slot (`slot-000000` to
// `slot-{MAX-1}`: its holder, an incident id, and when it was granted) and a row per current holder
// (`holder-{incident id}`: its slot). Each transaction's writes (inserts, and replaces under the ETag
// read) are one entity group transaction, so they all happen or none does; the row of a holder whose
// slot passed on is deleted after, under its ETag.
import { createHash } from 'node:crypto';
import { odata, RestError, TableClient, type TransactionAction } from '@azure/data-tables';
import { StorageError } from '../errors';
import { SlotConflict, SlotLimiter, type SlotRow, type SlotRowKey, type SlotStore, type SlotWrite } from './blast-radius-slots';

export const LIMITS_TABLE = 'Limits';
/** The fixed-window counters of earlier versions lived in partition `blast-radius`; these rows do not mix with them. */
export const SLOTS_PARTITION = 'blast-radius-slots';

function statusOf(error: unknown): number | undefined {
  return error instanceof RestError ? error.statusCode : undefined;
}

/** Says what failed without the SDK's text (it can name the storage endpoint): the incident's reason shows it. */
function failure(what: string, error: unknown): StorageError {
  const status = statusOf(error);
  const why =
    status !== undefined
      ? `storage answered ${status}`
      : error instanceof Error && error.name === 'AbortError'
        ? 'timed out'
        : 'unreachable';
  return new StorageError(`${what} failed (${why})`);
}

/** Incident ids are ULIDs; anything else a row key cannot hold is hashed. */
function holderKey(holder: string): string {
  return /^[A-Za-z0-9_-]{1,200}$/.test(holder) ? `holder-${holder}` : `holder-#${createHash('sha256').update(holder).digest('hex')}`;
}

export function rowKeyOf(row: SlotRowKey): string {
  return row.kind === 'slot' ? `slot-${String(row.index).padStart(6, '0')}` : holderKey(row.holder);
}

interface SlotEntity {
  kind?: string;
  index?: number;
  holder?: string;
  grantedAt?: string;
}

function rowOf(entity: SlotEntity & { etag?: string }): SlotRow | undefined {
  if ((entity.kind !== 'slot' && entity.kind !== 'holder') || typeof entity.holder !== 'string' || entity.etag === undefined)
    return undefined;
  const index = Number(entity.index);
  if (!Number.isSafeInteger(index) || index < 0) return undefined;
  // A grant whose time cannot be read counts as made now (fail closed): it frees a window from now at the latest.
  const grantedAt = Date.parse(entity.grantedAt ?? '');
  return {
    kind: entity.kind,
    index,
    holder: entity.holder,
    grantedAt: Number.isNaN(grantedAt) ? Date.now() : grantedAt,
    etag: entity.etag,
  };
}

export class TableSlotStore implements SlotStore {
  private ready?: Promise<void>;

  constructor(private readonly client: TableClient) {}

  private ensureTable(): Promise<void> {
    this.ready ??= this.client.createTable().then(
      () => undefined,
      (error: unknown) => {
        if (statusOf(error) === 409) return;
        this.ready = undefined;
        throw failure('creating the blast-radius table', error);
      },
    );
    return this.ready;
  }

  async read(): Promise<SlotRow[]> {
    await this.ensureTable();
    const rows: SlotRow[] = [];
    try {
      const entities = this.client.listEntities<SlotEntity>({ queryOptions: { filter: odata`PartitionKey eq ${SLOTS_PARTITION}` } });
      for await (const entity of entities) {
        const row = rowOf(entity);
        if (row !== undefined) rows.push(row);
      }
    } catch (error) {
      if (statusOf(error) === 404) this.ready = undefined;
      throw failure('reading the blast-radius slots', error);
    }
    return rows;
  }

  async commit(writes: readonly SlotWrite[]): Promise<Array<string | undefined>> {
    await this.ensureTable();
    const actions = writes.map((write): TransactionAction => {
      const keys = { partitionKey: SLOTS_PARTITION, rowKey: rowKeyOf(write.row) };
      const { kind, index, holder, grantedAt } = write.row;
      const entity = { ...keys, kind, index, holder, grantedAt: new Date(grantedAt).toISOString() };
      return write.op === 'insert' ? ['create', entity] : ['update', entity, 'Replace', { etag: write.etag }];
    });
    try {
      const response = await this.client.submitTransaction(actions);
      return writes.map((_, i) => response.subResponses[i]?.etag);
    } catch (error) {
      const status = statusOf(error);
      // 412: a row moved on; 409: a row we meant to insert exists; 404: a row (or the table) is gone.
      if (status === 412 || status === 409) throw new SlotConflict('another instance changed a slot first');
      if (status === 404) {
        this.ready = undefined;
        throw new SlotConflict('a slot row is gone');
      }
      throw failure('claiming a blast-radius slot', error);
    }
  }

  async discard(row: SlotRow): Promise<void> {
    try {
      await this.client.deleteEntity(SLOTS_PARTITION, rowKeyOf(row), { etag: row.etag });
    } catch (error) {
      throw failure('tidying a blast-radius holder row', error);
    }
  }
}

/** The limiter the containment path uses: the slots in `client`'s table, MAX per sliding window of `windowMinutes`. */
export class TableBlastRadiusLimiter extends SlotLimiter {
  constructor(client: TableClient, max: number, windowMinutes: number) {
    super(new TableSlotStore(client), { max, windowMs: windowMinutes * 60_000 });
  }
}
