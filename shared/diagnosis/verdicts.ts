// The one rule every finding is judged by: suspicious when it was created (or done) inside the attacker
// window, after T0, or from an attacker IP; benign when it predates the window; unknown when it cannot be
// dated, or when there is no window to compare with. The reasons say which, in words.
import { duration, minutesBetween, shortTime } from './describe';
import type { AttackerWindow, DiagnosedUser, Verdict } from './types';

export interface JudgmentContext {
  window: AttackerWindow;
  t0?: string;
  /** When diagnosis runs. */
  now: string;
  /** How far back the sources were read (24 h before now for the activity logs). */
  lookbackStart: string;
  user: DiagnosedUser;
  /** Lower-cased domains whose addresses are internal: the user's UPN domain plus INTERNAL_DOMAINS. */
  internalDomains: readonly string[];
}

export interface Judgment {
  verdict: Verdict;
  reasons: string[];
}

const ORDER: Readonly<Record<Verdict, number>> = { suspicious: 2, unknown: 1, benign: 0 };

/** The stronger of several judgments, with the reasons of those that agree with it first. */
export function strongest(judgments: readonly Judgment[]): Judgment {
  if (judgments.length === 0) return { verdict: 'unknown', reasons: [] };
  const verdict = judgments.reduce<Verdict>((best, j) => (ORDER[j.verdict] > ORDER[best] ? j.verdict : best), 'benign');
  const leading = judgments.filter((j) => j.verdict === verdict).flatMap((j) => j.reasons);
  return { verdict, reasons: [...new Set(leading)] };
}

export function isAttackerIp(ctx: JudgmentContext, ip: string | undefined): boolean {
  return ip !== undefined && ctx.window.attackerIps.includes(ip.toLowerCase());
}

/** How an IP relates to the incident, for a reason: "an attacker IP", "an IP this user used before the window". */
export function ipRole(ctx: JudgmentContext, ip: string): string | undefined {
  if (isAttackerIp(ctx, ip)) return 'an attacker IP';
  if (ctx.window.knownIps.includes(ip)) return 'an IP this user used before the window';
  return undefined;
}

/**
 * Judges something by when it happened and from where, in one reason: "created from 198.51.100.23, an
 * attacker IP, 10 min after the first suspicious sign-in (198.51.100.23)". `verb` reads first:
 * "created", "consented", "registered", "sent".
 */
export function byTimeAndSource(ctx: JudgmentContext, verb: string, at: string | undefined, ip?: string): Judgment {
  const attacker = ip !== undefined && isAttackerIp(ctx, ip);
  const role = ip === undefined ? undefined : ipRole(ctx, ip);
  const from = ip !== undefined && role !== undefined ? ` from ${ip}, ${role},` : '';
  if (at === undefined)
    return attacker ? { verdict: 'suspicious', reasons: [`${verb} from ${ip}, an attacker IP`] } : { verdict: 'unknown', reasons: [] };
  const timed = byTime(ctx, at);
  const verdict = attacker ? 'suspicious' : timed.verdict;
  return { verdict, reasons: [`${verb}${from} ${timed.phrase}`.replace(/,\s*$/, '')] };
}

function byTime(ctx: JudgmentContext, at: string): { verdict: Verdict; phrase: string } {
  const { window } = ctx;
  if (ctx.t0 !== undefined && at > ctx.t0) {
    return { verdict: 'suspicious', phrase: `${duration(minutesBetween(ctx.t0, at))} after containment (T0): containment did not stop it` };
  }
  if (window.start !== undefined && window.anchor !== undefined) {
    if (at >= window.start && at <= window.end) {
      const after = minutesBetween(window.start, at);
      return {
        verdict: 'suspicious',
        phrase:
          after < 1 ? `with the first ${window.anchor.description}` : `${duration(after)} after the first ${window.anchor.description}`,
      };
    }
    if (at < window.start)
      return { verdict: 'benign', phrase: `${shortTime(at)}, ${duration(minutesBetween(at, window.start))} before the attacker window` };
    return { verdict: 'unknown', phrase: `${shortTime(at)}, after the window closed` };
  }
  const endLabel = window.endsAt === 'T0' ? 'containment' : 'this diagnosis';
  if (at >= ctx.lookbackStart) {
    return {
      verdict: 'unknown',
      phrase: `${duration(minutesBetween(at, window.end))} before ${endLabel}, but no suspicious sign-in marks an attacker window to compare with`,
    };
  }
  return { verdict: 'benign', phrase: `${shortTime(at)}, ${duration(minutesBetween(at, window.end))} before ${endLabel}` };
}

function domainOf(addressOrUpn: string): string {
  return addressOrUpn.slice(addressOrUpn.lastIndexOf('@') + 1).toLowerCase();
}

export function isInternal(ctx: JudgmentContext, address: string): boolean {
  const domain = domainOf(address);
  return ctx.internalDomains.some((internal) => domain === internal || domain.endsWith(`.${internal}`));
}

/** The user's UPN domain plus the configured ones, lower-cased and deduplicated. */
export function internalDomainsFor(user: DiagnosedUser, configured: readonly string[]): string[] {
  const own = user.upn !== undefined && user.upn.includes('@') ? [domainOf(user.upn)] : [];
  return [...new Set([...own, ...configured.map((d) => d.toLowerCase().replace(/^@/, ''))])].filter((d) => d.length > 0);
}
