// A local stack for a diagnosis test file: contain an alert over HTTP, let the queued diagnosis run, and
// read the incident's pack back. One stack per file, since configuration is read once per process.
import { QueueClient } from '@azure/storage-queue';
import { startLocalStack, type LocalStack } from '../../dev/stack';
import { request, type ContainBody, type IncidentBody } from './http';
import { bearer, readerToken } from './tokens';

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

/**
 * A later alert for a person is linked to their open incident rather than diagnosed afresh; a test that
 * wants a fresh pack under its own faults queues the incident's diagnosis again, as a redelivered
 * message would.
 */
export async function rediagnose(
  stack: LocalStack,
  incident: IncidentBody & { user?: { upn?: string; objectId?: string } },
): Promise<void> {
  const queue = new QueueClient(stack.storageConnectionString, 'diagnose');
  const message = {
    version: 1,
    incidentId: incident.id,
    userKey: incident.user?.objectId ?? '',
    upn: incident.user?.upn,
    alertKey: 'redelivered',
    ips: [],
    userAgents: [],
    t0: incident.t0,
  };
  await queue.sendMessage(Buffer.from(JSON.stringify(message)).toString('base64'));
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
        const contained = await request<ContainBody>(`${stack.baseUrl}/api/contain`, {
          method: 'POST',
          headers,
          body: JSON.stringify(alert),
        });
        expect(contained.status).toBe(200);
        const incident = contained.json.incidents[0];
        if (incident.linked === true) await rediagnose(stack, incident);
        await stack.host.drainQueues(30_000);
        return (await request<PackBody>(`${stack.baseUrl}/api/incidents/${incident.id}`, { headers: bearer(await readerToken(stack)) }))
          .json;
      },
    };
  });
  afterAll(async () => {
    await holder.current?.stack.stop();
  });
  return holder;
}
