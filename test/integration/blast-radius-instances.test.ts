// The blast-radius limit across instances: two function hosts, each a process of its own, sharing one
// Azurite and one tenant simulator, as two Function App instances share a storage account and a
// tenant. 100 concurrent alerts for 100 distinct people, split between them, limit 10: exactly 10
// people are revoked and disabled (the simulator's request log says so), the other 90 wait for a human
// with the reason, and the storage holds exactly 10 grants, one per contained incident.
import { TableClient } from '@azure/data-tables';
import { startAzurite, type AzuriteInstance } from '../../dev/azurite';
import { startTenantSimulator, type TenantSimulator } from '../../dev/simulator';
import { isGraphWrite, manualAlert, request, type ContainBody } from '../support/http';
import { startHostProcess, type HostProcess } from '../support/host-processes';

const KEY = 'blast-radius-instances-key-0123456789';
let azurite: AzuriteInstance;
let simulator: TenantSimulator;
let hosts: HostProcess[] = [];

beforeAll(async () => {
  [azurite, simulator] = await Promise.all([startAzurite(), startTenantSimulator({ campaign: true })]);
  const settings = {
    AzureWebJobsStorage: azurite.connectionString,
    GRAPH_BASE_URL: simulator.baseUrl,
    GRAPH_AUTH: 'none',
    BLAST_RADIUS_MAX: '10',
    BLAST_RADIUS_WINDOW_MINUTES: '15',
    // The hunt only reports: the campaign's other victims are hunt-*.test.ts's to test.
    CAMPAIGN_CONTAINMENT: 'off',
    // Under test is the limit, not Graph latency on a loaded machine.
    GRAPH_TIMEOUT_MS: '600000',
    GRAPH_RETRY_BUDGET_MS: '600000',
    // Nor storage latency: on a loaded machine a slot commit can outlast the 5 s deadline and still
    // commit, and when the read after it times out too, that slot is spent and the incident held with
    // limiter_unavailable, by design (fail closed; test/unit/blast-radius-slots.test.ts shows it). Then
    // 9 are contained, not 10. Exactness across instances is what this test is about.
    STORAGE_TIMEOUT_MS: '600000',
  };
  hosts = await Promise.all([startHostProcess(settings, KEY), startHostProcess(settings, KEY)]);
}, 180_000);

afterAll(async () => {
  await Promise.all(hosts.map((host) => host.stop()));
  await simulator?.stop();
  await azurite?.stop();
});

it('two host processes, 100 concurrent distinct-person alerts split between them, limit 10: exactly 10 contained', async () => {
  const users = Array.from({ length: 100 }, (_, i) => simulator.addUser({ userPrincipalName: `instances-${i}@wingtip-lab.example` }));
  const headers = { 'content-type': 'application/json', 'x-functions-key': KEY };
  // As Logic Apps does: a 503 (storage trouble under this machine's load) is redelivered; a redelivery
  // re-runs only what failed and takes no second slot, so the count cannot depend on how often.
  const deliver = async (baseUrl: string, body: string) => {
    for (;;) {
      const response = await request<ContainBody>(`${baseUrl}/api/contain`, { method: 'POST', headers, body });
      if (response.status !== 503) return response;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  const responses = await Promise.all(
    users.map((user, i) => deliver(hosts[i % 2].baseUrl, manualAlert(user.userPrincipalName, `instances-${i}`))),
  );
  expect(responses.filter((response) => response.status !== 200).map((response) => response.text)).toEqual([]);
  const incidents = responses.map((response) => response.json.incidents[0]);
  const outcomes: Record<string, number> = {};
  for (const incident of incidents) {
    const outcome = `${incident.state}${incident.hold ? `/${incident.hold}` : ''}`;
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  }
  expect(outcomes).toEqual({ contained: 10, 'awaiting_approval/blast_radius': 90 });
  const contained = incidents.filter((incident) => incident.state === 'contained');
  expect(contained).toHaveLength(10);
  const held = incidents.filter((incident) => incident.state === 'awaiting_approval');
  expect(held).toHaveLength(90);
  for (const incident of held) {
    expect(incident.reason).toMatch(
      /^blast-radius breaker tripped: 10 automatic containments since .* \(BLAST_RADIUS_MAX=10\); waiting for approval$/,
    );
  }

  // The tenant's side: exactly 10 people were revoked and disabled, and no one else received a write.
  const disabled = users.filter((user) => !user.accountEnabled);
  expect(disabled).toHaveLength(10);
  const writes = simulator.requestLog.filter((entry) => isGraphWrite(entry) && /^\/v1\.0\/users\//.test(entry.path));
  const written = new Set(writes.map((entry) => entry.path.split('/')[3].toLowerCase()));
  expect([...written].sort()).toEqual(disabled.map((user) => user.id.toLowerCase()).sort());
  const revoked = new Set(writes.filter((entry) => entry.path.endsWith('/revokeSignInSessions')).map((entry) => entry.path.split('/')[3]));
  const patched = new Set(writes.filter((entry) => entry.method === 'PATCH').map((entry) => entry.path.split('/')[3]));
  expect([revoked.size, patched.size]).toEqual([10, 10]);

  // The storage's side: ten slots, each held by one of the contained incidents.
  const limits = TableClient.fromConnectionString(azurite.connectionString, 'Limits', { allowInsecureConnection: true });
  const slots: string[] = [];
  for await (const row of limits.listEntities<{ kind: string; holder: string }>()) if (row.kind === 'slot') slots.push(row.holder);
  expect(slots.sort()).toEqual(contained.map((incident) => incident.id).sort());
}, 240_000);
