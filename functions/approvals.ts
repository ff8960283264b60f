// POST /api/incidents/{id}/approve and /reject: a human's decision on a held incident. Approve runs the
// same containment path (past the gates that wait for a human, never past protection); reject closes.
// Only an approver decides (shared/auth/callers.ts), and the record names the person.
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { field, text } from '../shared/alerts/json';
import { httpAuthLevel } from '../shared/config';
import { NotFoundError, toHttpResponse, ValidationError } from '../shared/errors';
import { incidentView } from '../shared/http/contain-response';
import { readLimitedBody, requireJsonContentType } from '../shared/http/request-body';
import { approveIncident, rejectIncident, type Decision } from '../shared/runbook/approvals';
import type { Caller } from '../shared/auth/callers';
import { getServices } from '../shared/services';
import { ULID } from './incidents';
import { registerFunction } from './registry';

const MAX_DECISION_BYTES = 16 * 1024;

/** The body is optional: `{"comment": "..."}`. */
async function readDecision(request: HttpRequest): Promise<Decision> {
  requireJsonContentType(request);
  const bytes = await readLimitedBody(request, MAX_DECISION_BYTES);
  if (bytes.byteLength === 0) return {};
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new ValidationError('malformed JSON: expected {"comment": "..."} or no body', 400);
  }
  return { comment: text(field(body, 'comment'))?.slice(0, 1000) };
}

/** Who decided, for the response: the person's name and object id when a person's token was used. */
function decider(caller: Caller): { id: string; kind: Caller['kind']; name?: string; objectId?: string } {
  return { id: caller.id, kind: caller.kind, name: caller.name, objectId: caller.objectId };
}

function incidentId(request: HttpRequest): string {
  const id = request.params.id ?? '';
  if (!ULID.test(id)) throw new NotFoundError(`no incident "${id.slice(0, 64)}"`);
  return id;
}

export async function approveHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const { callers, contain, metrics } = getServices();
    const caller = await callers.authenticate(request, 'approver');
    const id = incidentId(request);
    const decision = await readDecision(request);
    const result = await approveIncident(contain, id, { invocationId: context.invocationId, caller: caller.id }, decision);
    if (!result.ok) throw result.error;
    // The approved containment finished: its outcome, and its time to contain (a human's wait included).
    metrics.contained(result.incident);
    context.info(
      JSON.stringify({ event: 'approved', incidentId: id, by: caller.id, state: result.incident.state, latencyMs: result.timings }),
    );
    return {
      status: result.retryable ? 503 : 200,
      headers: result.retryable ? { 'Retry-After': '5' } : undefined,
      jsonBody: { ...incidentView(result.incident), approvedBy: caller.id, approver: decider(caller) },
    };
  } catch (error) {
    return toHttpResponse(error, context.invocationId);
  }
}

export async function rejectHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const { callers, contain } = getServices();
    const caller = await callers.authenticate(request, 'approver');
    const id = incidentId(request);
    const decision = await readDecision(request);
    const incident = await rejectIncident(contain, id, { invocationId: context.invocationId, caller: caller.id }, decision);
    context.info(JSON.stringify({ event: 'rejected', incidentId: id, by: caller.id }));
    return { status: 200, jsonBody: { ...incidentView(incident), rejectedBy: caller.id, approver: decider(caller) } };
  } catch (error) {
    return toHttpResponse(error, context.invocationId);
  }
}

export const approveFunction = registerFunction({
  kind: 'http',
  name: 'approveIncident',
  route: 'incidents/{id}/approve',
  methods: ['POST'],
  authLevel: httpAuthLevel('approver'),
  handler: approveHandler,
});

export const rejectFunction = registerFunction({
  kind: 'http',
  name: 'rejectIncident',
  route: 'incidents/{id}/reject',
  methods: ['POST'],
  authLevel: httpAuthLevel('approver'),
  handler: rejectHandler,
});
