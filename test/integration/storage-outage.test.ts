// A sick Table Storage (a hang: accepts and never answers; an outage: connections refused) in front of
// the webhook: every storage call has a deadline (STORAGE_TIMEOUT_MS), so the webhook answers 503 with
// Retry-After within it, sends no Graph write it could not record, leaves no half-written incident, and
// says nothing about the storage account (host, port, SDK text) in the body. A poison handler that
// cannot record its failure logs it instead of throwing (a poison-poison message is read by nobody).
import { TableClient } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';
import { startAzurite, type AzuriteInstance } from '../../dev/azurite';
import { startLocalStack, type LocalStack } from '../../dev/stack';
import { isGraphWrite, manualAlert, request } from '../support/http';
import { bearer, readerToken } from '../support/tokens';
import { startStorageProxy, type StorageProxy } from '../support/storage-proxy';

const FUNCTION_KEY = 'storage-outage-test-key-0123456789';
const STORAGE_TIMEOUT_MS = 1000;
let azurite: AzuriteInstance;
let proxy: StorageProxy;
let stack: LocalStack;
const logLines: string[] = [];

beforeAll(async () => {
  azurite = await startAzurite();
  proxy = await startStorageProxy(azurite.tableEndpoint);
  const connectionString = azurite.connectionString.replace(`TableEndpoint=${azurite.tableEndpoint}`, `TableEndpoint=${proxy.endpoint}`);
  stack = await startLocalStack({
    functionKey: FUNCTION_KEY,
    settings: { AzureWebJobsStorage: connectionString, STORAGE_TIMEOUT_MS: String(STORAGE_TIMEOUT_MS) },
    log: (line) => logLines.push(line),
  });
  // Tables exist and the path works before storage falls ill.
  const warm = await contain('blake.morris@wingtip-lab.example', 'outage-warm');
  expect(warm.status).toBe(200);
});

afterAll(async () => {
  await stack?.stop();
  await proxy?.stop();
  await azurite?.stop();
});

afterEach(() => proxy.setMode('pass'));

function contain(user: string, alertId: string) {
  return request<{ incidents: unknown[]; errors?: Array<{ message: string }>; error?: { code: string } }>(`${stack.baseUrl}/api/contain`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-functions-key': FUNCTION_KEY },
    body: manualAlert(user, alertId),
    signal: AbortSignal.timeout(30_000),
  });
}

async function incidentRowsFor(user: string): Promise<unknown[]> {
  const table = TableClient.fromConnectionString(azurite.connectionString, 'Incidents', { allowInsecureConnection: true });
  const rows: unknown[] = [];
  for await (const row of table.listEntities({ queryOptions: { filter: `userUpn eq '${user}'` } })) rows.push(row);
  return rows;
}

function expectNoInternals(text: string): void {
  expect(text).not.toContain('127.0.0.1');
  expect(text).not.toContain(String(proxy.port));
  expect(text).not.toMatch(/ECONN|socket|abort|RestError|devstoreaccount1/i);
}

it('a storage hang answers 503 with Retry-After within the storage timeout, sends nothing and writes nothing', async () => {
  const user = 'casey.nguyen@wingtip-lab.example';
  proxy.setMode('hang');
  const started = performance.now();
  const response = await contain(user, 'outage-hang');
  const elapsed = performance.now() - started;
  expect(response.status).toBe(503);
  expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
  // One deadline per storage call; the path makes one call before it gives up (the claim).
  expect(elapsed).toBeLessThan(STORAGE_TIMEOUT_MS * 3);
  expectNoInternals(response.text);
  expect(stack.simulator!.requestLog.filter((entry) => isGraphWrite(entry) && entry.path.includes('casey.nguyen'))).toEqual([]);
  proxy.setMode('pass');
  expect(await incidentRowsFor(user)).toEqual([]);
  // Once storage is back, the redelivery contains.
  const retried = await contain(user, 'outage-hang');
  expect(retried.status).toBe(200);
});

it('refused connections: 503, and neither the body nor GET /api/incidents names the storage endpoint', async () => {
  proxy.setMode('refuse');
  const response = await contain('drew.patel@wingtip-lab.example', 'outage-refused');
  expect(response.status).toBe(503);
  expectNoInternals(response.text);
  const list = await request(`${stack.baseUrl}/api/incidents`, { headers: bearer(await readerToken(stack)) });
  expect(list.status).toBe(503);
  expectNoInternals(list.text);
  // The detail is for the operator: it is in the log line, not the response.
  expect(logLines.join('\n')).toMatch(/failed/);
});

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

it('a poison message whose record cannot be written is logged as an error, and nothing lands in diagnose-poison-poison', async () => {
  proxy.setMode('refuse');
  const incidentId = '01JDXW3Z7Q5N8K2M4P6R9T0V1W';
  const poison = new QueueClient(azurite.connectionString, 'diagnose-poison');
  await poison.createIfNotExists();
  const message = {
    version: 1,
    incidentId,
    userKey: 'avery.chen@wingtip-lab.example',
    alertKey: 'manual:poisoned',
    ips: [],
    userAgents: [],
  };
  await poison.sendMessage(Buffer.from(JSON.stringify(message)).toString('base64'));
  const line = await until('the unrecorded-poison log line', () => logLines.find((entry) => entry.includes('diagnose_poison_unrecorded')));
  expect(line).toContain(incidentId);
  expect(line).toMatch(/"level":"error"/);
  // The handler completed: the host deletes the message rather than retrying it or moving it on.
  for (const deadline = Date.now() + 10_000; (await poison.getProperties()).approximateMessagesCount !== 0;) {
    if (Date.now() > deadline) throw new Error('diagnose-poison did not drain');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(logLines.filter((entry) => entry.includes('"functionName":"diagnosePoison"') && /will retry|moved to poison/.test(entry))).toEqual(
    [],
  );
  const poisonPoison = new QueueClient(azurite.connectionString, 'diagnose-poison-poison');
  expect((await poisonPoison.exists()) ? (await poisonPoison.peekMessages({ numberOfMessages: 32 })).peekedMessageItems : []).toEqual([]);
});
