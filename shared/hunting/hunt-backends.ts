// The pivot hunt's backends (HUNT_BACKEND): the Sentinel workspace through the Log Analytics Query API,
// Defender XDR advanced hunting through Graph runHuntingQuery, and Graph v1.0 sign-ins when neither is
// configured. Each runs the queries of hunt-queries.ts and reports what it found per user, and each says
// what it cannot see, so the campaign records the blind spots instead of implying there were none.
import type { Client } from '@microsoft/microsoft-graph-client';
import { field, isObject, list, text } from '../alerts/json';
import type { Pivot, PivotKind } from '../campaign/pivots';
import type { PivotMatch } from '../campaign/types';
import type { RateLimiter } from '../diagnosis/rate-limiter';
import { listAll } from '../graph/paging';
import type { HuntBackend, PivotFindings } from '../runbook/ports';
import type { DefenderHunting } from './defender';
import { defenderQuery, HOSTING_ISPS, logAnalyticsQuery, type HuntQueryName, type KqlValue } from './hunt-queries';
import { kqlDatetime } from './kql';
import type { LogAnalyticsClient, Row } from './log-analytics';

const DAY_MS = 86_400_000;

function strings(value: unknown): string[] {
  let items: unknown = value;
  // Log Analytics returns dynamic columns as JSON text.
  if (typeof value === 'string') {
    try {
      items = JSON.parse(value) as unknown;
    } catch {
      items = [value];
    }
  }
  return list(items).flatMap((item) => (typeof item === 'string' && item !== '' ? [item] : typeof item === 'number' ? [String(item)] : []));
}

function count(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : 0;
}

function dynamic(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

/** A sign-in summary row (one per user) from either workspace's query. */
function signInMatch(pivot: Pivot, row: Row, who: { upn: string; id: string }): PivotMatch {
  return {
    pivot,
    upn: text(row[who.upn])?.toLowerCase(),
    userId: text(row[who.id])?.toLowerCase(),
    firstSeen: text(row.FirstSeen),
    lastSeen: text(row.LastSeen),
    signIns: count(row.SignIns),
    successes: count(row.Successes),
    ips: strings(row.IPs),
    apps: strings(row.Apps),
    userAgents: strings(row.UserAgents),
    asns: strings(row.Asns),
  };
}

/** An audit record (consent, security info) naming who did it in InitiatedBy.user. */
function auditMatch(pivot: Pivot, row: Row): PivotMatch {
  const user = field(dynamic(row.InitiatedBy), 'user');
  const ip = text(field(user, 'ipAddress'));
  return {
    pivot,
    userId: text(field(user, 'id'))?.toLowerCase(),
    upn: text(field(user, 'userPrincipalName'))?.toLowerCase(),
    firstSeen: text(row.TimeGenerated),
    lastSeen: text(row.TimeGenerated),
    ips: ip ? [ip] : [],
    apps: [],
    userAgents: [],
    asns: [],
    activity: text(row.OperationName),
  };
}

function lookbackValue(days: number): KqlValue {
  return { days };
}

/** Whole days back from now that cover `days` before `before` (the API's timespan must include the query's). */
function spanCovering(before: string, days: number, now: number): number {
  return days + Math.max(0, Math.ceil((now - Date.parse(before)) / DAY_MS)) + 1;
}

export class LogAnalyticsHuntBackend implements HuntBackend {
  readonly name = 'Log Analytics';
  readonly permission = 'Log Analytics Reader (or Microsoft Sentinel Reader) on the workspace';

  constructor(
    private readonly client: LogAnalyticsClient,
    private readonly hostingAsns: readonly number[],
  ) {}

  cannotSee(): string | undefined {
    return undefined;
  }

  private async run(name: HuntQueryName, values: Record<string, KqlValue>, days: number): Promise<{ rows: Row[]; truncated: boolean }> {
    return this.client.queryAllowingPartial(logAnalyticsQuery(name, values), `P${days + 1}D`);
  }

  async hunt(pivot: Pivot, days: number): Promise<PivotFindings> {
    const workspace = `workspace ${this.client.workspaceId}, ${days} days`;
    const lookback = lookbackValue(days);
    const who = { upn: 'UserPrincipalName', id: 'UserId' };
    switch (pivot.kind) {
      case 'ip': {
        const { rows, truncated } = await this.run('ipSignIns', { ip: { string: pivot.value }, lookback }, days);
        return {
          matches: rows.map((r) => signInMatch(pivot, r, who)),
          truncated,
          via: `Log Analytics SigninLogs + AADNonInteractiveUserSignInLogs (${workspace})`,
        };
      }
      case 'userAgent': {
        const hostingAsns = { strings: this.hostingAsns.map(String) };
        const { rows, truncated } = await this.run('userAgentHosting', { ua: { string: pivot.value }, hostingAsns, lookback }, days);
        return {
          matches: rows.map((r) => signInMatch(pivot, r, who)),
          truncated,
          via: `Log Analytics sign-in logs, user agent from hosting ASNs (${workspace})`,
        };
      }
      case 'address': {
        const { rows, truncated } = await this.run('ruleAddress', { address: { string: pivot.value }, lookback }, days);
        const matches = rows.map((r): PivotMatch => {
          const ip = text(r.ClientIP)?.replace(/^\[?([^\]]+?)\]?(:\d+)?$/, '$1');
          return {
            pivot,
            upn: text(r.UserId)?.toLowerCase(),
            firstSeen: text(r.TimeGenerated),
            lastSeen: text(r.TimeGenerated),
            ips: ip ? [ip] : [],
            apps: [],
            userAgents: [],
            asns: [],
            activity: text(r.Operation),
          };
        });
        return { matches, truncated, via: `Log Analytics OfficeActivity inbox rules and forwarding (${workspace})` };
      }
      case 'clientId':
      case 'phone': {
        const name = pivot.kind === 'clientId' ? 'appConsent' : 'phoneRegistered';
        const values: Record<string, KqlValue> =
          pivot.kind === 'clientId' ? { clientId: { string: pivot.value }, lookback } : { phone: { string: pivot.value }, lookback };
        const { rows, truncated } = await this.run(name, values, days);
        return { matches: rows.map((r) => auditMatch(pivot, r)), truncated, via: `Log Analytics AuditLogs (${workspace})` };
      }
    }
  }

  async distinctUsersBefore(ips: readonly string[], before: string, days: number): Promise<Map<string, number>> {
    const query = logAnalyticsQuery('sharedIps', {
      ips: { strings: ips },
      windowStart: { datetime: before },
      lookback: lookbackValue(days),
    });
    const rows = await this.client.query(query, `P${spanCovering(before, days, Date.now())}D`);
    return new Map(rows.flatMap((r) => (text(r.IPAddress) ? [[text(r.IPAddress) as string, count(r.Users)] as const] : [])));
  }
}

/** Defender advanced hunting's documented row limit per query. */
const DEFENDER_MAX_ROWS = 30_000;

export class DefenderHuntBackend implements HuntBackend {
  readonly name = 'Defender advanced hunting';
  readonly permission = 'ThreatHunting.Read.All';

  constructor(private readonly hunting: DefenderHunting) {}

  cannotSee(kind: PivotKind): string | undefined {
    return kind === 'clientId' || kind === 'phone'
      ? 'advanced hunting has no Entra audit table for consents or security-info registrations (Sentinel AuditLogs has them)'
      : undefined;
  }

  async hunt(pivot: Pivot, days: number): Promise<PivotFindings> {
    const lookback = lookbackValue(days);
    const who = { upn: 'AccountUpn', id: 'AccountObjectId' };
    const rowsOf = async (query: string) => {
      const rows = await this.hunting.query(query);
      return { rows, truncated: rows.length >= DEFENDER_MAX_ROWS };
    };
    if (pivot.kind === 'ip') {
      const { rows, truncated } = await rowsOf(defenderQuery('ipSignIns', { ip: { string: pivot.value }, lookback }));
      return {
        matches: rows.map((r) => signInMatch(pivot, r, who)),
        truncated,
        via: `Defender advanced hunting EntraIdSignInEvents (${days} days)`,
      };
    }
    if (pivot.kind === 'userAgent') {
      const { rows, truncated } = await rowsOf(
        defenderQuery('userAgentHosting', { ua: { string: pivot.value }, hostingIsps: { strings: HOSTING_ISPS }, lookback }),
      );
      return {
        matches: rows.map((r) => signInMatch(pivot, r, who)),
        truncated,
        via: `Defender advanced hunting EntraIdSignInEvents, user agent from hosting providers by CloudAppEvents ISP name (no ASN column; ${days} days)`,
      };
    }
    if (pivot.kind === 'address') {
      const { rows, truncated } = await rowsOf(defenderQuery('ruleAddress', { address: { string: pivot.value }, lookback }));
      const matches = rows.map((r): PivotMatch => {
        const ip = text(r.IPAddress);
        const ua = text(r.UserAgent);
        // Exchange events carry the mailbox's UPN in RawEventData.UserId; the object id alone could not be excluded or merged by UPN.
        const upn = text(field(dynamic(r.RawEventData), 'UserId'))?.toLowerCase();
        return {
          pivot,
          userId: text(r.AccountObjectId)?.toLowerCase(),
          upn,
          firstSeen: text(r.Timestamp),
          lastSeen: text(r.Timestamp),
          ips: ip ? [ip] : [],
          apps: [],
          userAgents: ua ? [ua] : [],
          asns: [],
          activity: text(r.ActionType),
        };
      });
      return { matches, truncated, via: `Defender advanced hunting CloudAppEvents inbox rules (${days} days)` };
    }
    throw new RangeError(`${pivot.kind} cannot be hunted in Defender advanced hunting`);
  }

  async distinctUsersBefore(ips: readonly string[], before: string, days: number): Promise<Map<string, number>> {
    const rows = await this.hunting.query(
      defenderQuery('sharedIps', { ips: { strings: ips }, windowStart: { datetime: before }, lookback: lookbackValue(days) }),
    );
    return new Map(rows.flatMap((r) => (text(r.IPAddress) ? [[text(r.IPAddress) as string, count(r.Users)] as const] : [])));
  }
}

function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function odataTime(iso: string): string {
  // kqlDatetime validates the same ISO shape; OData wants the bare value.
  return kqlDatetime(iso).slice('datetime('.length, -1);
}

/** Sign-ins per IP from Graph v1.0: interactive only (a replayed token signs in non-interactively). */
export class GraphSignInsHuntBackend implements HuntBackend {
  readonly name = 'Graph v1.0 sign-ins';
  readonly permission = 'AuditLog.Read.All';

  constructor(
    private readonly graph: Client,
    private readonly baseUrl: string,
    /** The reports API budget diagnosis uses too (5 requests per 10 s per tenant). */
    private readonly reportsLimiter: RateLimiter,
    private readonly maxSignIns = 5_000,
    private readonly now: () => number = Date.now,
  ) {}

  cannotSee(kind: PivotKind): string | undefined {
    if (kind === 'ip') return undefined;
    if (kind === 'userAgent') return 'Graph v1.0 sign-ins cannot be searched by user agent';
    if (kind === 'address')
      return "Graph cannot search every mailbox's audit for a forwarding address (Sentinel OfficeActivity or Defender CloudAppEvents can)";
    return 'the directory audit cannot be searched tenant-wide by app or phone number here (Sentinel AuditLogs can)';
  }

  private async signIns(filter: string): Promise<{ items: unknown[]; truncated: boolean }> {
    return listAll(this.graph, this.baseUrl, `/auditLogs/signIns?$filter=${encodeURIComponent(filter)}`, {
      maxItems: this.maxSignIns,
      beforePage: () => this.reportsLimiter.acquire(),
    });
  }

  async hunt(pivot: Pivot, days: number): Promise<PivotFindings> {
    const since = new Date(this.now() - days * DAY_MS).toISOString();
    const { items, truncated } = await this.signIns(`ipAddress eq ${odataString(pivot.value)} and createdDateTime ge ${odataTime(since)}`);
    const byUser = new Map<string, PivotMatch>();
    for (const item of items.filter(isObject)) {
      const userId = text(field(item, 'userId'))?.toLowerCase();
      const upn = text(field(item, 'userPrincipalName'))?.toLowerCase();
      const key = userId ?? upn;
      if (key === undefined) continue;
      const at = text(field(item, 'createdDateTime'));
      const ok = field(field(item, 'status'), 'errorCode') === 0;
      const app = text(field(item, 'appDisplayName'));
      const match = byUser.get(key) ?? {
        pivot,
        userId,
        upn,
        signIns: 0,
        successes: 0,
        ips: [pivot.value],
        apps: [],
        userAgents: [],
        asns: [],
      };
      match.signIns = (match.signIns ?? 0) + 1;
      match.successes = (match.successes ?? 0) + (ok ? 1 : 0);
      if (at && (match.firstSeen === undefined || at < match.firstSeen)) match.firstSeen = at;
      if (at && (match.lastSeen === undefined || at > match.lastSeen)) match.lastSeen = at;
      if (app && !match.apps.includes(app)) match.apps.push(app);
      byUser.set(key, match);
    }
    return {
      matches: [...byUser.values()],
      truncated,
      via: `Graph v1.0 GET /auditLogs/signIns?$filter=ipAddress eq (interactive sign-ins only: non-interactive token replay is not visible; ${days} days)`,
    };
  }

  async distinctUsersBefore(ips: readonly string[], before: string, days: number): Promise<Map<string, number>> {
    const from = new Date(Date.parse(before) - days * DAY_MS).toISOString();
    const counts = new Map<string, number>();
    for (const ip of ips) {
      const { items } = await this.signIns(
        `ipAddress eq ${odataString(ip)} and createdDateTime ge ${odataTime(from)} and createdDateTime le ${odataTime(before)}`,
      );
      counts.set(ip, new Set(items.map((item) => text(field(item, 'userId')) ?? text(field(item, 'userPrincipalName')))).size);
    }
    return counts;
  }
}
