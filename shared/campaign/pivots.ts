// Pivots (IOCs) of the pivot hunt (runbook Phase 4): what one incident tells us about the attacker that
// can find other victims. Every value is validated before it reaches a query, so a hostile alert or
// request cannot put anything but an IP, an address, an app id, a phone number or one user agent string
// into KQL or an OData filter.
import { isIP } from 'node:net';

export const PIVOT_KINDS = ['ip', 'userAgent', 'address', 'clientId', 'phone'] as const;
export type PivotKind = (typeof PIVOT_KINDS)[number];

/** Where a pivot came from: the alert, the evidence pack, or an analyst's re-run. */
export type PivotOrigin = 'alert' | 'evidence' | 'analyst';

export interface Pivot {
  kind: PivotKind;
  /** Normalized: IPs as written by net, addresses and ids lower-cased, phone numbers digits with a leading +. */
  value: string;
  origin: PivotOrigin;
}

const ADDRESS = /^[a-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_USER_AGENT = 1024;

/** The pivot's normalized value, or undefined when the value is not one of its kind. */
export function normalizePivot(kind: PivotKind, raw: string): string | undefined {
  const value = raw.trim();
  switch (kind) {
    case 'ip':
      return isIP(value) !== 0 ? value.toLowerCase() : undefined;
    case 'address': {
      const address = value.toLowerCase();
      return address.length <= 254 && ADDRESS.test(address) ? address : undefined;
    }
    case 'clientId':
      return GUID.test(value.toLowerCase()) ? value.toLowerCase() : undefined;
    case 'phone': {
      if (!/^\+?[0-9 ().-]{6,24}$/.test(value)) return undefined;
      const digits = value.replace(/[^0-9]/g, '');
      return digits.length >= 6 && digits.length <= 15 ? `+${digits}` : undefined;
    }
    case 'userAgent':
      // Control characters never belong in a user agent; the KQL literal escapes the rest.
      return value.length > 0 && value.length <= MAX_USER_AGENT && !/[\u0000-\u001f\u007f]/.test(value) ? value : undefined;
  }
}

export function pivot(kind: PivotKind, raw: string, origin: PivotOrigin): Pivot | undefined {
  const value = normalizePivot(kind, raw);
  return value === undefined ? undefined : { kind, value, origin };
}

/** A stable key per pivot, for "already hunted" and the IOC index. */
export function pivotKey(p: Pick<Pivot, 'kind' | 'value'>): string {
  return `${p.kind}:${p.value}`;
}

/** Distinct pivots, first origin kept, in a stable order. */
export function distinctPivots(pivots: readonly Pivot[]): Pivot[] {
  const seen = new Map<string, Pivot>();
  for (const p of pivots) if (!seen.has(pivotKey(p))) seen.set(pivotKey(p), p);
  return [...seen.values()].sort((a, b) => pivotKey(a).localeCompare(pivotKey(b)));
}

/** Phone numbers compare by digits: the same number written two ways is one pivot. */
export function phoneDigits(text: string): string {
  return text.replace(/[^0-9]/g, '');
}
