// Phases 3 and 5 over HTTP and queues: POST /api/incidents/{id}/eradicate | /recover | /notified | /close
// (approver decisions, recorded with the caller's id), the `eradicate` and `verify` queue functions and
// their poison handlers. Thin: authenticate, validate, call the runbook step, map the result. The steps'
// code and adapters are required by the first call (services.ts followUps), not when the package loads.
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { field, text } from '../shared/alerts/json';
import { httpAuthLevel } from '../shared/config';
import { NotFoundError, toError, toHttpResponse, ValidationError } from '../shared/errors';
import { incidentView } from '../shared/http/contain-response';
import { readLimitedBody, requireJsonContentType } from '../shared/http/request-body';
import { incidentIdOf, parseEradicateMessage, parseVerifyMessage } from '../shared/queues/follow-up-message';
import { getServices } from '../shared/services';
import { ULID } from './incidents';
import { recordPoisonMessage } from './poison';
import { registerFunction } from './registry';

const STORAGE_CONNECTION = 'AzureWebJobsStorage';
const MAX_BODY_BYTES = 64 * 1024;

// Each step's runbook module with the follow-up adapters, required on first use.
const eradicationSteps = () => Promise.all([import('../shared/runbook/eradicate'), getServices().followUps()]);
const recoverySteps = () => Promise.all([import('../shared/runbook/recover'), getServices().followUps()]);
const verifySteps = () => Promise.all([import('../shared/runbook/verify'), getServices().followUps()]);

async function readJson(request: HttpRequest, shape: string): Promise<unknown> {
  requireJsonContentType(request);
  const bytes = await readLimitedBody(request, MAX_BODY_BYTES);
  if (bytes.byteLength === 0) return {};
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown;
  } catch {
    throw new ValidationError(`malformed JSON: expected ${shape}`, 400);
  }
}

function incidentId(request: HttpRequest): string {
  const id = request.params.id ?? '';
  if (!ULID.test(id)) throw new NotFoundError(`no incident "${id.slice(0, 64)}"`);
  return id;
}

function comment(body: unknown): string | undefined {
  return text(field(body, 'comment'))?.slice(0, 1000);
}

export async function eradicateHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const caller = await getServices().callers.authenticate(request, 'approver');
    const [{ requestEradication }, { eradicate }] = await eradicationSteps();
    const id = incidentId(request);
    const body = await readJson(request, '{"findings": ["<finding id>", ...] | "flagged", "comment": "..."}');
    const findings = field(body, 'findings');
    if (
      findings !== 'flagged' &&
      !(
        Array.isArray(findings) &&
        findings.length > 0 &&
        findings.length <= 500 &&
        findings.every((f) => typeof f === 'string' && f.length <= 128)
      )
    ) {
      throw new ValidationError('"findings" must be "flagged" or a list of finding ids (1-500)', 422, { field: 'findings' });
    }
    const incident = await requestEradication(
      eradicate,
      id,
      { invocationId: context.invocationId, caller: caller.id },
      { findings: findings as string[] | 'flagged', comment: comment(body) },
    );
    context.info(
      JSON.stringify({ event: 'eradication_requested', incidentId: id, by: caller.id, items: incident.eradication?.items.length }),
    );
    return { status: 202, jsonBody: { ...incidentView(incident), eradication: incident.eradication, approvedBy: caller.id } };
  } catch (error) {
    return toHttpResponse(error, context.invocationId);
  }
}

export async function recoverHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const caller = await getServices().callers.authenticate(request, 'approver');
    const [{ recoverIncident }, { recover }] = await recoverySteps();
    const id = incidentId(request);
    const body = await readJson(request, '{"credential": "tap" | "password"}');
    const credential = field(body, 'credential') ?? 'tap';
    if (credential !== 'tap' && credential !== 'password')
      throw new ValidationError('"credential" must be "tap" or "password"', 422, { field: 'credential' });
    const result = await recoverIncident(recover, id, { invocationId: context.invocationId, caller: caller.id }, credential);
    // The credential is in this response only: the log line says that one was issued, never what it is.
    context.info(JSON.stringify({ event: 'recovered', incidentId: id, by: caller.id, credential: result.credential.type }));
    return {
      status: 200,
      headers: { 'Cache-Control': 'no-store' },
      jsonBody: {
        ...incidentView(result.incident),
        credential: { ...result.credential, shownOnce: true, deliver: 'by phone, not email: the mailbox may still be forwarded' },
        notifyOutOfBand: result.recipients,
        recoveredBy: caller.id,
      },
    };
  } catch (error) {
    return toHttpResponse(error, context.invocationId);
  }
}

export async function notifiedHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const { callers, store } = getServices();
    const caller = await callers.authenticate(request, 'approver');
    const [{ recordNotified }, { recover }] = await recoverySteps();
    const id = incidentId(request);
    const body = await readJson(request, '{"channel": "phone", "comment": "..."}');
    const channel = text(field(body, 'channel')) ?? 'phone';
    const incident = await recordNotified(
      store,
      recover.clock,
      id,
      { invocationId: context.invocationId, caller: caller.id },
      channel,
      comment(body),
    );
    return { status: 200, jsonBody: { ...incidentView(incident), t2: incident.t2 } };
  } catch (error) {
    return toHttpResponse(error, context.invocationId);
  }
}

export async function closeHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const { callers, store } = getServices();
    const caller = await callers.authenticate(request, 'approver');
    const [{ closeIncident }, { recover }] = await recoverySteps();
    const id = incidentId(request);
    const body = await readJson(request, '{"comment": "..."}');
    const incident = await closeIncident(
      store,
      recover.clock,
      id,
      { invocationId: context.invocationId, caller: caller.id },
      comment(body),
    );
    return { status: 200, jsonBody: { ...incidentView(incident), closedBy: caller.id } };
  } catch (error) {
    return toHttpResponse(error, context.invocationId);
  }
}

/** Throwing hands the message back to the queue; after maxDequeueCount the poison handler records it. */
export async function eradicateQueueHandler(message: unknown, context: InvocationContext): Promise<void> {
  const parsed = parseEradicateMessage(message);
  const [{ eradicateIncident, EradicationRetryError }, { eradicate }] = await eradicationSteps();
  try {
    const result = await eradicateIncident(parsed, eradicate, context.invocationId);
    const counts: Record<string, number> = {};
    for (const item of result.items) counts[item.status] = (counts[item.status] ?? 0) + 1;
    context.info(JSON.stringify({ event: 'eradication', incidentId: result.incidentId, outcome: result.outcome, items: counts }));
  } catch (error) {
    const retry = error instanceof EradicationRetryError;
    context.warn(
      JSON.stringify({
        event: retry ? 'eradication_retry' : 'eradication_error',
        incidentId: parsed.incidentId,
        message: toError(error).message.slice(0, 500),
      }),
    );
    throw error;
  }
}

export async function verifyQueueHandler(message: unknown, context: InvocationContext): Promise<void> {
  const parsed = parseVerifyMessage(message);
  const [{ verifyContainment }, { verify }] = await verifySteps();
  const result = await verifyContainment(parsed, verify, context.invocationId);
  const line = JSON.stringify({
    event: `containment_${result.outcome}`,
    incidentId: parsed.incidentId,
    afterMinutes: parsed.afterMinutes,
    problems: result.record?.problems,
    recontained: result.recontained,
  });
  if (result.outcome === 'broken') context.error(line);
  else context.info(line);
}

/** A message that failed every attempt, recorded on the incident (functions/poison.ts). */
function poisonHandler(queue: 'eradicate' | 'verify') {
  return (message: unknown, context: InvocationContext): Promise<void> => recordPoisonMessage(queue, incidentIdOf(message), context);
}

function approverRoute(
  name: string,
  verb: string,
  handler: (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>,
) {
  return registerFunction({
    kind: 'http',
    name,
    route: `incidents/{id}/${verb}`,
    methods: ['POST'],
    authLevel: httpAuthLevel('approver'),
    handler,
  });
}

export const eradicateFunction = approverRoute('eradicateIncident', 'eradicate', eradicateHandler);
export const recoverFunction = approverRoute('recoverIncident', 'recover', recoverHandler);
export const notifiedFunction = approverRoute('notifiedIncident', 'notified', notifiedHandler);
export const closeFunction = approverRoute('closeIncident', 'close', closeHandler);

export const eradicateQueueFunction = registerFunction({
  kind: 'queue',
  name: 'eradicate',
  queueName: 'eradicate',
  connection: STORAGE_CONNECTION,
  handler: eradicateQueueHandler,
});
export const verifyQueueFunction = registerFunction({
  kind: 'queue',
  name: 'verify',
  queueName: 'verify',
  connection: STORAGE_CONNECTION,
  handler: verifyQueueHandler,
});
export const eradicatePoisonFunction = registerFunction({
  kind: 'queue',
  name: 'eradicatePoison',
  queueName: 'eradicate-poison',
  connection: STORAGE_CONNECTION,
  handler: poisonHandler('eradicate'),
});
export const verifyPoisonFunction = registerFunction({
  kind: 'queue',
  name: 'verifyPoison',
  queueName: 'verify-poison',
  connection: STORAGE_CONNECTION,
  handler: poisonHandler('verify'),
});
