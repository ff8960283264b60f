// The normalized alert: what every supported payload shape is reduced to before any decision is made.
import type { Severity } from './severity';

/** Which payload shape the alert arrived in (see parse-alert.ts); the alert key says which alert it is. */
export type AlertSource =
  'sentinel-incident' | 'sentinel-alert' | 'defender-alert' | 'defender-incident' | 'azure-monitor' | 'manual' | 'campaign';

/** A user the alert says was affected. At least one of the two identifiers is present. */
export interface AlertUser {
  upn?: string;
  objectId?: string;
}

export interface NormalizedAlert {
  source: AlertSource;
  /**
   * Stable across redeliveries of the same alert; the idempotency key (with the user). One namespace per
   * kind of thing alerted on, so copies of one alert or incident that arrive in different shapes meet:
   * `defender-alert:<providerAlertId>`, `defender-incident:<id>`, `sentinel-alert:<SystemAlertId>`,
   * `sentinel-incident:<name>`, `azure-monitor:<alert instance id>`, `manual:<alertId>`, and for the other
   * victims a pivot hunt finds, `campaign:<campaign id>` (one per campaign and person) (all lower-cased).
   */
  alertKey: string;
  /** The provider's own id, for people: Sentinel incident number or name, alert id, or the manual alertId. */
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
  /** When the source raised it: the payload's own creation time, else its first activity (time to contain starts here; ./raised.ts). */
  alertRaisedAt?: string;
  /** Which field alertRaisedAt was read from ("Sentinel incident createdTimeUtc", "first activity"), for the record. */
  alertRaisedFrom?: string;
  /** Where the alert lives in its source, for comments written back to it; absent when the payload names no such place. */
  origin?: AlertOrigin;
}

/**
 * The source records an alert came from, as far as the payload names them: the Sentinel incident's ARM
 * resource id, the Defender XDR (Graph security API) incident and alert ids. Each is validated on the
 * way in, since it becomes part of a URL the app writes to.
 */
export interface AlertOrigin {
  /** /subscriptions/{guid}/resourceGroups/{rg}/providers/Microsoft.OperationalInsights/workspaces/{ws}/providers/Microsoft.SecurityInsights/Incidents/{name} */
  sentinelIncident?: string;
  /** Graph `security/incidents/{id}`. */
  defenderIncident?: string;
  /** Graph `security/alerts_v2/{id}`. */
  defenderAlert?: string;
}

/**
 * The identifier we address an unresolved user by: the object id when known, else the UPN. Graph writes
 * never use it: they go to the object id the directory resolved.
 */
export function userKey(user: AlertUser): string {
  return (user.objectId ?? user.upn ?? '').toLowerCase();
}

/**
 * The identifiers exactly as a delivery gave them, lower-cased: one delivery shape. A single identifier
 * keys as `userKey` did before identity resolution, so gate rows written then still meet their redeliveries.
 */
export function deliveredIdentifiers(user: AlertUser): string {
  return user.objectId !== undefined && user.upn !== undefined ? `${user.objectId}\n${user.upn}`.toLowerCase() : userKey(user);
}

export function describeUser(user: AlertUser): string {
  return user.upn ?? user.objectId ?? 'unknown user';
}
