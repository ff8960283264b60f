// GET /api/campaigns, GET /api/campaigns/{id} (pivots, hits with their evidence and verdicts, linked
// incidents), and POST /api/incidents/{id}/hunt, which re-runs the pivot hunt with optional extra pivots.
// All three read (the hunt only holds other victims for approval unless CAMPAIGN_CONTAINMENT says
// otherwise, through the same safety gates): the reader role (an approver also reads).
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { httpAuthLevel } from '../shared/config';
import { BusyError, NotFoundError, toHttpResponse } from '../shared/errors';
import { parseHuntRequest } from '../shared/http/hunt-request';
import { readLimitedBody, requireJsonContentType } from '../shared/http/request-body';
import { getServices } from '../shared/services';
import { ULID } from './incidents';
import { registerFunction } from './registry';

const MAX_HUNT_BODY_BYTES = 64 * 1024;

export async function listCampaignsHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const { campaigns, callers } = getServices();
    await callers.authenticate(request, 'reader');
    return { jsonBody: { campaigns: await campaigns.list(100) } };
  } catch (error) {
    return toHttpResponse(error, context.invocationId);
  }
}

export async function getCampaignHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const { campaigns, callers } = getServices();
    await callers.authenticate(request, 'reader');
    const id = request.params.id ?? '';
    const campaign = ULID.test(id) ? await campaigns.get(id) : undefined;
    if (!campaign) throw new NotFoundError(`no campaign "${id.slice(0, 64)}"`);
    return { jsonBody: campaign };
  } catch (error) {
    return toHttpResponse(error, context.invocationId);
  }
}

export async function huntHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const { store, callers, followUps } = getServices();
    const caller = await callers.authenticate(request, 'reader');
    const id = request.params.id ?? '';
    if (!ULID.test(id)) throw new NotFoundError(`no incident "${id.slice(0, 64)}"`);
    requireJsonContentType(request);
    const extra = parseHuntRequest(new TextDecoder().decode(await readLimitedBody(request, MAX_HUNT_BODY_BYTES)));
    const stored = await store.get(id);
    if (!stored) throw new NotFoundError(`no incident "${id}"`);
    const { incident } = stored;
    const message = {
      version: 1 as const,
      incidentId: id,
      userKey: incident.userKey,
      upn: incident.user.upn,
      alertKey: incident.alertKey,
      ips: incident.ips,
      userAgents: incident.userAgents,
      t0: incident.t0,
    };
    // The hunt's code and adapters are required on first use (services.ts followUps).
    const [{ huntIncident, HuntRetryError }, { hunt }] = await Promise.all([import('../shared/runbook/hunt'), followUps()]);
    try {
      const result = await huntIncident(message, hunt, context.invocationId, extra, caller.id);
      return { jsonBody: { campaignId: result.campaignId, pivots: result.pivots, hits: result.hits, victims: result.victims } };
    } catch (error) {
      if (error instanceof HuntRetryError) throw new BusyError(error.message, 30);
      throw error;
    }
  } catch (error) {
    return toHttpResponse(error, context.invocationId);
  }
}

export const listCampaignsFunction = registerFunction({
  kind: 'http',
  name: 'listCampaigns',
  route: 'campaigns',
  methods: ['GET'],
  authLevel: httpAuthLevel('reader'),
  handler: listCampaignsHandler,
});

export const getCampaignFunction = registerFunction({
  kind: 'http',
  name: 'getCampaign',
  route: 'campaigns/{id}',
  methods: ['GET'],
  authLevel: httpAuthLevel('reader'),
  handler: getCampaignHandler,
});

export const huntIncidentFunction = registerFunction({
  kind: 'http',
  name: 'huntIncident',
  route: 'incidents/{id}/hunt',
  methods: ['POST'],
  authLevel: httpAuthLevel('reader'),
  handler: huntHandler,
});
