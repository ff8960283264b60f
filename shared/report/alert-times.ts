// When the alert was raised, for the report: the alert parser's own answer (shared/alerts/raised.ts), the
// one the containment metric took at receipt, never a second reading of the payload. The time recorded on
// the incident stands first, since the payload kept for the record is cut at 16 KiB and may not parse;
// the kept payload, parsed again, says which field the time came from and when the first activity was.
// A shape with neither time (a manual replay) gives "not known".
import { isAcknowledgement } from '../alerts/acknowledged';
import { parseAlert } from '../alerts/parse-alert';
import type { NormalizedAlert } from '../alerts/types';
import type { Incident } from '../runbook/incident';

export interface AlertTimes {
  raisedAt?: string;
  /** Which field raisedAt comes from, for the record. */
  raisedFrom?: string;
  firstActivityAt?: string;
}

export function alertTimes(incident: Pick<Incident, 'alertRaw' | 'alertRaisedAt'>): AlertTimes {
  const kept = parseKept(incident.alertRaw);
  const raisedAt = incident.alertRaisedAt ?? kept?.alertRaisedAt;
  return {
    raisedAt,
    raisedFrom: raisedAt !== undefined && raisedAt === kept?.alertRaisedAt ? kept.alertRaisedFrom : undefined,
    firstActivityAt: kept?.firstActivityAt,
  };
}

function parseKept(raw: string): NormalizedAlert | undefined {
  try {
    const parsed = parseAlert({ json: JSON.parse(raw), text: raw });
    return isAcknowledgement(parsed) ? undefined : parsed;
  } catch {
    // Cut short for the record, or a shape the parser no longer accepts: the recorded time is all there is.
    return undefined;
  }
}
