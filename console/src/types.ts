// The API's JSON as the console reads it (functions/incidents.ts, campaigns.ts, eradication.ts).
export interface ActionOutcome {
  action: string;
  result: string;
  httpStatus?: number;
  graphCode?: string;
  requestId?: string;
  durationMs?: number;
  attempts?: number;
  message?: string;
}

export interface IncidentSummary {
  id: string;
  state: string;
  user: { upn?: string; objectId?: string };
  severity: string;
  title: string;
  mode: string;
  reason?: string;
  hold?: string;
  createdAt: string;
  t0?: string;
  actions: ActionOutcome[];
  campaignId?: string;
}

export interface TimelineEvent {
  id: string;
  at: string;
  kind: string;
  mark?: 'T0' | 'T1' | 'T2' | 'T3';
  actor: string;
  summary: string;
}

export interface Finding {
  id: string;
  kind: string;
  title: string;
  /** suspicious, unknown or benign. */
  verdict: string;
  reasons: string[];
  createdAt?: string;
  target?: unknown;
}

export interface RemovalItem {
  findingId: string;
  kind: string;
  title: string;
  status: string;
  httpStatus?: number;
  graphCode?: string;
  requestId?: string;
  at?: string;
  detail?: string;
}

export interface IncidentDetail extends IncidentSummary {
  t1?: string;
  t2?: string;
  t3?: string;
  timeline: TimelineEvent[];
  findings: Finding[];
  diagnosis?: { status: string; summary?: string; containmentHeld?: boolean };
  eradication?: { items: RemovalItem[]; manualSteps: Array<{ why: string; powershell: string[] }> };
  campaign?: { id: string };
}

export interface Campaign {
  id: string;
  hits: Array<{ upn?: string; userKey: string; verdict: string; reasons: string[] }>;
  incidents: Array<{ incidentId: string; upn?: string; userKey: string; role: string; state?: string }>;
  notes: string[];
}

export interface Credential {
  type: string;
  value: string;
  expiresAt?: string;
  lifetimeMinutes?: number;
  deliver?: string;
}
