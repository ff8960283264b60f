// The attacker window: from the first suspicious sign-in to T0. A sign-in is suspicious when it comes
// from an IP or user agent the alert names, from a hosting ASN (HOSTING_ASNS, when the source knows the
// ASN), or with high sign-in risk; inside the window, a sign-in from an IP or user agent the user had not
// used before the window is suspicious too. Before the window is the user's own footprint; after T0 is
// not, because the attacker may still be knocking.
import { duration, minutesBetween } from './describe';
import type { AttackerWindow, SignInEvidence } from './types';

export interface WindowInput {
  signIns: readonly SignInEvidence[] | undefined;
  alertIps: readonly string[];
  alertUserAgents: readonly string[];
  hostingAsns: readonly number[];
  /** Containment time; absent when the incident was not contained (held, failed). */
  t0?: string;
  /** When diagnosis runs: the window's end when there is no T0. */
  now: string;
}

function seedReasons(
  signIn: SignInEvidence,
  input: WindowInput,
  alertIps: ReadonlySet<string>,
  alertAgents: ReadonlySet<string>,
): string[] {
  const reasons: string[] = [];
  if (signIn.ipAddress !== undefined && alertIps.has(signIn.ipAddress)) reasons.push(`${signIn.ipAddress} is named in the alert`);
  if (signIn.asn !== undefined && input.hostingAsns.includes(signIn.asn)) reasons.push(`AS${signIn.asn} is a hosting ASN`);
  if (signIn.userAgent !== undefined && alertAgents.has(signIn.userAgent)) reasons.push('its user agent is named in the alert');
  if (signIn.riskLevel === 'high') reasons.push('sign-in risk high');
  return reasons;
}

/** "sign-in from AS14061 (198.51.100.23)" or "suspicious sign-in (198.51.100.23)". */
function describeAnchor(signIn: SignInEvidence): string {
  const where = signIn.ipAddress ?? 'an unknown IP';
  return signIn.asn !== undefined ? `sign-in from AS${signIn.asn} (${where})` : `suspicious sign-in (${where})`;
}

export function attackerWindow(input: WindowInput): AttackerWindow {
  const end = input.t0 ?? input.now;
  const endsAt = input.t0 !== undefined ? 'T0' : 'diagnosis';
  const alertIps = new Set(input.alertIps.map((ip) => ip.toLowerCase()));
  const alertAgents = new Set(input.alertUserAgents);
  const notes: string[] = [];
  const signIns = [...(input.signIns ?? [])].sort((a, b) => a.createdDateTime.localeCompare(b.createdDateTime));
  if (input.signIns === undefined) notes.push('sign-ins could not be read: the window rests on the alert alone');

  const suspicious = new Map<string, string[]>();
  const beforeEnd = signIns.filter((s) => s.createdDateTime <= end);
  for (const signIn of beforeEnd) {
    const reasons = seedReasons(signIn, input, alertIps, alertAgents);
    if (reasons.length > 0) suspicious.set(signIn.id, reasons);
  }
  const first = beforeEnd.find((s) => suspicious.has(s.id));
  const attackerIps = new Set(alertIps);
  const attackerAgents = new Set(alertAgents);

  if (first === undefined) {
    if (input.signIns !== undefined)
      notes.push('no suspicious sign-in before the end of the window: no attacker window, so nothing is judged by time alone');
    return {
      end,
      endsAt,
      attackerIps: [...attackerIps],
      attackerUserAgents: [...attackerAgents],
      knownIps: [...new Set(beforeEnd.flatMap((s) => s.ipAddress ?? []))].filter((ip) => !attackerIps.has(ip)),
      suspiciousSignIns: suspicious,
      notes,
    };
  }

  const start = first.createdDateTime;
  const baseline = signIns.filter((s) => s.createdDateTime < start);
  const knownIps = new Set(baseline.flatMap((s) => s.ipAddress ?? []));
  const knownAgents = new Set(baseline.flatMap((s) => s.userAgent ?? []));
  const knownApps = new Set(baseline.flatMap((s) => s.appId ?? []));
  const inWindow = signIns.filter((s) => s.createdDateTime >= start && s.createdDateTime <= end);
  for (const signIn of inWindow) {
    const reasons = suspicious.get(signIn.id) ?? [];
    if (baseline.length > 0 && signIn.ipAddress !== undefined && !knownIps.has(signIn.ipAddress) && !alertIps.has(signIn.ipAddress)) {
      reasons.push(`${signIn.ipAddress} was not used by this user before the window`);
    }
    if (baseline.length > 0 && signIn.userAgent !== undefined && !knownAgents.has(signIn.userAgent) && !alertAgents.has(signIn.userAgent)) {
      reasons.push('a user agent this user had not used before the window');
    }
    // An app the user never used is telling on a sign-in already suspicious, not on its own (people try new apps).
    if (reasons.length > 0 && baseline.length > 0 && signIn.appId !== undefined && !knownApps.has(signIn.appId)) {
      reasons.push(`an app this user had not used before the window (${signIn.appDisplayName ?? signIn.appId})`);
    }
    if (reasons.length > 0) {
      suspicious.set(signIn.id, reasons);
      // A user's own IP or browser stays theirs even if the attacker shared it (NAT, a common browser).
      if (signIn.ipAddress !== undefined && !knownIps.has(signIn.ipAddress)) attackerIps.add(signIn.ipAddress);
      if (signIn.userAgent !== undefined && !knownAgents.has(signIn.userAgent)) attackerAgents.add(signIn.userAgent);
    }
  }
  if (baseline.length === 0) notes.push('no sign-in before the window to compare with: new IPs and user agents are not judged');
  notes.push(
    `the window runs ${duration(minutesBetween(start, end))}, to ${endsAt === 'T0' ? 'containment (T0)' : 'the diagnosis (the incident was not contained)'}`,
  );
  return {
    start,
    end,
    endsAt,
    anchor: { signInId: first.id, at: start, ip: first.ipAddress, asn: first.asn, description: describeAnchor(first) },
    attackerIps: [...attackerIps],
    attackerUserAgents: [...attackerAgents],
    knownIps: [...knownIps].filter((ip) => !attackerIps.has(ip)),
    suspiciousSignIns: suspicious,
    notes,
  };
}
