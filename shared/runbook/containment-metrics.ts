// What one containment contributes to the metrics a workbook charts: time to contain measured from when
// the source raised the alert and from when we received it (both to T0), and the outcome. Pure: the
// adapter (shared/telemetry) only records these numbers.
import type { Incident } from './incident';

export const METRIC_NAMES = {
  /** Histogram, seconds, one recording per containment and `measured_from` (alert | receipt). */
  timeToContain: 'aitm.time_to_contain',
  /** Counter, one per incident whose containment finished, by outcome. */
  incidents: 'aitm.incidents',
} as const;

export interface ContainmentSample {
  /** The incident's state when containment finished: contained, partially_contained, awaiting_approval, skipped_protected, failed. */
  outcome: string;
  source: string;
  severity: string;
  mode: string;
  /** Why a held incident waits (severity, blast_radius, privileged, ...); absent otherwise. */
  hold?: string;
  /** T0 minus the alert's own raised time; absent without T0 or a raised time (or a raised time after T0: a clock we cannot trust). */
  fromAlertSeconds?: number;
  /** T0 minus when we received the alert (the incident's creation). */
  fromReceiptSeconds?: number;
}

function secondsBetween(from: string | undefined, to: string | undefined): number | undefined {
  if (from === undefined || to === undefined) return undefined;
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) && ms >= 0 ? ms / 1000 : undefined;
}

export function containmentSample(incident: Incident): ContainmentSample {
  return {
    outcome: incident.state,
    source: incident.source,
    severity: incident.severity,
    mode: incident.mode,
    hold: incident.hold,
    fromAlertSeconds: secondsBetween(incident.alertRaisedAt, incident.t0),
    fromReceiptSeconds: secondsBetween(incident.createdAt, incident.t0),
  };
}
