// A local stack for a diagnosis test file: contain an alert over HTTP, let the queued diagnosis run, and
// read the incident's pack back. One stack per file, since configuration is read once per process.
import { startLocalStack, type LocalStack } from '../../dev/stack';
import { request, type ContainBody } from './http';

export interface PackBody {
  diagnosis: {
    window: { start?: string; anchor?: { description: string }; attackerIps: string[]; attackerUserAgents: string[] };
    sources: Record<string, { status: string; via: string; items: number; notes?: string[] }>;
  };
  findings: Array<{ kind: string; providerId: string; verdict: string; reasons: string[] }>;
}

export interface DiagnosisStack {
  stack: LocalStack;
  /** Contains the alert, waits for the queued diagnosis, returns the incident's pack. */
  diagnose(alert: object): Promise<PackBody>;
}

/** Registers beforeAll/afterAll for a stack with these settings; read `.current` inside tests. */
export function useDiagnosisStack(functionKey: string, settings: Record<string, string>): { current: DiagnosisStack } {
  const holder = {} as { current: DiagnosisStack };
  const headers = { 'content-type': 'application/json', 'x-functions-key': functionKey };
  beforeAll(async () => {
    // The hunt runs after each diagnosis too; here it only reports, so its fan-out does not slow the drain.
    const stack = await startLocalStack({ functionKey, settings: { CAMPAIGN_CONTAINMENT: 'off', ...settings } });
    holder.current = {
      stack,
      async diagnose(alert) {
        const contained = await request<ContainBody>(`${stack.baseUrl}/api/contain`, { method: 'POST', headers, body: JSON.stringify(alert) });
        expect(contained.status).toBe(200);
        await stack.host.drainQueues(30_000);
        return (await request<PackBody>(`${stack.baseUrl}/api/incidents/${contained.json.incidents[0].id}`, { headers })).json;
      },
    };
  });
  afterAll(async () => {
    await holder.current?.stack.stop();
  });
  return holder;
}
