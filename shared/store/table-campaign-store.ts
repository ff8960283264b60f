// CampaignStore over Azure Table Storage. One partition per campaign (PartitionKey = campaign id, a ULID)
// holds the campaign row, a row per pivot hunted, per other user hit, per linked incident and per note.
// The IOC index is a separate table of insert-only rows (pivot -> campaign, incident -> campaign): the
// first incident to index a pivot decides its campaign, so two incidents of one phishing wave that hunt
// at the same time end in the same campaign.
import { createHash } from 'node:crypto';
import { odata, RestError, TableClient } from '@azure/data-tables';
import { mergeHit } from '../campaign/judge';
import { pivotKey } from '../campaign/pivots';
import type { Campaign, CampaignHit, CampaignLink, PivotRecord } from '../campaign/types';
import { StorageError } from '../errors';
import type { CampaignStore, JoinResult } from '../runbook/ports';

export const CAMPAIGNS_TABLE = 'Campaigns';
export const CAMPAIGN_INDEX_TABLE = 'CampaignIndex';
const CAMPAIGN_ROW = 'campaign';
const PIVOT_PREFIX = 'pivot|';
const HIT_PREFIX = 'hit|';
const LINK_PREFIX = 'link|';
/** The first key past every LINK_PREFIX key ('}' follows '|'). */
const LINK_END = 'link}';
const NOTE_PREFIX = 'note|';
/** Table properties hold at most 64 KiB of UTF-16; evidence is capped well below. */
const MAX_DATA = 30_000;

function statusOf(error: unknown): number | undefined {
  return error instanceof RestError ? error.statusCode : undefined;
}

function storageError(what: string, error: unknown): StorageError {
  const status = statusOf(error);
  return new StorageError(
    `${what} failed${status ? ` (${status})` : ''}: ${error instanceof Error ? error.message.split('\n')[0] : 'unknown'}`,
  );
}

/** Row keys may not hold / \ # ? or control characters; a hash of the value always fits. */
function hashKey(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 40);
}

function encode(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length <= MAX_DATA ? text : JSON.stringify({ truncated: true, preview: text.slice(0, MAX_DATA - 100) });
}

function decode<T>(entity: { data?: unknown }): T | undefined {
  if (typeof entity.data !== 'string') return undefined;
  try {
    return JSON.parse(entity.data) as T;
  } catch {
    return undefined;
  }
}

interface CampaignRow {
  id: string;
  status: 'open';
  createdAt: string;
  updatedAt: string;
}

export class TableCampaignStore implements CampaignStore {
  private ready?: Promise<void>;

  constructor(
    private readonly campaigns: TableClient,
    private readonly index: TableClient,
  ) {}

  private ensureTables(): Promise<void> {
    this.ready ??= Promise.all(
      [this.campaigns, this.index].map((client) =>
        client.createTable().catch((error: unknown) => {
          if (statusOf(error) !== 409) throw error;
        }),
      ),
    ).then(
      () => undefined,
      (error: unknown) => {
        this.ready = undefined;
        throw storageError('creating campaign tables', error);
      },
    );
    return this.ready;
  }

  /** Inserts an index row unless one exists; either way answers the campaign it names. */
  private async indexed(partition: 'pivot' | 'incident', key: string, campaignId: string, at: string): Promise<string> {
    try {
      await this.index.createEntity({ partitionKey: partition, rowKey: hashKey(key), campaignId, key: key.slice(0, 1024), at });
      return campaignId;
    } catch (error) {
      if (statusOf(error) !== 409) throw storageError('indexing the campaign', error);
    }
    const existing = await this.index.getEntity<{ campaignId: string }>(partition, hashKey(key)).catch((error: unknown) => {
      throw storageError('reading the campaign index', error);
    });
    return existing.campaignId;
  }

  private async lookup(partition: 'pivot' | 'incident', key: string): Promise<string | undefined> {
    try {
      return (await this.index.getEntity<{ campaignId: string }>(partition, hashKey(key))).campaignId;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw storageError('reading the campaign index', error);
    }
  }

  async join(pivotKeys: readonly string[], candidateId: string, incidentId: string, at: string): Promise<JoinResult> {
    await this.ensureTables();
    const keys = [...pivotKeys].sort();
    // An incident hunted before stays in its campaign; else the first indexed pivot decides.
    const known = await this.lookup('incident', incidentId);
    const owners = known ? [] : await Promise.all(keys.map((key) => this.lookup('pivot', key)));
    let campaignId = known ?? owners.find((owner): owner is string => owner !== undefined);
    if (campaignId === undefined) {
      // Nobody owns any of them yet: claim the first; whoever claimed it first (maybe a concurrent hunt) decides.
      campaignId = keys.length > 0 ? await this.indexed('pivot', keys[0], candidateId, at) : candidateId;
    }
    campaignId = await this.indexed('incident', incidentId, campaignId, at);
    await Promise.all(keys.map((key) => this.indexed('pivot', key, campaignId, at)));
    const created = campaignId === candidateId;
    try {
      await this.campaigns.createEntity({
        partitionKey: campaignId,
        rowKey: CAMPAIGN_ROW,
        data: encode({ id: campaignId, status: 'open', createdAt: at, updatedAt: at } satisfies CampaignRow),
      });
    } catch (error) {
      if (statusOf(error) !== 409) throw storageError('creating the campaign', error);
    }
    return { campaignId, created };
  }

  async claimPivot(campaignId: string, record: PivotRecord, staleAfterMs: number): Promise<boolean> {
    await this.ensureTables();
    const rowKey = PIVOT_PREFIX + hashKey(pivotKey(record.pivot));
    try {
      await this.campaigns.createEntity({
        partitionKey: campaignId,
        rowKey,
        state: 'hunting',
        claimedBy: record.incidentId,
        claimedAt: record.huntedAt,
        data: encode(record),
      });
      return true;
    } catch (error) {
      if (statusOf(error) !== 409) throw storageError('claiming a pivot', error);
    }
    const existing = await this.campaigns.getEntity<{ state: string; claimedAt: string }>(campaignId, rowKey);
    const stale = existing.state === 'hunting' && Date.parse(record.huntedAt) - Date.parse(existing.claimedAt) > staleAfterMs;
    if (!stale) return false;
    try {
      await this.campaigns.updateEntity(
        {
          partitionKey: campaignId,
          rowKey,
          state: 'hunting',
          claimedBy: record.incidentId,
          claimedAt: record.huntedAt,
          data: encode(record),
        },
        'Replace',
        { etag: existing.etag },
      );
      return true;
    } catch (error) {
      if (statusOf(error) === 412) return false;
      throw storageError('taking over a pivot', error);
    }
  }

  async releasePivot(campaignId: string, key: string): Promise<void> {
    await this.campaigns.deleteEntity(campaignId, PIVOT_PREFIX + hashKey(key)).catch((error: unknown) => {
      if (statusOf(error) !== 404) throw storageError('releasing a pivot', error);
    });
  }

  async recordPivots(campaignId: string, records: readonly PivotRecord[]): Promise<void> {
    await Promise.all(
      records.map((record) =>
        this.campaigns
          .upsertEntity(
            {
              partitionKey: campaignId,
              rowKey: PIVOT_PREFIX + hashKey(pivotKey(record.pivot)),
              state: 'done',
              claimedBy: record.incidentId,
              claimedAt: record.huntedAt,
              data: encode(record),
            },
            'Replace',
          )
          .catch((error: unknown) => {
            throw storageError('recording a pivot', error);
          }),
      ),
    );
    await this.touch(campaignId, records[0]?.huntedAt);
  }

  async recordHits(campaignId: string, hits: readonly CampaignHit[], at: string): Promise<void> {
    await Promise.all(
      hits.map(async (hit) => {
        const rowKey = HIT_PREFIX + hashKey(hit.userKey);
        for (let attempt = 0; attempt < 5; attempt++) {
          const existing = await this.campaigns.getEntity<{ data: string }>(campaignId, rowKey).catch((error: unknown) => {
            if (statusOf(error) === 404) return undefined;
            throw storageError('reading a hit', error);
          });
          const merged = mergeHit(existing ? decode<CampaignHit>(existing) : undefined, hit);
          try {
            if (existing)
              await this.campaigns.updateEntity({ partitionKey: campaignId, rowKey, data: encode(merged), at }, 'Replace', {
                etag: existing.etag,
              });
            else await this.campaigns.createEntity({ partitionKey: campaignId, rowKey, data: encode(merged), at });
            return;
          } catch (error) {
            // Another pass of the same campaign wrote this person first: merge with theirs.
            if (statusOf(error) !== 412 && statusOf(error) !== 409) throw storageError('recording a hit', error);
          }
        }
        throw new StorageError('recording a hit failed: too many concurrent writers');
      }),
    );
    await this.touch(campaignId, at);
  }

  async link(campaignId: string, links: readonly CampaignLink[]): Promise<void> {
    await Promise.all(
      links.map(async (link) => {
        await this.indexed('incident', link.incidentId, campaignId, link.linkedAt);
        await this.campaigns
          .upsertEntity({ partitionKey: campaignId, rowKey: LINK_PREFIX + link.incidentId, data: encode(link) }, 'Merge')
          .catch((error: unknown) => {
            throw storageError('linking an incident', error);
          });
      }),
    );
  }

  async addNotes(campaignId: string, notes: readonly string[], at: string): Promise<void> {
    await Promise.all(
      notes.map((note) =>
        this.campaigns
          .upsertEntity({ partitionKey: campaignId, rowKey: NOTE_PREFIX + hashKey(note), data: encode(note.slice(0, 1000)), at }, 'Replace')
          .catch((error: unknown) => {
            throw storageError('recording a note', error);
          }),
      ),
    );
  }

  private async touch(campaignId: string, at: string | undefined): Promise<void> {
    if (at === undefined) return;
    const row = await this.campaigns.getEntity<{ data: string }>(campaignId, CAMPAIGN_ROW).catch(() => undefined);
    const campaign = row ? decode<CampaignRow>(row) : undefined;
    if (!row || !campaign || campaign.updatedAt >= at) return;
    // A lost race only means someone else touched it later.
    await this.campaigns
      .updateEntity({ partitionKey: campaignId, rowKey: CAMPAIGN_ROW, data: encode({ ...campaign, updatedAt: at }) }, 'Replace', {
        etag: row.etag,
      })
      .catch(() => undefined);
  }

  async get(campaignId: string): Promise<Campaign | undefined> {
    await this.ensureTables();
    let campaign: CampaignRow | undefined;
    const pivots: PivotRecord[] = [];
    const hits: CampaignHit[] = [];
    const incidents: CampaignLink[] = [];
    const notes: string[] = [];
    try {
      const rows = this.campaigns.listEntities<{ data?: string }>({
        queryOptions: { filter: odata`PartitionKey eq ${campaignId}` },
      });
      for await (const row of rows) {
        const key = row.rowKey ?? '';
        if (key === CAMPAIGN_ROW) campaign = decode<CampaignRow>(row);
        else if (key.startsWith(PIVOT_PREFIX)) pivots.push(...[decode<PivotRecord>(row)].filter((r): r is PivotRecord => r !== undefined));
        else if (key.startsWith(HIT_PREFIX)) hits.push(...[decode<CampaignHit>(row)].filter((r): r is CampaignHit => r !== undefined));
        else if (key.startsWith(LINK_PREFIX))
          incidents.push(...[decode<CampaignLink>(row)].filter((r): r is CampaignLink => r !== undefined));
        else if (key.startsWith(NOTE_PREFIX)) notes.push(...[decode<string>(row)].filter((r): r is string => r !== undefined));
      }
    } catch (error) {
      throw storageError('reading the campaign', error);
    }
    if (!campaign) return undefined;
    return {
      ...campaign,
      pivots: pivots.sort((a, b) => pivotKey(a.pivot).localeCompare(pivotKey(b.pivot))),
      hits: hits.sort((a, b) => (a.verdict === b.verdict ? a.userKey.localeCompare(b.userKey) : a.verdict === 'suspicious' ? -1 : 1)),
      incidents: incidents.sort((a, b) => a.linkedAt.localeCompare(b.linkedAt) || a.incidentId.localeCompare(b.incidentId)),
      notes: notes.sort(),
    };
  }

  async links(campaignId: string): Promise<CampaignLink[]> {
    await this.ensureTables();
    const links: CampaignLink[] = [];
    // The link rows only: a campaign's hits carry evidence and number in the hundreds, and every victim's
    // own hunt asks who is linked.
    const filter = odata`PartitionKey eq ${campaignId} and RowKey ge ${LINK_PREFIX} and RowKey lt ${LINK_END}`;
    try {
      for await (const row of this.campaigns.listEntities<{ data?: string }>({ queryOptions: { filter } })) {
        const link = decode<CampaignLink>(row);
        if (link) links.push(link);
      }
    } catch (error) {
      throw storageError('reading the campaign links', error);
    }
    return links;
  }

  async list(limit: number): Promise<CampaignRow[]> {
    await this.ensureTables();
    const found: CampaignRow[] = [];
    try {
      for await (const row of this.campaigns.listEntities<{ data?: string }>({
        queryOptions: { filter: odata`RowKey eq ${CAMPAIGN_ROW}` },
      })) {
        const campaign = decode<CampaignRow>(row);
        if (campaign) found.push(campaign);
      }
    } catch (error) {
      throw storageError('listing campaigns', error);
    }
    return found.sort((a, b) => b.id.localeCompare(a.id)).slice(0, limit);
  }

  async campaignOf(incidentId: string): Promise<string | undefined> {
    await this.ensureTables();
    return this.lookup('incident', incidentId);
  }
}
