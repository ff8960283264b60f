// A well-formed notification that asks for no action: a resolved Azure Monitor alert, a closed Sentinel
// incident, a resolved Graph alert or Defender incident. Parsing returns it instead of an alert; the
// webhook answers 200 and writes nothing, so the sender does not retry it as a failure.
import { text } from './json';
import type { NormalizedAlert } from './types';

export interface Acknowledgement {
  acknowledged: true;
  shape: string;
  reason: string;
}

/** What parsing a payload yields: an alert to act on, or an acknowledgement. */
export type ParsedAlert = NormalizedAlert | Acknowledgement;

export function isAcknowledgement(parsed: ParsedAlert): parsed is Acknowledgement {
  return 'acknowledged' in parsed;
}

export function acknowledge(shape: string, reason: string): Acknowledgement {
  return { acknowledged: true, shape, reason };
}

/**
 * An acknowledgement when `value` (the status at `fieldPath`) is one of `closed` (compared
 * case-insensitively): whatever the classification, a closed or resolved record has nobody left to contain.
 */
export function acknowledgeClosed(
  shape: string,
  value: unknown,
  fieldPath: string,
  closed: readonly string[],
): Acknowledgement | undefined {
  const status = text(value);
  if (status === undefined || !closed.includes(status.toLowerCase())) return undefined;
  return acknowledge(shape, `${fieldPath} is ${status.slice(0, 40)}; nothing to contain`);
}
