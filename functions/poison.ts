// The last stop of a message that failed every attempt: recorded on its incident as a visible failure.
// It never throws: a poison message of a poison queue is read by nothing, so when the store cannot take
// the record, the error line carrying the message is the record.
import type { InvocationContext } from '@azure/functions';
import { toError } from '../shared/errors';
import { recordFollowUpPoisoned } from '../shared/runbook/follow-ups';
import { getServices } from '../shared/services';

const POISON_RECORD_ATTEMPTS = 3;

export async function recordPoisonMessage(
  queue: Parameters<typeof recordFollowUpPoisoned>[1],
  incidentId: string | undefined,
  context: InvocationContext,
  detail: Readonly<Record<string, unknown>> = {},
): Promise<void> {
  const rawCount = context.triggerMetadata?.dequeueCount;
  const dequeueCount = typeof rawCount === 'number' ? rawCount : undefined;
  // Logged either way, so an unreadable poison message is still seen by whoever watches the logs.
  context.error(JSON.stringify({ event: `${queue}_poisoned`, incidentId: incidentId ?? 'unreadable message', dequeueCount }));
  if (incidentId === undefined) return;
  let lastError: unknown;
  for (let attempt = 1; attempt <= POISON_RECORD_ATTEMPTS; attempt++) {
    try {
      await recordFollowUpPoisoned(getServices().store, queue, incidentId, dequeueCount, context.invocationId, new Date());
      return;
    } catch (error) {
      lastError = error;
    }
  }
  context.error(
    JSON.stringify({
      event: `${queue}_poison_unrecorded`,
      incidentId,
      message: `${queue} failed after ${dequeueCount ?? 'several'} attempts and the incident store could not record it (${POISON_RECORD_ATTEMPTS} tries): this line is the record`,
      ...detail,
      error: toError(lastError).message.slice(0, 500),
    }),
  );
}
