// Phase 4, the pivot hunt: "If multiple users have signed in from this IP, you're looking at a
// campaign. Repeat the full runbook for every affected user." The incident's pivots (alert, then evidence
// pack) join or open a campaign; each pivot not hunted before for the campaign is hunted on the
// configured backend (falling back when it refuses); other users are judged; suspicious ones become
// incidents through the same containment path POST /api/contain runs, with every safety gate, held for an
// approver unless CAMPAIGN_CONTAINMENT=contain.
import { ulid } from 'ulid';
import type { NormalizedAlert } from '../alerts/types';
import { pivotsFromAlert, pivotsFromEvidence } from '../campaign/evidence-pivots';
import { judgeHits } from '../campaign/judge';
import { distinctPivots, pivotKey, type Pivot } from '../campaign/pivots';
import type { CampaignHit, CampaignLink, PivotMatch, PivotRecord } from '../campaign/types';
import { UpstreamError, NotFoundError, toError } from '../errors';
import { containAlert, type Actor, type ContainDeps } from './contain';
import type { Incident, TimelineEvent } from './incident';
import type { Clock, CampaignStore, FindingStore, FollowUpMessage, HuntBackend, IncidentStore } from './ports';

export type CampaignContainment = 'approve' | 'contain' | 'off';

export interface HuntSettings {
  containment: CampaignContainment;
  /** More distinct users than this on an IP in the 7 days before the window: shared egress, not evidence. */
  sharedIpMinUsers: number;
  trustedIps: ReadonlySet<string>;
}

export interface HuntDeps {
  store: IncidentStore;
  findings: FindingStore;
  campaigns: CampaignStore;
  /** The configured backend first, then what it falls back to when it refuses. */
  backends: readonly HuntBackend[];
  contain: ContainDeps;
  clock: Clock;
  settings: HuntSettings;
}

const SIGN_IN_LOOKBACK_DAYS = 7;
const AUDIT_LOOKBACK_DAYS = 30;
const SHARED_LOOKBACK_DAYS = 7;
/** A pivot claimed by a hunt that has not finished in this long is hunted again. */
const CLAIM_STALE_MS = 15 * 60_000;

/** A backend failed transiently: the queue retries the hunt; claimed pivots were given back. */
export class HuntRetryError extends Error {
  override readonly name = 'HuntRetryError';
}

export interface HuntResult {
  incidentId: string;
  campaignId: string;
  created: boolean;
  pivots: PivotRecord[];
  hits: CampaignHit[];
  victims: CampaignLink[];
}

function isRefusal(error: unknown): error is UpstreamError {
  return error instanceof UpstreamError && (error.status === 401 || error.status === 403);
}

function lookbackFor(pivot: Pivot): number {
  return pivot.kind === 'ip' || pivot.kind === 'userAgent' ? SIGN_IN_LOOKBACK_DAYS : AUDIT_LOOKBACK_DAYS;
}

export async function huntIncident(
  message: FollowUpMessage,
  deps: HuntDeps,
  invocationId: string,
  extra: readonly Pivot[] = [],
  caller = 'queue',
): Promise<HuntResult> {
  const stored = await deps.store.get(message.incidentId);
  if (!stored) throw new NotFoundError(`incident ${message.incidentId} not found`);
  const incident = stored.incident;
  const now = deps.clock.now().toISOString();
  const findings = incident.diagnosis ? await deps.findings.findings(incident.id) : [];
  const pivots = distinctPivots([...pivotsFromAlert(incident), ...pivotsFromEvidence(incident, findings), ...extra]);
  const actor = `aitm-contain (hunt, invocation ${invocationId}, caller ${caller})`;
  const event = (kind: string, summary: string, detail?: Record<string, unknown>): TimelineEvent => ({
    id: ulid(),
    at: deps.clock.now().toISOString(),
    kind,
    actor,
    summary,
    detail,
  });

  const { campaignId, created } = await deps.campaigns.join(pivots.map(pivotKey), ulid(), incident.id, now);
  // A victim's own hunt joins its campaign as the victim it is; any other incident is an origin.
  const role = incident.source === 'campaign' ? 'victim' : 'origin';
  await deps.campaigns.link(campaignId, [
    { incidentId: incident.id, userKey: incident.userKey, upn: incident.user.upn, role, state: incident.state, linkedAt: now },
  ]);
  const linked = await deps.campaigns.links(campaignId);

  const claimed: Pivot[] = [];
  for (const p of pivots) {
    const record: PivotRecord = { pivot: p, status: 'hunted', via: 'claimed', matches: 0, huntedAt: now, incidentId: incident.id };
    if (await deps.campaigns.claimPivot(campaignId, record, CLAIM_STALE_MS)) claimed.push(p);
  }

  const hunt = new Hunt(deps, incident, now);
  let records: PivotRecord[];
  let matches: PivotMatch[];
  try {
    ({ records, matches } = await hunt.run(claimed));
  } catch (error) {
    await Promise.all(claimed.map((p) => deps.campaigns.releasePivot(campaignId, pivotKey(p)).catch(() => undefined)));
    if (error instanceof UpstreamError && error.transient)
      throw new HuntRetryError(`hunt incomplete, retrying: ${hunt.failing} answered ${error.status || 'nothing'} ${error.code}`);
    throw error;
  }
  // Without the evidence pack the attacker window is unknown and the shared-egress count runs up to the
  // incident's creation, so a campaign of more than SHARED_IP_MIN_USERS people on one attacker IP counts
  // its own victims and looks like egress. That verdict is provisional: the claim is given back, and the
  // pass after diagnosis judges the IP against the real window. A trusted IP is shared whatever the window.
  const provisional = incident.diagnosis
    ? []
    : records.filter((r) => r.status === 'shared' && r.pivot.kind === 'ip' && !deps.settings.trustedIps.has(r.pivot.value));
  for (const r of provisional) {
    hunt.notes.push(
      `${r.pivot.value} looked shared (${r.detail ?? 'shared'}) before the attacker window was known: judged again after diagnosis`,
    );
  }
  await deps.campaigns.recordPivots(
    campaignId,
    records.filter((r) => !provisional.includes(r)),
  );
  await Promise.all(provisional.map((r) => deps.campaigns.releasePivot(campaignId, pivotKey(r.pivot))));
  if (hunt.notes.length > 0) await deps.campaigns.addNotes(campaignId, hunt.notes, now);

  const sharedIps = new Map(
    records.filter((r) => r.status === 'shared' && r.pivot.kind === 'ip').map((r) => [r.pivot.value, r.detail ?? 'shared']),
  );
  // The people the campaign started from are not "other victims"; those already linked have their incident.
  const identities = (links: readonly { userKey: string; upn?: string }[]) =>
    new Set(
      links
        .flatMap((l) => [l.userKey, l.upn])
        .filter((v): v is string => v !== undefined)
        .map((v) => v.toLowerCase()),
    );
  const exclude = identities([{ userKey: incident.userKey, upn: incident.user.upn }, ...linked.filter((l) => l.role === 'origin')]);
  for (const id of [incident.user.objectId, incident.user.upn]) if (id) exclude.add(id.toLowerCase());
  const hits = judgeHits(matches, { sharedIps, exclude });
  await deps.campaigns.recordHits(campaignId, hits, now);

  const alreadyLinked = identities(linked);
  const toContain = hits.filter(
    (h) => h.verdict === 'suspicious' && !alreadyLinked.has(h.userKey) && !(h.upn !== undefined && alreadyLinked.has(h.upn)),
  );
  const containment = hunt.guardUnavailable && deps.settings.containment === 'contain' ? 'approve' : deps.settings.containment;
  const victims = containment === 'off' ? [] : await containVictims(toContain, incident, campaignId, containment, deps, invocationId);
  if (victims.length > 0) await deps.campaigns.link(campaignId, victims);

  const suspicious = hits.filter((h) => h.verdict === 'suspicious');
  const summary = [
    `Campaign ${campaignId}${created ? ' (new)' : ''}: ${claimed.length} pivot${claimed.length === 1 ? '' : 's'} hunted of ${pivots.length}`,
    `${suspicious.length} other victim${suspicious.length === 1 ? '' : 's'}${suspicious.length > 0 ? ` (${suspicious.map((h) => h.upn ?? h.userKey).join(', ')})` : ''}`,
    `${hits.length - suspicious.length} not evidence`,
    containment === 'off'
      ? 'CAMPAIGN_CONTAINMENT=off: reported only'
      : `${victims.length} incident${victims.length === 1 ? '' : 's'} (${containment})`,
  ].join('; ');
  await deps.store.appendEvents(incident.id, [
    event('hunt_completed', summary.slice(0, 4_000), {
      campaignId,
      pivots: records.map((r) => ({ pivot: pivotKey(r.pivot), status: r.status, matches: r.matches })),
      notes: hunt.notes,
    }),
  ]);
  return { incidentId: incident.id, campaignId, created, pivots: records, hits, victims };
}

class Hunt {
  readonly notes: string[] = [];
  /** The shared-egress check could not run: nothing is contained automatically on this run. */
  guardUnavailable = false;
  /** The backend that failed transiently, for the retry message. */
  failing = '';
  private readonly refused = new Set<HuntBackend>();

  constructor(
    private readonly deps: HuntDeps,
    private readonly incident: Incident,
    private readonly now: string,
  ) {}

  private record(pivot: Pivot, status: PivotRecord['status'], via: string, matches: number, detail?: string): PivotRecord {
    return { pivot, status, via, detail, matches, huntedAt: this.now, incidentId: this.incident.id };
  }

  private refuse(backend: HuntBackend, error: UpstreamError): void {
    if (this.refused.has(backend)) return;
    this.refused.add(backend);
    this.notes.push(
      `${backend.name} refused (${error.status} ${error.code}): missing ${backend.permission}; fell back to the next backend`,
    );
  }

  async run(pivots: readonly Pivot[]): Promise<{ records: PivotRecord[]; matches: PivotMatch[] }> {
    const shared = await this.sharedIps(pivots.filter((p) => p.kind === 'ip').map((p) => p.value));
    const records: PivotRecord[] = [];
    const matches: PivotMatch[] = [];
    // One pivot at a time per hunt: each backend's limiter paces the calls, and the order is the record's.
    for (const pivot of pivots) {
      const why = pivot.kind === 'ip' ? shared.get(pivot.value) : undefined;
      if (why !== undefined) {
        records.push(this.record(pivot, 'shared', 'shared-egress guard', 0, why));
        continue;
      }
      const outcome = await this.huntOne(pivot);
      records.push(outcome.record);
      matches.push(...outcome.matches);
    }
    return { records, matches };
  }

  private async huntOne(pivot: Pivot): Promise<{ record: PivotRecord; matches: PivotMatch[] }> {
    const blind: string[] = [];
    for (const backend of this.deps.backends) {
      if (this.refused.has(backend)) continue;
      const cannot = backend.cannotSee(pivot.kind);
      if (cannot !== undefined) {
        blind.push(`${backend.name}: ${cannot}`);
        continue;
      }
      try {
        const found = await backend.hunt(pivot, lookbackFor(pivot));
        const status = found.truncated ? 'truncated' : 'hunted';
        const note = blind.length > 0 ? blind.join('; ') : undefined;
        return {
          record: this.record(
            pivot,
            status,
            found.via,
            found.matches.length,
            found.truncated ? `truncated at the backend's row limit${note ? `; ${note}` : ''}` : note,
          ),
          matches: found.matches,
        };
      } catch (error) {
        if (isRefusal(error)) {
          this.refuse(backend, error);
          continue;
        }
        this.failing = backend.name;
        throw toError(error);
      }
    }
    const refused = [...this.refused].map((b) => `${b.name} refused: missing ${b.permission}`);
    const status = refused.length > 0 ? 'unavailable' : 'not_visible';
    return { record: this.record(pivot, status, 'no backend', 0, [...blind, ...refused].join('; ') || 'no hunting backend'), matches: [] };
  }

  /** Trusted IPs, and IPs more users signed in from before the attacker window than SHARED_IP_MIN_USERS. */
  private async sharedIps(ips: readonly string[]): Promise<Map<string, string>> {
    const { trustedIps, sharedIpMinUsers } = this.deps.settings;
    const shared = new Map<string, string>();
    for (const ip of ips) if (trustedIps.has(ip)) shared.set(ip, 'in TRUSTED_IPS');
    const rest = ips.filter((ip) => !shared.has(ip));
    if (rest.length === 0) return shared;
    const before = this.incident.diagnosis?.window.start ?? this.incident.createdAt;
    for (const backend of this.deps.backends) {
      if (this.refused.has(backend) || backend.cannotSee('ip') !== undefined) continue;
      try {
        const counts = await backend.distinctUsersBefore(rest, before, SHARED_LOOKBACK_DAYS);
        for (const ip of rest) {
          const users = counts.get(ip) ?? 0;
          if (users > sharedIpMinUsers) {
            shared.set(
              ip,
              `used by ${users} distinct users in the ${SHARED_LOOKBACK_DAYS} days before the attacker window (SHARED_IP_MIN_USERS=${sharedIpMinUsers})`,
            );
          }
        }
        return shared;
      } catch (error) {
        if (isRefusal(error)) {
          this.refuse(backend, error);
          continue;
        }
        this.failing = backend.name;
        throw toError(error);
      }
    }
    this.guardUnavailable = true;
    this.notes.push('the shared-egress check could not run on any backend: hits are held for an approver, none contained automatically');
    return shared;
  }
}

/** The alert a campaign hit becomes: source `campaign`, one per campaign and person (the idempotency key). */
export function campaignAlert(hit: CampaignHit, origin: Incident, campaignId: string): NormalizedAlert {
  return {
    source: 'campaign',
    alertKey: `campaign:${campaignId.toLowerCase()}`,
    alertId: campaignId,
    severity: origin.severity,
    title: `Campaign ${campaignId}: found by the pivot hunt of incident ${origin.id}`.slice(0, 256),
    detection: 'pivot hunt (runbook Phase 4)',
    users: [{ objectId: hit.userId, upn: hit.upn }].map((u) => (u.objectId ? u : { upn: u.upn })),
    ips: hit.ips.slice(0, 20),
    userAgents: hit.userAgents.slice(0, 5),
    asns: hit.asns.flatMap((a) => (/^\d+$/.test(a) ? [Number(a)] : [])),
    raw: JSON.stringify({ campaignId, originIncidentId: origin.id, evidence: hit }).slice(0, 16_000),
  };
}

/**
 * Victims contained at once by one hunt. A 500-person campaign one at a time is 500 sequential runs of
 * the containment path (about a second each at 200 ms Graph latency); all at once would open hundreds of
 * storage and Graph calls together. A hundred keeps the storage and Graph connections busy but bounded
 * (the Graph adapter keeps 32 requests in flight and batches the writes these runs ask for,
 * write-batcher.ts); the bench's 500-person campaign took 10.5 s with fifty, 8.5 s with a hundred.
 */
export const CAMPAIGN_CONTAINMENT_CONCURRENCY = 100;

/** From this many victims on, the safety snapshot is refreshed before containing them (it costs a few reads). */
const SNAPSHOT_REFRESH_AT_VICTIMS = 5;

async function containVictims(
  hits: readonly CampaignHit[],
  origin: Incident,
  campaignId: string,
  containment: 'approve' | 'contain',
  deps: HuntDeps,
  invocationId: string,
): Promise<CampaignLink[]> {
  const actor: Actor = { invocationId, caller: `campaign ${campaignId}` };
  const containOne = async (hit: CampaignHit): Promise<{ link?: CampaignLink; retry?: string }> => {
    const policy =
      containment === 'approve'
        ? {
            ...deps.contain.policy,
            holdForApproval: `CAMPAIGN_CONTAINMENT=approve: ${hit.reasons[0] ?? 'found by the pivot hunt'} (campaign ${campaignId}, origin incident ${origin.id}); waiting for an approver`,
          }
        : deps.contain.policy;
    const [result] = await containAlert(campaignAlert(hit, origin, campaignId), { ...deps.contain, policy }, actor);
    if (result?.ok) {
      return {
        link: {
          incidentId: result.incident.id,
          userKey: result.incident.userKey,
          upn: result.incident.user.upn,
          role: 'victim',
          state: result.incident.state,
          linkedAt: deps.clock.now().toISOString(),
        },
      };
    }
    if (result && result.retryable) return { retry: `${hit.upn ?? hit.userKey}: ${result.error.message.slice(0, 200)}` };
    return {};
  };
  // The victims were found in sign-in logs, often people the safety snapshot took before their accounts
  // existed or changed: a refresh (a delta read, a few requests) first lets the snapshot clear them,
  // where otherwise each would take the live safety reads, several Graph reads per victim. A failed
  // refresh only means the live reads, as ever.
  if (hits.length >= SNAPSHOT_REFRESH_AT_VICTIMS) await deps.contain.snapshot?.refresh();
  const outcomes = await mapBounded(hits, CAMPAIGN_CONTAINMENT_CONCURRENCY, containOne);
  const links = outcomes.flatMap((o) => (o.link ? [o.link] : []));
  const retries = outcomes.flatMap((o) => (o.retry ? [o.retry] : []));
  if (retries.length > 0) {
    // Every victim contained so far is linked before the queue retries the hunt, which replays them
    // (one incident per campaign and person) and re-runs only what failed.
    if (links.length > 0) await deps.campaigns.link(campaignId, links);
    throw new HuntRetryError(
      `containing ${retries.length} of ${hits.length} victims failed transiently: ${retries.slice(0, 3).join('; ')}`.slice(0, 1_000),
    );
  }
  return links;
}

/** `fn` over `items` with at most `limit` running at once; results in the items' order. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
