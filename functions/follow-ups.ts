// Queue triggers for the follow-up phases (`diagnose`, `hunt`) and their poison queues.
import type { InvocationContext } from '@azure/functions';
import { parseFollowUpMessage } from '../shared/queues/follow-up-message';
import { diagnoseIncident, DiagnosisRetryError } from '../shared/runbook/diagnose';
import { recordFollowUpPoisoned, recordFollowUpReceived } from '../shared/runbook/follow-ups';
import type { FollowUpQueueName } from '../shared/runbook/ports';
import { getServices } from '../shared/services';
import { registerFunction } from './registry';

const STORAGE_CONNECTION = 'AzureWebJobsStorage';

function followUpHandler(queue: FollowUpQueueName) {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const followUp = parseFollowUpMessage(message);
    await recordFollowUpReceived(getServices().store, queue, followUp, context.invocationId, new Date());
    context.info(JSON.stringify({ event: `${queue}_received`, incidentId: followUp.incidentId }));
  };
}

/**
 * Phase 2: builds the evidence pack. Throwing hands the message back to the queue (retried, and after
 * maxDequeueCount recorded by diagnosePoison); what landed before the throw stays recorded.
 */
export async function diagnoseHandler(message: unknown, context: InvocationContext): Promise<void> {
  const followUp = parseFollowUpMessage(message);
  try {
    const result = await diagnoseIncident(followUp, getServices().diagnose, context.invocationId);
    const sources = Object.fromEntries(Object.entries(result.record?.sources ?? {}).map(([name, outcome]) => [name, outcome?.status]));
    context.info(
      JSON.stringify({
        event: 'diagnosis',
        incidentId: result.incidentId,
        outcome: result.outcome,
        state: result.state,
        counts: result.record?.counts,
        containmentHeld: result.record?.containmentHeld,
        sources,
        latencyMs: result.timings,
      }),
    );
  } catch (error) {
    const retry = error instanceof DiagnosisRetryError;
    context.warn(JSON.stringify({ event: retry ? 'diagnosis_retry' : 'diagnosis_error', incidentId: followUp.incidentId, message: error instanceof Error ? error.message.slice(0, 500) : 'unknown' }));
    throw error;
  }
}

function poisonHandler(queue: FollowUpQueueName) {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const dequeueCount = context.triggerMetadata?.dequeueCount;
    let incidentId: string | undefined;
    try {
      incidentId = parseFollowUpMessage(message).incidentId;
    } catch {
      incidentId = undefined;
    }
    // Logged either way, so an unreadable poison message is still seen by whoever watches the logs.
    context.error(JSON.stringify({ event: `${queue}_poisoned`, incidentId: incidentId ?? 'unreadable message' }));
    if (incidentId !== undefined) {
      await recordFollowUpPoisoned(getServices().store, queue, incidentId, typeof dequeueCount === 'number' ? dequeueCount : undefined, context.invocationId, new Date());
    }
  };
}

export const diagnoseFunction = registerFunction({
  kind: 'queue',
  name: 'diagnose',
  queueName: 'diagnose',
  connection: STORAGE_CONNECTION,
  handler: diagnoseHandler,
});

export const huntFunction = registerFunction({
  kind: 'queue',
  name: 'hunt',
  queueName: 'hunt',
  connection: STORAGE_CONNECTION,
  handler: followUpHandler('hunt'),
});

export const diagnosePoisonFunction = registerFunction({
  kind: 'queue',
  name: 'diagnosePoison',
  queueName: 'diagnose-poison',
  connection: STORAGE_CONNECTION,
  handler: poisonHandler('diagnose'),
});

export const huntPoisonFunction = registerFunction({
  kind: 'queue',
  name: 'huntPoison',
  queueName: 'hunt-poison',
  connection: STORAGE_CONNECTION,
  handler: poisonHandler('hunt'),
});
