// A held incident to decide on: a new person's Medium alert, posted with the `contain` function key as
// the alert source does, waits for a human (below MIN_AUTO_CONTAIN_SEVERITY) with nothing sent.
import type { LocalStack } from '../../dev/stack';
import type { TenantSimulator } from '../../dev/simulator';
import { manualAlert, request, type ContainBody } from './http';

let seq = 0;

export async function heldIncident(stack: LocalStack, simulator: TenantSimulator, label: string): Promise<{ id: string; upn: string }> {
  const user = simulator.addUser({ userPrincipalName: `${label}-held-${++seq}@wingtip-lab.example` });
  const response = await request<ContainBody>(`${stack.baseUrl}/api/contain`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-functions-key': stack.functionKey },
    body: manualAlert(user.userPrincipalName, `${label}-${seq}`, 'Medium'),
  });
  if (response.status !== 200 || response.json.incidents[0]?.state !== 'awaiting_approval') {
    throw new Error(`expected a held incident, got ${response.status} ${response.text.slice(0, 300)}`);
  }
  // Diagnosis of the held incident is queued; let it land so later reads compare settled timelines.
  await stack.host.drainQueues(30_000);
  return { id: response.json.incidents[0].id, upn: user.userPrincipalName };
}

export function decide(stack: LocalStack, id: string, verb: 'approve' | 'reject', headers: Record<string, string>) {
  return request<{ state: string; approvedBy?: string; rejectedBy?: string; error?: { code: string; message: string } }>(
    `${stack.baseUrl}/api/incidents/${id}/${verb}`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ comment: 'checked' }),
    },
  );
}
