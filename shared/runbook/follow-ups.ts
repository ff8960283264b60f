// The receiving end of the queued phases. Diagnosis (Phase 2) lives in diagnose.ts; the pivot hunt
// (Phase 4) is its own issue and for now records on the incident's timeline that its message arrived. A
// message that failed every attempt is recorded as a visible failure instead of vanishing into a poison queue.
import { ulid } from 'ulid';
import type { FollowUpMessage, FollowUpQueueName, IncidentStore, QueueName } from './ports';

export async function recordFollowUpReceived(
  store: IncidentStore,
  queue: FollowUpQueueName,
  message: FollowUpMessage,
  invocationId: string,
  at: Date,
): Promise<void> {
  await store.appendEvents(message.incidentId, [
    {
      id: ulid(),
      at: at.toISOString(),
      kind: `${queue}_received`,
      actor: `aitm-contain (${queue}, invocation ${invocationId})`,
      summary: `${queue} message received; this phase is not automated yet`,
    },
  ]);
}

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
