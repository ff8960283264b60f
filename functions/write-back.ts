// Queue trigger for WRITE_BACK comments on the source Sentinel or Defender XDR incident, and its poison
// queue. Off the hot path: containment only queued the message. A transient failure hands the message back
// to the queue (retried up to maxDequeueCount); the last attempt records the failure on the timeline.
import type { InvocationContext } from '@azure/functions';
import { incidentIdOf, parseWriteBackMessage } from '../shared/queues/follow-up-message';
import { writeBack, WriteBackRetryError } from '../shared/runbook/write-back';
import { getServices } from '../shared/services';
import { recordPoisonMessage } from './poison';
import { registerFunction } from './registry';

const STORAGE_CONNECTION = 'AzureWebJobsStorage';
/** host.json extensions.queues.maxDequeueCount: the delivery after which the host moves a message to -poison. */
const MAX_DEQUEUE_COUNT = 5;

export async function writeBackHandler(message: unknown, context: InvocationContext): Promise<void> {
  const request = parseWriteBackMessage(message);
  const deps = (await getServices().followUps()).writeBack;
  // WRITE_BACK was switched off after the message was queued: nothing to write to.
  if (!deps) {
    context.info(JSON.stringify({ event: 'write_back_off', incidentId: request.incidentId, mark: request.mark }));
    return;
  }
  const dequeueCount = context.triggerMetadata?.dequeueCount;
  const finalAttempt = typeof dequeueCount === 'number' && dequeueCount >= MAX_DEQUEUE_COUNT;
  try {
    const result = await writeBack(request, deps, { invocationId: context.invocationId, finalAttempt });
    context.info(JSON.stringify({ event: 'write_back', ...result, receipt: undefined, status: result.receipt?.status }));
  } catch (error) {
    context.warn(
      JSON.stringify({
        event: error instanceof WriteBackRetryError ? 'write_back_retry' : 'write_back_error',
        incidentId: request.incidentId,
        mark: request.mark,
        message: error instanceof Error ? error.message.slice(0, 500) : 'unknown',
      }),
    );
    throw error;
  }
}

export const writeBackFunction = registerFunction({
  kind: 'queue',
  name: 'writeBack',
  queueName: 'write-back',
  connection: STORAGE_CONNECTION,
  handler: writeBackHandler,
});

export const writeBackPoisonFunction = registerFunction({
  kind: 'queue',
  name: 'writeBackPoison',
  queueName: 'write-back-poison',
  connection: STORAGE_CONNECTION,
  handler: (message: unknown, context: InvocationContext) => recordPoisonMessage('write-back', incidentIdOf(message), context),
});
