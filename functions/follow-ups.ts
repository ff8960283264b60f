// Queue triggers for the follow-up phases (`diagnose`, `hunt`) and their poison queues. A poison handler
// never throws: a poison message of a poison queue would be a silent loss. The phases' code is required
// by the first message (services.ts followUps), not when the package loads.
import type { InvocationContext } from '@azure/functions';
import { parseFollowUpMessage } from '../shared/queues/follow-up-message';
import type { FollowUpMessage, FollowUpQueueName } from '../shared/runbook/ports';
import { getServices } from '../shared/services';
import { recordPoisonMessage } from './poison';
import { registerFunction } from './registry';

const STORAGE_CONNECTION = 'AzureWebJobsStorage';

/**
 * Phase 4: the pivot hunt. Throwing hands the message back to the queue (a backend failed transiently;
 * the pivots it claimed were given back), and after maxDequeueCount huntPoison records `hunt_failed`.
 */
export async function huntHandler(message: unknown, context: InvocationContext): Promise<void> {
  const followUp = parseFollowUpMessage(message);
  const started = performance.now();
  const [{ huntIncident, HuntRetryError }, { hunt }] = await Promise.all([import('../shared/runbook/hunt'), getServices().followUps()]);
  try {
    const result = await huntIncident(followUp, hunt, context.invocationId);
    context.info(
      JSON.stringify({
        event: 'hunt',
        incidentId: result.incidentId,
        campaignId: result.campaignId,
        pivots: result.pivots.map((p) => p.status),
        suspicious: result.hits.filter((h) => h.verdict === 'suspicious').length,
        victims: result.victims.map((v) => v.state),
        latencyMs: Math.round(performance.now() - started),
      }),
    );
  } catch (error) {
    const retry = error instanceof HuntRetryError;
    context.warn(
      JSON.stringify({
        event: retry ? 'hunt_retry' : 'hunt_error',
        incidentId: followUp.incidentId,
        message: error instanceof Error ? error.message.slice(0, 500) : 'unknown',
      }),
    );
    throw error;
  }
}

/**
 * Phase 2: builds the evidence pack. Throwing hands the message back to the queue (retried, and after
 * maxDequeueCount recorded by diagnosePoison); what landed before the throw stays recorded.
 */
export async function diagnoseHandler(message: unknown, context: InvocationContext): Promise<void> {
  const followUp = parseFollowUpMessage(message);
  const [{ diagnoseIncident, DiagnosisRetryError }, { diagnose }] = await Promise.all([
    import('../shared/runbook/diagnose'),
    getServices().followUps(),
  ]);
  try {
    const result = await diagnoseIncident(followUp, diagnose, context.invocationId);
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
    context.warn(
      JSON.stringify({
        event: retry ? 'diagnosis_retry' : 'diagnosis_error',
        incidentId: followUp.incidentId,
        message: error instanceof Error ? error.message.slice(0, 500) : 'unknown',
      }),
    );
    throw error;
  }
}

/**
 * A message that failed every attempt. Recorded on the incident's timeline; if the incident store
 * cannot take the record (a storage outage, each attempt bounded by STORAGE_TIMEOUT_MS), the handler
 * does not throw: a throw would move the message to `<queue>-poison-poison`, which nothing reads. It
 * logs an error line carrying the message instead, so the failure is on record where alerts look.
 */
function poisonHandler(queue: FollowUpQueueName) {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    let followUp: FollowUpMessage | undefined;
    try {
      followUp = parseFollowUpMessage(message);
    } catch {
      followUp = undefined;
    }
    await recordPoisonMessage(
      queue,
      followUp?.incidentId,
      context,
      followUp ? { followUp: { alertKey: followUp.alertKey, userKey: followUp.userKey, t0: followUp.t0 } } : {},
    );
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
  handler: huntHandler,
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
