// Phase 6 over the ports: reads what the phases stored for one incident (row, timeline, findings,
// campaign, and the campaign's other incidents as they are now) and builds the report model once; the
// route renders it as Markdown or serves it as JSON.
import { NotFoundError } from '../errors';
import type { IncidentState } from '../runbook/incident';
import type { CampaignStore, FindingStore, IncidentStore } from '../runbook/ports';
import { buildReport } from './build';
import type { IncidentReport } from './types';

export interface ReportDeps {
  store: IncidentStore;
  findings: FindingStore;
  campaigns: CampaignStore;
  hostingAsns: readonly number[];
}

/** A campaign can link many people; the report names them all but reads at most this many current states. */
const MAX_VICTIM_READS = 50;

export async function incidentReport(deps: ReportDeps, id: string): Promise<IncidentReport> {
  const [stored, timeline, findings, campaignId] = await Promise.all([
    deps.store.get(id),
    deps.store.timeline(id),
    deps.findings.findings(id),
    deps.campaigns.campaignOf(id),
  ]);
  if (!stored) throw new NotFoundError(`no incident "${id}"`);
  const campaign = campaignId === undefined ? undefined : await deps.campaigns.get(campaignId);
  const others = (campaign?.incidents ?? []).filter((link) => link.incidentId !== id).slice(0, MAX_VICTIM_READS);
  const states = new Map<string, IncidentState>();
  await Promise.all(
    others.map(async (link) => {
      const other = await deps.store.get(link.incidentId);
      if (other) states.set(link.incidentId, other.incident.state);
    }),
  );
  return buildReport({ incident: stored.incident, timeline, findings, campaign, incidentStates: states, hostingAsns: deps.hostingAsns });
}
