// The campaign store against Azurite: incidents whose pivots overlap join one campaign even when they
// join at the same moment, a pivot is hunted by one incident only (a stale claim is taken over), and
// hits of one person from several passes merge.
import { TableClient } from '@azure/data-tables';
import { ulid } from 'ulid';
import { lendOrStartAzurite, type LentAzurite } from '../../dev/azurite';
import type { Pivot } from '../../shared/campaign/pivots';
import type { CampaignHit, PivotRecord } from '../../shared/campaign/types';
import { CAMPAIGN_INDEX_TABLE, CAMPAIGNS_TABLE, TableCampaignStore } from '../../shared/store/table-campaign-store';

let azurite: LentAzurite;
let store: TableCampaignStore;

beforeAll(async () => {
  azurite = await lendOrStartAzurite();
  const client = (name: string) => TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true });
  store = new TableCampaignStore(client(CAMPAIGNS_TABLE), client(CAMPAIGN_INDEX_TABLE));
});

afterAll(async () => {
  await azurite.stop();
});

const at = '2026-03-14T12:00:00.000Z';
const ip: Pivot = { kind: 'ip', value: '198.51.100.23', origin: 'alert' };

function record(pivot: Pivot, incidentId: string, huntedAt = at): PivotRecord {
  return { pivot, status: 'hunted', via: 'test', matches: 0, huntedAt, incidentId };
}

describe('TableCampaignStore', () => {
  it('two incidents with an overlapping pivot joining at once end in one campaign', async () => {
    const [a, b] = await Promise.all([
      store.join(['ip:203.0.113.1', 'ip:203.0.113.2'], ulid(), ulid(), at),
      store.join(['ip:203.0.113.1'], ulid(), ulid(), at),
    ]);
    expect(a.campaignId).toBe(b.campaignId);
    expect([a.created, b.created].filter(Boolean)).toHaveLength(1);
    // A later incident sharing only the second pivot joins it too; an unrelated one does not.
    const later = await store.join(['ip:203.0.113.2', 'userAgent:x'], ulid(), ulid(), at);
    expect(later).toEqual({ campaignId: a.campaignId, created: false });
    expect((await store.join(['ip:203.0.113.99'], ulid(), ulid(), at)).campaignId).not.toBe(a.campaignId);
  });

  it('an incident stays in its campaign and is found by campaignOf', async () => {
    const incidentId = ulid();
    const first = await store.join(['ip:203.0.113.50'], ulid(), incidentId, at);
    expect(await store.join(['ip:203.0.113.51'], ulid(), incidentId, at)).toEqual({ campaignId: first.campaignId, created: false });
    expect(await store.campaignOf(incidentId)).toBe(first.campaignId);
    expect(await store.campaignOf(ulid())).toBeUndefined();
  });

  it('a pivot is claimed once; a released or stale claim can be claimed again', async () => {
    const { campaignId } = await store.join(['ip:198.51.100.23'], ulid(), ulid(), at);
    const claims = await Promise.all([
      store.claimPivot(campaignId, record(ip, 'A'), 60_000),
      store.claimPivot(campaignId, record(ip, 'B'), 60_000),
    ]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    await store.releasePivot(campaignId, 'ip:198.51.100.23');
    expect(await store.claimPivot(campaignId, record(ip, 'C'), 60_000)).toBe(true);
    expect(await store.claimPivot(campaignId, record(ip, 'D', '2026-03-14T12:00:30.000Z'), 60_000)).toBe(false);
    expect(await store.claimPivot(campaignId, record(ip, 'E', '2026-03-14T12:05:00.000Z'), 60_000)).toBe(true);
    await store.recordPivots(campaignId, [{ ...record(ip, 'E'), matches: 3 }]);
    expect(await store.claimPivot(campaignId, record(ip, 'F', '2026-03-15T12:00:00.000Z'), 60_000)).toBe(false);
  });

  it('hits of one person merge across passes; the campaign reads back whole', async () => {
    const { campaignId } = await store.join(['ip:198.51.100.77'], ulid(), ulid(), at);
    const hit = (pivots: string[], verdict: CampaignHit['verdict']): CampaignHit => ({
      userKey: 'id-1',
      upn: 'casey@x.example',
      ips: ['198.51.100.77'],
      apps: [],
      userAgents: [],
      asns: [],
      pivots,
      verdict,
      reasons: [pivots[0]],
    });
    await Promise.all([
      store.recordHits(campaignId, [hit(['ip:198.51.100.77'], 'suspicious')], at),
      store.recordHits(campaignId, [hit(['address:a@b.example'], 'not_evidence')], at),
    ]);
    await store.link(campaignId, [{ incidentId: 'INC1', userKey: 'id-1', role: 'victim', state: 'awaiting_approval', linkedAt: at }]);
    await store.addNotes(campaignId, ['Graph v1.0 sign-ins are interactive only'], at);
    const campaign = await store.get(campaignId);
    expect(campaign?.hits).toHaveLength(1);
    expect(campaign?.hits[0]).toMatchObject({ verdict: 'suspicious', pivots: ['address:a@b.example', 'ip:198.51.100.77'] });
    expect(campaign?.incidents.map((l) => l.incidentId)).toEqual(['INC1']);
    expect(campaign?.notes).toEqual(['Graph v1.0 sign-ins are interactive only']);
    expect((await store.list(100)).some((c) => c.id === campaignId)).toBe(true);
    expect(await store.campaignOf('INC1')).toBe(campaignId);
    // The links alone: what every victim's hunt asks, without the hits, pivots and notes beside them.
    expect(await store.links(campaignId)).toEqual([
      { incidentId: 'INC1', userKey: 'id-1', role: 'victim', state: 'awaiting_approval', linkedAt: at },
    ]);
    const { campaignId: other } = await store.join(['ip:198.51.100.78'], ulid(), ulid(), at);
    expect(await store.links(other)).toEqual([]);
  });
});
