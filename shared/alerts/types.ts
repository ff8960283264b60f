// The normalized alert: what every supported payload shape is reduced to before any decision is made.
import type { Severity } from '../config';

export type AlertSource = 'sentinel-incident' | 'manual';

/** A user the alert says was affected. At least one of the two identifiers is present. */
export interface AlertUser {
  upn?: string;
  objectId?: string;
}

export interface NormalizedAlert {
  source: AlertSource;
  /** Stable across redeliveries of the same alert; the idempotency key (with the user). */
  alertKey: string;
  /** The provider's own id, for people: Sentinel incident number or name, or the manual alertId. */
  alertId: string;
  severity: Severity;
  title: string;
  detection?: string;
  firstActivityAt?: string;
  lastActivityAt?: string;
  users: AlertUser[];
  ips: string[];
  userAgents: string[];
  asns: number[];
  /** The payload as received, truncated for the record. */
  raw: string;
}

/** The identifier we address the user by in Graph: the object id when known, else the UPN. */
export function userKey(user: AlertUser): string {
  return (user.objectId ?? user.upn ?? '').toLowerCase();
}

export function describeUser(user: AlertUser): string {
  return user.upn ?? user.objectId ?? 'unknown user';
}
