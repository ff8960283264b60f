// When the source raised an alert, by its own clock: where "time to contain from the alert" starts. Every
// shape's parser reads it here, and both the containment metric (from the incident recorded at receipt)
// and the post-incident report take the parser's answer, so they never disagree: the payload's own
// creation time where the shape has one, else its first activity; with neither it is not known.
import { text } from './json';
import type { NormalizedAlert } from './types';
import { toIsoTime } from './values';

/** `created` is the shape's creation-time field as found (any JSON value); `createdFrom` names it for the record. */
export function alertRaised(
  createdFrom: string,
  created: unknown,
  firstActivityAt: string | undefined,
): Pick<NormalizedAlert, 'alertRaisedAt' | 'alertRaisedFrom'> {
  const createdAt = toIsoTime(text(created));
  if (createdAt !== undefined) return { alertRaisedAt: createdAt, alertRaisedFrom: createdFrom };
  return firstActivityAt === undefined ? {} : { alertRaisedAt: firstActivityAt, alertRaisedFrom: 'first activity' };
}
