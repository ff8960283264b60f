// Where the pivots come from: the alert (its IPs and user agents) and, once diagnosis has run, the
// evidence pack: the attacker window's IPs and user agents, the forwarding addresses of suspicious inbox
// rules, the apps consented in the window and the phone numbers registered in it. Anything that is not a
// valid pivot of its kind is dropped here, before any query is built.
import type { Finding } from '../diagnosis/types';
import type { Incident } from '../runbook/incident';
import { distinctPivots, pivot, type Pivot, type PivotKind, type PivotOrigin } from './pivots';

function each(kind: PivotKind, values: readonly unknown[], origin: PivotOrigin): Pivot[] {
  return values.flatMap((v) => (typeof v === 'string' ? (pivot(kind, v, origin) ?? []) : []));
}

function strings(value: unknown): unknown[] {
  return Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
}

export function pivotsFromAlert(incident: Pick<Incident, 'ips' | 'userAgents'>): Pivot[] {
  return distinctPivots([...each('ip', incident.ips, 'alert'), ...each('userAgent', incident.userAgents, 'alert')]);
}

/** Only suspicious findings (made inside the attacker window, or from an attacker IP) give pivots. */
export function pivotsFromEvidence(incident: Pick<Incident, 'diagnosis'>, findings: readonly Finding[]): Pivot[] {
  const window = incident.diagnosis?.window;
  const found: Pivot[] = [
    ...each('ip', window?.attackerIps ?? [], 'evidence'),
    ...each('userAgent', window?.attackerUserAgents ?? [], 'evidence'),
  ];
  for (const finding of findings) {
    if (finding.verdict !== 'suspicious') continue;
    if (finding.kind === 'inbox_rule') {
      const d = finding.details;
      found.push(...each('address', [...strings(d.forwardTo), ...strings(d.redirectTo), ...strings(d.forwardAsAttachmentTo)], 'evidence'));
    } else if (finding.kind === 'oauth_grant') {
      found.push(...each('clientId', strings(finding.details.clientId), 'evidence'));
    } else if (finding.kind === 'authentication_method' && finding.details.type === 'phoneAuthenticationMethod') {
      found.push(...each('phone', strings(finding.details.label), 'evidence'));
    }
  }
  return distinctPivots(found);
}

export interface ExtraPivots {
  ips?: readonly string[];
  userAgents?: readonly string[];
  addresses?: readonly string[];
}

/** An analyst's extra pivots; the caller has validated them (invalid ones are refused with 422, not dropped). */
export function pivotsFromAnalyst(extra: ExtraPivots): Pivot[] {
  return distinctPivots([
    ...each('ip', extra.ips ?? [], 'analyst'),
    ...each('userAgent', extra.userAgents ?? [], 'analyst'),
    ...each('address', extra.addresses ?? [], 'analyst'),
  ]);
}
