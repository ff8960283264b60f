// GET /api/incidents and GET /api/incidents/{id}: what automation did, for the analyst and the record.
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { httpAuthLevel } from '../shared/config';
import { NotFoundError, toHttpResponse, ValidationError } from '../shared/errors';
import { incidentView } from '../shared/http/contain-response';
import { INCIDENT_STATES } from '../shared/runbook/incident';
import { getServices } from '../shared/services';
import { registerFunction } from './registry';

export const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export async function getIncidentHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const { store, callers } = getServices();
    await callers.authenticate(request);
    const id = request.params.id ?? '';
    if (!ULID.test(id)) throw new NotFoundError(`no incident "${id.slice(0, 64)}"`);
    const [stored, timeline] = await Promise.all([store.get(id), store.timeline(id)]);
    if (!stored) throw new NotFoundError(`no incident "${id}"`);
    return { jsonBody: { ...incidentView(stored.incident), ips: stored.incident.ips, timeline } };
  } catch (error) {
    return toHttpResponse(error, context.invocationId);
  }
}

export async function listIncidentsHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const { store, callers } = getServices();
    await callers.authenticate(request);
    const state = request.query.get('state') ?? undefined;
    if (state !== undefined && !(INCIDENT_STATES as readonly string[]).includes(state)) {
      throw new ValidationError(`unknown state "${state.slice(0, 64)}"; one of ${INCIDENT_STATES.join(', ')}`, 400);
    }
    const sinceText = request.query.get('since') ?? undefined;
    const since = sinceText === undefined ? undefined : Date.parse(sinceText);
    if (since !== undefined && Number.isNaN(since)) throw new ValidationError('"since" must be an ISO 8601 time', 400);
    const user = request.query.get('user') ?? undefined;
    const incidents = await store.list({
      state,
      user: user?.slice(0, 256),
      since: since === undefined ? undefined : new Date(since).toISOString(),
    });
    return { jsonBody: { incidents: incidents.map(incidentView) } };
  } catch (error) {
    return toHttpResponse(error, context.invocationId);
  }
}

export const getIncidentFunction = registerFunction({
  kind: 'http',
  name: 'getIncident',
  route: 'incidents/{id}',
  methods: ['GET'],
  authLevel: httpAuthLevel(),
  handler: getIncidentHandler,
});

export const listIncidentsFunction = registerFunction({
  kind: 'http',
  name: 'listIncidents',
  route: 'incidents',
  methods: ['GET'],
  authLevel: httpAuthLevel(),
  handler: listIncidentsHandler,
});
