// A local stack for a pivot-hunt test file: contain an alert over HTTP, let the queued diagnosis and hunts
// (and the hunts of the victims they find) run, and read the campaign back. One stack per file, since
// configuration is read once per process.
import { startLocalStack, type LocalStack } from '../../dev/stack';
import type { SimulatorOptions } from '../../dev/simulator';
import type { Campaign } from '../../shared/campaign/types';
import { request, type ContainBody, type IncidentBody } from './http';
import { bearer, readerToken } from './tokens';

export interface HuntStack {
  stack: LocalStack;
  /** The alert source's: the contain route's function key. */
  headers: Record<string, string>;
  /** The seeded reader's token: the incident, campaign and hunt routes. */
  readerHeaders: Record<string, string>;
  /** Contains each alert (all at once), drains every queue, returns the incidents' ids. */
  contain(...alerts: object[]): Promise<string[]>;
  incident(id: string): Promise<IncidentBody & { campaign?: { id: string }; source?: string; user?: { upn?: string }; createdAt?: string }>;
  campaign(id: string): Promise<Campaign>;
  drain(): Promise<void>;
}

/** The whole fan-out (diagnosis, two hunt passes, each victim's own) takes tens of seconds on a busy machine. */
const DRAIN_MS = 180_000;

export function useHuntStack(functionKey: string, settings: Record<string, string>, simulator?: SimulatorOptions): { current: HuntStack } {
  const holder = {} as { current: HuntStack };
  const headers = { 'content-type': 'application/json', 'x-functions-key': functionKey };
  beforeAll(async () => {
    const stack = await startLocalStack({ functionKey, settings, simulator });
    const drain = () => stack.host.drainQueues(DRAIN_MS);
    const readerHeaders = { 'content-type': 'application/json', ...bearer(await readerToken(stack)) };
    holder.current = {
      stack,
      headers,
      readerHeaders,
      drain,
      async contain(...alerts) {
        const responses = await Promise.all(
          alerts.map((alert) =>
            request<ContainBody>(`${stack.baseUrl}/api/contain`, { method: 'POST', headers, body: JSON.stringify(alert) }),
          ),
        );
        for (const r of responses) expect(r.status).toBe(200);
        await drain();
        return responses.map((r) => r.json.incidents[0].id);
      },
      async incident(id) {
        return (
          await request<IncidentBody & { campaign?: { id: string } }>(`${stack.baseUrl}/api/incidents/${id}`, { headers: readerHeaders })
        ).json;
      },
      async campaign(id) {
        const response = await request<Campaign>(`${stack.baseUrl}/api/campaigns/${id}`, { headers: readerHeaders });
        expect(response.status).toBe(200);
        return response.json;
      },
    };
  }, DRAIN_MS);
  afterAll(async () => {
    await holder.current?.stack.stop();
  });
  return holder;
}
