// The last stop of the queued phases (diagnosis in diagnose.ts, the pivot hunt in hunt.ts): a message
// that failed every attempt is recorded as a visible failure instead of vanishing into a poison queue.
import { ulid } from 'ulid';
import type { IncidentStore, QueueName } from './ports';

export async function recordFollowUpPoisoned(
  store: IncidentStore,
  queue: QueueName,
  incidentId: string,
  dequeueCount: number | undefined,
  invocationId: string,
  at: Date,
): Promise<void> {
  await store.appendEvents(incidentId, [
    {
      id: ulid(),
      at: at.toISOString(),
      kind: `${queue}_failed`,
      actor: `aitm-contain (${queue}-poison, invocation ${invocationId})`,
      summary: `${queue} failed after ${dequeueCount ?? 'several'} attempts; the message is in ${queue}-poison for a human`,
    },
  ]);
}
