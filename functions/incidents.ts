// GET /api/incidents and GET /api/incidents/{id}: what automation did, for the analyst and the record.
// The list is newest first and paged (`top`, default 50, at most 200; `continuationToken`).
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { CampaignStore, StoredFinding } from '../shared/runbook/ports';
import { httpAuthLevel } from '../shared/config';
import { NotFoundError, toHttpResponse, ValidationError } from '../shared/errors';
import { incidentView } from '../shared/http/contain-response';
import { INCIDENT_STATES } from '../shared/runbook/incident';
import { getServices } from '../shared/services';
import { registerFunction } from './registry';

export const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

const DEFAULT_TOP = 50;
const MAX_TOP = 200;

function pageSize(text: string | null): number {
  if (text === null || text.trim() === '') return DEFAULT_TOP;
  const top = Number(text);
  if (!/^\d+$/.test(text.trim()) || top < 1 || top > MAX_TOP)
    throw new ValidationError(`"top" must be a whole number from 1 to ${MAX_TOP}`, 400);
  return top;
}

const VERDICT_ORDER: Readonly<Record<string, number>> = { suspicious: 0, unknown: 1, benign: 2 };

/** Suspicious first, then unknown, then benign; oldest first within each. Raw evidence only on request. */
function findingsView(findings: readonly StoredFinding[], withRaw: boolean) {
  return [...findings]
    .sort(
      (a, b) => (VERDICT_ORDER[a.verdict] ?? 3) - (VERDICT_ORDER[b.verdict] ?? 3) || (a.createdAt ?? '~').localeCompare(b.createdAt ?? '~'),
    )
    .map(({ raw, ...finding }) => (withRaw ? { ...finding, raw } : finding));
}

/** The incident's campaign in brief: who else it found and their incidents (the whole of it at /api/campaigns/{id}). */
async function campaignView(campaigns: CampaignStore, id: string) {
  const campaign = await campaigns.get(id);
  if (!campaign) return { id };
  return {
    id,
    pivots: campaign.pivots.map((p) => ({ kind: p.pivot.kind, value: p.pivot.value, status: p.status })),
    victims: campaign.hits
      .filter((h) => h.verdict === 'suspicious')
      .map((h) => ({ user: h.upn ?? h.userKey, reasons: h.reasons.slice(0, 3) })),
    incidents: campaign.incidents,
  };
}

export async function getIncidentHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const { store, findings, campaigns, callers } = getServices();
    await callers.authenticate(request, 'reader');
    const id = request.params.id ?? '';
    if (!ULID.test(id)) throw new NotFoundError(`no incident "${id.slice(0, 64)}"`);
    const [stored, timeline, found, campaignId] = await Promise.all([
      store.get(id),
      store.timeline(id),
      findings.findings(id),
      campaigns.campaignOf(id),
    ]);
    if (!stored) throw new NotFoundError(`no incident "${id}"`);
    const withRaw = /^(1|true|yes)$/i.test(request.query.get('raw') ?? '');
    return {
      jsonBody: {
        ...incidentView(stored.incident),
        ips: stored.incident.ips,
        diagnosis: stored.incident.diagnosis,
        eradication: stored.incident.eradication,
        verification: stored.incident.verification,
        recovery: stored.incident.recovery,
        t1: stored.incident.t1,
        t2: stored.incident.t2,
        t3: stored.incident.t3,
        findings: findingsView(found, withRaw),
        campaign: campaignId === undefined ? undefined : await campaignView(campaigns, campaignId),
        timeline,
      },
    };
  } catch (error) {
    return toHttpResponse(error, context.invocationId);
  }
}

export async function listIncidentsHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const { store, campaigns, callers } = getServices();
    await callers.authenticate(request, 'reader');
    const state = request.query.get('state') ?? undefined;
    if (state !== undefined && !(INCIDENT_STATES as readonly string[]).includes(state)) {
      throw new ValidationError(`unknown state "${state.slice(0, 64)}"; one of ${INCIDENT_STATES.join(', ')}`, 400);
    }
    const sinceText = request.query.get('since') ?? undefined;
    const since = sinceText === undefined ? undefined : Date.parse(sinceText);
    if (since !== undefined && Number.isNaN(since)) throw new ValidationError('"since" must be an ISO 8601 time', 400);
    const user = request.query.get('user') ?? undefined;
    const page = await store.list({
      state,
      user: user?.slice(0, 256),
      since: since === undefined ? undefined : new Date(since).toISOString(),
      top: pageSize(request.query.get('top')),
      continuationToken: request.query.get('continuationToken') ?? undefined,
    });
    // The console's list shows each incident's campaign: one point read per row, in parallel.
    const campaignIds = await Promise.all(page.incidents.map((incident) => campaigns.campaignOf(incident.id)));
    return {
      jsonBody: {
        incidents: page.incidents.map((incident, index) => ({ ...incidentView(incident), campaignId: campaignIds[index] })),
        ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}),
      },
    };
  } catch (error) {
    return toHttpResponse(error, context.invocationId);
  }
}

export const getIncidentFunction = registerFunction({
  kind: 'http',
  name: 'getIncident',
  route: 'incidents/{id}',
  methods: ['GET'],
  authLevel: httpAuthLevel('reader'),
  handler: getIncidentHandler,
});

export const listIncidentsFunction = registerFunction({
  kind: 'http',
  name: 'listIncidents',
  route: 'incidents',
  methods: ['GET'],
  authLevel: httpAuthLevel('reader'),
  handler: listIncidentsHandler,
});
