// GET /api/health through the local host: protected entries resolved against the simulated directory
// (an entry naming nobody is unresolved and logged as an error), storage and Graph reachable with
// latency, and a settings summary that carries no secret.
import { TableServiceClient } from '@azure/data-tables';
import { QueueServiceClient } from '@azure/storage-queue';
import { startLocalStack, type LocalStack } from '../../dev/stack';
import { INCIDENT_INDEX_TABLE } from '../../shared/store/incident-index';
import { ALERT_GATE_TABLE, INCIDENTS_TABLE } from '../../shared/store/table-incident-store';
import { request } from '../support/http';
import { bearer, readerToken } from '../support/tokens';

const FUNCTION_KEY = 'health-test-key-0123456789';
const GONE_UPN = 'bg-admin-02@wingtip-lab.example';
const GONE_ID = '0f0e0d0c-0b0a-4909-8807-060504030201';
let stack: LocalStack;
const logLines: string[] = [];

interface HealthBody {
  status: string;
  storage: { reachable: boolean; latencyMs: number };
  graph: { reachable: boolean; latencyMs: number };
  protectedAccounts: {
    checkedAt: string;
    resolved: number;
    unresolved: number;
    entries: Array<{ entry: string; status: string; objectId?: string }>;
  };
  settings: Record<string, unknown> & { protected: { accounts: number; groups: number }; callerAuth: string; containmentMode: string };
}

beforeAll(async () => {
  stack = await startLocalStack({
    functionKey: FUNCTION_KEY,
    settings: { PROTECTED_ACCOUNTS: `bg-admin-01@wingtip-lab.example,5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b99,${GONE_UPN},${GONE_ID}` },
    log: (line) => logLines.push(line),
  });
});

afterAll(async () => {
  await stack?.stop();
});

// Health is a read: an analyst with the reader role, not the alert source's key.
const health = async (headers?: Record<string, string>) =>
  request<HealthBody>(`${stack.baseUrl}/api/health`, { headers: headers ?? bearer(await readerToken(stack)) });

it('at start, before any alert, the tables and queues a containment writes to exist (the first alert does not create them)', async () => {
  const tables = TableServiceClient.fromConnectionString(stack.storageConnectionString, { allowInsecureConnection: true });
  const names: string[] = [];
  for await (const table of tables.listTables()) if (table.name) names.push(table.name);
  expect(names).toEqual(expect.arrayContaining([INCIDENTS_TABLE, ALERT_GATE_TABLE, INCIDENT_INDEX_TABLE]));
  const queues: string[] = [];
  for await (const queue of QueueServiceClient.fromConnectionString(stack.storageConnectionString).listQueues()) queues.push(queue.name);
  expect(queues).toEqual(expect.arrayContaining(['diagnose', 'hunt', 'verify']));
});

it('needs a reader: no credential and the contain function key are 401', async () => {
  expect((await health({})).status).toBe(401);
  expect((await health({ 'x-functions-key': FUNCTION_KEY })).status).toBe(401);
});

it('shows each protected entry resolved or not, and logs the ones that name nobody as errors', async () => {
  const response = await health();
  expect(response.status).toBe(200);
  const { protectedAccounts } = response.json;
  expect(protectedAccounts.entries).toEqual([
    {
      entry: 'bg-admin-01@wingtip-lab.example',
      status: 'resolved',
      objectId: '5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b99',
      upn: 'bg-admin-01@wingtip-lab.example',
    },
    {
      entry: '5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b99',
      status: 'resolved',
      objectId: '5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b99',
      upn: 'bg-admin-01@wingtip-lab.example',
    },
    { entry: GONE_UPN, status: 'unresolved' },
    { entry: GONE_ID, status: 'unresolved' },
  ]);
  expect(protectedAccounts).toMatchObject({ resolved: 2, unresolved: 2 });
  expect(response.json.status).toBe('degraded');
  for (const gone of [GONE_UPN, GONE_ID]) {
    const line = logLines.find((entry) => entry.includes('protected_account_unresolved') && entry.includes(gone));
    expect(line).toMatch(/"level":"error"/);
  }
  // The directory was asked about each entry (GET /users/{id}), at start.
  const asked = stack
    .simulator!.requestLog.filter((entry) => entry.method === 'GET' && /^\/v1\.0\/users\/[^/]+$/.test(entry.path))
    .map((entry) => decodeURIComponent(entry.path.split('/')[3]));
  expect(asked).toEqual(expect.arrayContaining([GONE_UPN, GONE_ID]));
});

it('reports storage and Graph reachable with their latency', async () => {
  const { storage, graph } = (await health()).json;
  expect(storage).toEqual({ reachable: true, latencyMs: expect.any(Number) });
  expect(graph).toEqual({ reachable: true, latencyMs: expect.any(Number) });
});

it('summarises the settings without a secret', async () => {
  const response = await health();
  expect(response.json.settings).toMatchObject({
    containmentMode: 'enforce',
    minAutoContainSeverity: 'high',
    blastRadius: { max: 10, windowMinutes: 15 },
    backends: { storage: 'connection-string', hunt: 'none', graph: { auth: 'none' } },
    protected: { accounts: 4, groups: 1 },
    callerAuth: 'function-key',
  });
  expect(response.text).not.toMatch(/AccountKey|AccountName|DefaultEndpointsProtocol|devstoreaccount1/);
  expect(response.text).not.toContain(FUNCTION_KEY);
});

it('reports Graph unreachable when it fails, and storage still reachable', async () => {
  stack.simulator!.addFault({ method: 'GET', path: '/v1.0/users', status: 503, retryAfterSeconds: 30 });
  try {
    const { graph, storage, status } = (await health()).json;
    expect(graph).toMatchObject({ reachable: false, error: expect.stringMatching(/^Graph 503/) });
    expect(storage.reachable).toBe(true);
    expect(status).toBe('degraded');
  } finally {
    stack.simulator!.clearFaults();
  }
});
