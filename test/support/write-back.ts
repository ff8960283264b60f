// Test helper for the write-back integration tests: an incident created through the stack's own incident
// store for the cases that call writeBack directly, and a wait for a queued write-back's timeline event
// (the queue trigger runs on its own schedule, so the test polls the API).
import type { LocalStack } from '../../dev/stack';
import type { Incident } from '../../shared/runbook/incident';
import type { TableIncidentStore } from '../../shared/store/table-incident-store';
import { request } from './http';
import { bearer, readerToken } from './tokens';

/** Where the alert came from is the case's; the rest is a person contained just now (`facts` may say otherwise). */
export type StoredIncidentFacts = Pick<Incident, 'id' | 'source' | 'alertKey' | 'alertId' | 'origin'> & Partial<Incident>;

export async function storedIncident(store: TableIncidentStore, facts: StoredIncidentFacts): Promise<Incident> {
  const at = new Date().toISOString();
  const incident: Incident = {
    state: 'contained',
    user: { upn: 'casey.nguyen@wingtip-lab.example' },
    userKey: 'casey.nguyen@wingtip-lab.example',
    severity: 'high',
    title: 'AiTM',
    ips: [],
    userAgents: [],
    mode: 'enforce',
    createdAt: at,
    updatedAt: at,
    t0: at,
    actions: [],
    alertRaw: '{}',
    ...facts,
  };
  await store.create(incident, []);
  return incident;
}

export interface TimelineEntry {
  kind: string;
  summary: string;
  detail?: Record<string, unknown>;
}

/** Polls the incident's timeline through the API until `kind` appears for `mark`, or fails after `timeoutMs`. */
export async function timelineEvent(stack: LocalStack, id: string, kind: string, mark: string, timeoutMs = 30_000): Promise<TimelineEntry> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await request<{ timeline: TimelineEntry[] }>(`${stack.baseUrl}/api/incidents/${id}`, {
      headers: bearer(await readerToken(stack)),
    });
    if (response.status !== 200) throw new Error(`GET /api/incidents/${id}: ${response.status} ${response.text.slice(0, 300)}`);
    const found = response.json.timeline.find((event) => event.kind === kind && event.detail?.mark === mark);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no ${kind} for ${mark} on incident ${id} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
