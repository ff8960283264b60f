// Judges what the pivots found: per other user, the evidence (first and last time, IPs, apps, user
// agents, ASNs, which pivot matched) and a verdict with reasons. Guards against false positives: a failed
// sign-in is not a hit, and an IP many users share (egress, VPN, proxy) or a trusted one is "shared, not
// evidence": it never makes anyone a victim on its own.
import { pivotKey } from './pivots';
import type { CampaignHit, PivotMatch } from './types';

export interface JudgeContext {
  /** IPs reported as shared or trusted, with why ("31 distinct users in the 7 days before ..."). */
  sharedIps: ReadonlyMap<string, string>;
  /** Users that are not other victims: the incident's own person (object id and UPN, lower-cased). */
  exclude: ReadonlySet<string>;
}

function keyOf(match: PivotMatch): string | undefined {
  return (match.userId ?? match.upn)?.toLowerCase();
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])].slice(0, 50);
}

function minTime(a?: string, b?: string): string | undefined {
  return a === undefined ? b : b === undefined ? a : a < b ? a : b;
}

function maxTime(a?: string, b?: string): string | undefined {
  return a === undefined ? b : b === undefined ? a : a > b ? a : b;
}

function asnText(asns: readonly string[]): string {
  return asns.length > 0 ? ` (AS${asns.join(', AS')})` : '';
}

/** One match's verdict and reason. */
function judgeMatch(match: PivotMatch, ctx: JudgeContext): { suspicious: boolean; reason: string } {
  const { kind, value } = match.pivot;
  const when = match.firstSeen
    ? ` first at ${match.firstSeen}${match.lastSeen && match.lastSeen !== match.firstSeen ? `, last at ${match.lastSeen}` : ''}`
    : '';
  if (kind === 'ip' || kind === 'userAgent') {
    const what =
      kind === 'ip'
        ? `from ${value}, an attacker IP`
        : `with the attacker's user agent from hosting networks ${match.ips.join(', ')}${asnText(match.asns)}`;
    if ((match.successes ?? 0) === 0) {
      return { suspicious: false, reason: `only failed sign-ins (${match.signIns ?? 0}) ${what}: a failed sign-in is not a hit` };
    }
    const evidenceIps = kind === 'ip' ? [value] : match.ips;
    const shared = evidenceIps.filter((ip) => ctx.sharedIps.has(ip));
    if (shared.length > 0 && shared.length === evidenceIps.length) {
      return {
        suspicious: false,
        reason: `signed in ${what} but ${shared.map((ip) => `${ip} is ${ctx.sharedIps.get(ip)}`).join('; ')}: shared, not evidence`,
      };
    }
    return {
      suspicious: true,
      reason: `${match.successes} successful sign-in${match.successes === 1 ? '' : 's'} ${what}${when}${match.apps.length > 0 ? ` (${match.apps.join(', ')})` : ''}`,
    };
  }
  if (kind === 'address')
    return {
      suspicious: true,
      reason: `${match.activity ?? 'a mailbox change'} naming ${value}, the attacker's forwarding address,${when}`,
    };
  if (kind === 'clientId') return { suspicious: true, reason: `consented to the attacker's OAuth app (${value})${when}` };
  return { suspicious: true, reason: `registered the attacker's phone number ${value}${when}` };
}

/** Hits per other user: a user whose pivots only found failed or shared sign-ins is kept, as not evidence. */
export function judgeHits(matches: readonly PivotMatch[], ctx: JudgeContext): CampaignHit[] {
  // A UPN-only match (OfficeActivity has no object id) joins the object-id hit of the same person.
  const upnToId = new Map<string, string>();
  for (const m of matches) if (m.userId && m.upn) upnToId.set(m.upn.toLowerCase(), m.userId.toLowerCase());
  const hits = new Map<string, CampaignHit & { suspiciousReasons: string[]; otherReasons: string[] }>();
  for (const match of matches) {
    const raw = keyOf(match);
    if (raw === undefined) continue;
    const key = upnToId.get(raw) ?? raw;
    if (ctx.exclude.has(key) || (match.upn !== undefined && ctx.exclude.has(match.upn.toLowerCase()))) continue;
    const judged = judgeMatch(match, ctx);
    const hit = hits.get(key) ?? {
      userKey: key,
      ips: [],
      apps: [],
      userAgents: [],
      asns: [],
      pivots: [],
      verdict: 'not_evidence' as const,
      reasons: [],
      suspiciousReasons: [],
      otherReasons: [],
    };
    hit.userId ??= match.userId?.toLowerCase();
    hit.upn ??= match.upn?.toLowerCase();
    hit.firstSeen = minTime(hit.firstSeen, match.firstSeen);
    hit.lastSeen = maxTime(hit.lastSeen, match.lastSeen);
    hit.ips = union(hit.ips, match.ips);
    hit.apps = union(hit.apps, match.apps);
    hit.userAgents = union(hit.userAgents, match.userAgents);
    hit.asns = union(hit.asns, match.asns);
    hit.pivots = union(hit.pivots, [pivotKey(match.pivot)]).sort();
    (judged.suspicious ? hit.suspiciousReasons : hit.otherReasons).push(judged.reason);
    hits.set(key, hit);
  }
  return [...hits.values()]
    .map(({ suspiciousReasons, otherReasons, ...hit }) => ({
      ...hit,
      verdict: suspiciousReasons.length > 0 ? ('suspicious' as const) : ('not_evidence' as const),
      reasons: [...suspiciousReasons, ...otherReasons].slice(0, 20),
    }))
    .sort((a, b) => (a.verdict === b.verdict ? a.userKey.localeCompare(b.userKey) : a.verdict === 'suspicious' ? -1 : 1));
}

/** Merges a stored hit with a new judgment of the same person (a later pass may add pivots). */
export function mergeHit(old: CampaignHit | undefined, next: CampaignHit): CampaignHit {
  if (!old) return next;
  const verdict = old.verdict === 'suspicious' || next.verdict === 'suspicious' ? 'suspicious' : 'not_evidence';
  return {
    ...next,
    userId: next.userId ?? old.userId,
    upn: next.upn ?? old.upn,
    firstSeen: minTime(old.firstSeen, next.firstSeen),
    lastSeen: maxTime(old.lastSeen, next.lastSeen),
    ips: union(old.ips, next.ips),
    apps: union(old.apps, next.apps),
    userAgents: union(old.userAgents, next.userAgents),
    asns: union(old.asns, next.asns),
    pivots: union(old.pivots, next.pivots).sort(),
    verdict,
    reasons: [...new Set([...next.reasons, ...old.reasons])].slice(0, 20),
  };
}
