// When the alert was raised, by the alert's own clock: the start of "time to contain from the alert".
// Read from the payload kept on the incident: its creation time where the shape has one (Sentinel
// incident createdTimeUtc, SecurityAlert TimeGenerated, Graph security createdDateTime, Azure Monitor
// firedDateTime), else its first activity as the alert parser reads it. A payload cut short for the
// record, or a shape with neither (a manual replay), gives "not known".
import { isAcknowledgement } from '../alerts/acknowledged';
import { fieldAny, fieldCI, isObject, list, path, text } from '../alerts/json';
import { parseAlert } from '../alerts/parse-alert';
import { toIsoTime } from '../alerts/values';

export interface AlertTimes {
  raisedAt?: string;
  /** Which field raisedAt comes from, for the record. */
  raisedFrom?: string;
  firstActivityAt?: string;
}

/** A Logic App envelope ({headers, body}) or a one-item Graph collection, as the parser unwraps them. */
function unwrap(json: unknown): unknown {
  const body = fieldCI(json, 'body');
  if (isObject(json) && isObject(body) && fieldCI(json, 'headers') !== undefined) return body;
  const value = fieldCI(json, 'value');
  if (isObject(json) && Array.isArray(value) && value.length === 1) return list(value)[0];
  return json;
}

const CREATION_FIELDS: ReadonlyArray<{ from: string; read: (body: unknown) => unknown }> = [
  { from: 'Sentinel incident createdTimeUtc', read: (b) => path(b, 'object', 'properties', 'createdTimeUtc') },
  { from: 'Sentinel incident createdTimeUtc', read: (b) => path(b, 'properties', 'createdTimeUtc') },
  { from: 'Azure Monitor firedDateTime', read: (b) => path(b, 'data', 'essentials', 'firedDateTime') },
  { from: 'alert createdDateTime', read: (b) => fieldAny(b, 'createdDateTime') },
  { from: 'SecurityAlert TimeGenerated', read: (b) => fieldAny(b, 'TimeGenerated') },
];

export function alertTimes(raw: string): AlertTimes {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return {};
  }
  let firstActivityAt: string | undefined;
  try {
    const parsed = parseAlert({ json, text: raw });
    if (!isAcknowledgement(parsed)) firstActivityAt = parsed.firstActivityAt;
  } catch {
    // A payload the parser no longer accepts still may carry a creation time.
  }
  const body = unwrap(json);
  for (const candidate of CREATION_FIELDS) {
    const at = toIsoTime(text(candidate.read(body)));
    if (at !== undefined) return { raisedAt: at, raisedFrom: candidate.from, firstActivityAt };
  }
  return firstActivityAt === undefined ? {} : { raisedAt: firstActivityAt, raisedFrom: 'first activity', firstActivityAt };
}
