// From request bytes to a NormalizedAlert: size, encoding and JSON checks, then shape detection.
// Every refusal is a ValidationError that says what was wrong; nothing here touches state.
import { ValidationError } from '../errors';
import { isObject } from './json';
import { isManualAlert, parseManualAlert } from './manual';
import { isSentinelIncident, parseSentinelIncident } from './sentinel-incident';
import type { NormalizedAlert } from './types';

/** How much of the payload is kept on the incident: enough to read, small enough for one table property. */
export const RAW_ALERT_KEEP_CHARS = 16 * 1024;

const SUPPORTED = 'Sentinel incident (Logic Apps trigger body), manual {"user","alertId"}';

const decoder = new TextDecoder('utf-8', { fatal: true });

export interface DecodedAlertBody {
  json: unknown;
  /** The body as sent, kept (truncated) on the incident for the record. */
  text: string;
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
    throw new ValidationError(`malformed JSON: ${error instanceof Error ? error.message : 'parse error'}`, 400);
  }
}

export function parseAlert({ json: body, text }: DecodedAlertBody): NormalizedAlert {
  if (!isObject(body)) {
    throw new ValidationError(`expected a JSON object; supported shapes: ${SUPPORTED}`, 422, { shape: 'unknown' });
  }
  const raw = text.slice(0, RAW_ALERT_KEEP_CHARS);
  if (isSentinelIncident(body)) return parseSentinelIncident(body, raw);
  if (isManualAlert(body)) return parseManualAlert(body, raw);
  throw new ValidationError(`unrecognised alert shape; supported shapes: ${SUPPORTED}`, 422, { shape: 'unknown' });
}
