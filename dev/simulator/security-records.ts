// The records alerts come from, as far as write-back touches them: Defender XDR alerts and incidents
// (Graph security API, with their comments) and Microsoft Sentinel incidents (ARM resources, with their
// comments by id). Seeded with the ids the sample payloads carry, so `npm run demo` and curl replays of
// samples/alerts/*.json have somewhere to write; an id not seeded answers 404, as the services do.

export interface SecurityComment {
  comment: string;
  createdByDisplayName: string;
  createdDateTime: string;
}

export interface SentinelComment {
  id: string;
  message: string;
  createdTimeUtc: string;
  lastModifiedTimeUtc: string;
  /** How many PUTs this comment id took (a retry updates in place). */
  writes: number;
}

/** The ids in samples/alerts/*.json. */
const SAMPLE_DEFENDER_ALERTS = [
  'ca7f2e9b1d4c6a8e0f3b5d7c9e1a2b4c6d',
  'ca1b3d5f7a9c2e4f6b8d0a1c3e5f7b9d2f',
  'ca9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b',
];
const SAMPLE_DEFENDER_INCIDENTS = ['7702', '7710', '7731'];
const SAMPLE_SENTINEL_INCIDENTS = [
  '/subscriptions/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/resourceGroups/rg-soc-sentinel/providers/Microsoft.OperationalInsights/workspaces/law-soc-wingtip/providers/Microsoft.SecurityInsights/Incidents/3c9a7e51-2d4b-4f8e-b1a6-5e7c9d0f2a13',
  '/subscriptions/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/resourceGroups/rg-soc-sentinel/providers/Microsoft.OperationalInsights/workspaces/law-soc-wingtip/providers/Microsoft.SecurityInsights/incidents/9e4b2d71-6c3a-4f5e-8b1d-2a7c9e0f4b36',
];

export class SecurityRecords {
  /** Graph security alert id -> its comments, oldest first. */
  readonly alertComments = new Map<string, SecurityComment[]>();
  /** Graph security incident id -> its comments. */
  readonly incidentComments = new Map<string, SecurityComment[]>();
  /** Sentinel incident ARM id, lower-cased (ARM ids are case-insensitive) -> comment id (lower-cased) -> comment. */
  readonly sentinelComments = new Map<string, Map<string, SentinelComment>>();

  constructor() {
    for (const id of SAMPLE_DEFENDER_ALERTS) this.addDefenderAlert(id);
    for (const id of SAMPLE_DEFENDER_INCIDENTS) this.addDefenderIncident(id);
    for (const id of SAMPLE_SENTINEL_INCIDENTS) this.addSentinelIncident(id);
  }

  addDefenderAlert(id: string): void {
    if (!this.alertComments.has(id)) this.alertComments.set(id, []);
  }

  addDefenderIncident(id: string): void {
    if (!this.incidentComments.has(id)) this.incidentComments.set(id, []);
  }

  addSentinelIncident(resourceId: string): void {
    const key = resourceId.toLowerCase();
    if (!this.sentinelComments.has(key)) this.sentinelComments.set(key, new Map());
  }

  /** The comments of a Sentinel incident, or undefined when there is no such incident. */
  sentinelIncident(resourceId: string): Map<string, SentinelComment> | undefined {
    return this.sentinelComments.get(resourceId.toLowerCase());
  }
}
