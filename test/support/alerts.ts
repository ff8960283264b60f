// Test helper: the alert a payload parses to, failing the test when parsing acknowledged it instead.
import { isAcknowledgement, type ParsedAlert } from '../../shared/alerts/acknowledged';
import type { NormalizedAlert } from '../../shared/alerts/types';

export function alertOf(parsed: ParsedAlert): NormalizedAlert {
  if (isAcknowledgement(parsed)) throw new Error(`expected an alert, the payload was acknowledged: ${parsed.reason}`);
  return parsed;
}
