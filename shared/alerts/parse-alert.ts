// From request bytes to a NormalizedAlert: size, encoding and JSON checks, then shape detection.
// Every refusal is a ValidationError that says what was wrong; nothing here touches state.
import { ValidationError } from '../errors';
import type { ParsedAlert } from './acknowledged';
import { isAzureMonitorAlert, parseAzureMonitorAlert } from './azure-monitor';
import { isDefenderAlert, parseDefenderAlert } from './defender-alert';
import { isDefenderIncident, parseDefenderIncident } from './defender-incident';
import { field, isObject, list } from './json';
import { isManualAlert, parseManualAlert } from './manual';
import { isSentinelAlert, parseSentinelAlert } from './sentinel-alert';
import { isSentinelIncident, parseSentinelIncident } from './sentinel-incident';

/** How much of the payload is kept on the incident: enough to read, small enough for one table property. */
export const RAW_ALERT_KEEP_CHARS = 16 * 1024;

const SUPPORTED =
  'Sentinel incident (Logic Apps trigger body or REST resource), Sentinel alert (SecurityAlert schema or alert trigger body), ' +
  'Defender XDR alert or incident (Microsoft Graph security alert v2 / incident with alerts), ' +
  'Azure Monitor common alert schema (log search alert), manual {"user","alertId"}';

interface Shape {
  detect(body: unknown): boolean;
  parse(body: unknown, raw: string): ParsedAlert;
}

/**
 * Checked in this order; each detector looks for markers only its shape has (schemaId / data.essentials;
 * the Microsoft.SecurityInsights/incidents type or objectSchemaType; Graph @odata.type or Graph-only
 * fields; SystemAlertId; the manual `user` / `alertId`), so a payload is never parsed as two shapes.
 */
const SHAPES: readonly Shape[] = [
  { detect: isAzureMonitorAlert, parse: parseAzureMonitorAlert },
  { detect: isSentinelIncident, parse: parseSentinelIncident },
  { detect: isDefenderIncident, parse: parseDefenderIncident },
  { detect: isDefenderAlert, parse: parseDefenderAlert },
  { detect: isSentinelAlert, parse: parseSentinelAlert },
  { detect: isManualAlert, parse: parseManualAlert },
];

const decoder = new TextDecoder('utf-8', { fatal: true });

export interface DecodedAlertBody {
  json: unknown;
  /** The body as sent, kept (truncated) on the incident for the record. */
  text: string;
}

/**
 * The parser's own message quotes the body ("Unexpected token 'x', \"xyz...\" is not valid JSON"): the
 * caller is told where it broke, never the characters, so a refusal does not echo what was sent.
 */
export function malformedJson(error: unknown): ValidationError {
  const position = error instanceof Error ? /position (\d+)/.exec(error.message)?.[1] : undefined;
  return new ValidationError(`malformed JSON${position !== undefined ? ` at position ${position}` : ''}: expected a JSON alert`, 400);
}

export function decodeAlertBody(bytes: Uint8Array, maxBytes: number): DecodedAlertBody {
  if (bytes.byteLength > maxBytes) {
    throw new ValidationError(`alert body is ${bytes.byteLength} bytes; the limit is ${maxBytes}`, 413);
  }
  if (bytes.byteLength === 0) throw new ValidationError('empty body: expected a JSON alert', 400);
  let textBody: string;
  try {
    textBody = decoder.decode(bytes);
  } catch {
    throw new ValidationError('body is not valid UTF-8', 400);
  }
  try {
    return { json: JSON.parse(textBody), text: textBody };
  } catch (error) {
    throw malformedJson(error);
  }
}

/**
 * Envelopes real callers wrap an alert in: a Logic App forwarding `triggerOutputs()` instead of
 * `triggerBody()` ({headers, body}), and a Graph collection response ({"@odata.context", value: [one]}).
 * A collection of several alerts is refused: one alert per request, so each is keyed and retried alone.
 */
function unwrap(body: unknown): unknown {
  if (!isObject(body)) return body;
  const keys = Object.keys(body);
  if (isObject(field(body, 'body')) && keys.every((key) => key === 'body' || key === 'headers' || key === 'statusCode')) {
    return field(body, 'body');
  }
  const value = field(body, 'value');
  if (Array.isArray(value) && keys.every((key) => key === 'value' || key.startsWith('@odata.'))) {
    if (value.length !== 1) {
      throw new ValidationError(`a collection of ${value.length} items: send one alert or incident per request`, 422, {
        shape: 'collection',
        invalid: 'value',
        count: value.length,
      });
    }
    return list(value)[0];
  }
  return body;
}

/**
 * The alert to act on, or an acknowledgement (a closed or resolved notification: 200, nothing written).
 * The raw payload kept for the record is the alert itself: an envelope's `headers` (which carry the
 * caller's Authorization, cookies, function key) are never stored.
 */
export function parseAlert({ json, text }: DecodedAlertBody): ParsedAlert {
  const body = unwrap(json);
  if (!isObject(body)) {
    throw new ValidationError(`expected a JSON object; supported shapes: ${SUPPORTED}`, 422, { shape: 'unknown' });
  }
  const kept = body === json ? text : JSON.stringify(body);
  // Cut on a character boundary: half a surrogate pair is not text.
  const raw = kept.slice(0, RAW_ALERT_KEEP_CHARS).replace(/[\ud800-\udbff]$/, '');
  const shape = SHAPES.find((candidate) => candidate.detect(body));
  if (shape === undefined) {
    throw new ValidationError(`unrecognised alert shape; supported shapes: ${SUPPORTED}`, 422, { shape: 'unknown' });
  }
  return shape.parse(body, raw);
}
