// The blast-radius limiter fails closed: when its table cannot be reached (a hang, refused connections)
// while the rest of storage works, the person is not contained automatically: the incident waits for a
// human with the reason, no Graph write is sent, and the reason names no storage internals. When the
// table is back, the next alert is contained. An HTTP proxy in front of Azurite's table endpoint
// misbehaves for the limiter's table only (its rows, its transactions, its creation).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startAzurite, type AzuriteInstance } from '../../dev/azurite';
import { startLocalStack, type LocalStack } from '../../dev/stack';
import { isGraphWrite, manualAlert, request, type ContainBody } from '../support/http';

const KEY = 'blast-radius-outage-key-0123456789';
const STORAGE_TIMEOUT_MS = 3000;
let azurite: AzuriteInstance;
let proxy: http.Server;
let stack: LocalStack;
let mode: 'pass' | 'hang' | 'refuse' = 'pass';

/** Whether a request touches the Limits table: its entities, a transaction on it, or its creation. */
function touchesLimits(url: string, body: string): boolean {
  return /\/Limits\b/.test(url) || (/\/(\$batch|Tables)\b/.test(url) && /Limits/.test(body));
}

function startProxy(upstream: URL): Promise<http.Server> {
  const server = http.createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      if (mode !== 'pass' && touchesLimits(incoming.url ?? '', body.toString())) {
        if (mode === 'refuse') incoming.socket.destroy();
        return;
      }
      const forwarded = http.request(
        { host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
        },
      );
      forwarded.on('error', () => outgoing.destroy());
      forwarded.end(body);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  azurite = await startAzurite();
  proxy = await startProxy(new URL(azurite.tableEndpoint));
  const endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/devstoreaccount1`;
  const connectionString = azurite.connectionString.replace(`TableEndpoint=${azurite.tableEndpoint}`, `TableEndpoint=${endpoint}`);
  stack = await startLocalStack({
    functionKey: KEY,
    settings: { AzureWebJobsStorage: connectionString, STORAGE_TIMEOUT_MS: String(STORAGE_TIMEOUT_MS), CAMPAIGN_CONTAINMENT: 'off' },
  });
  // The limiter has read its table and granted once before it falls ill.
  stack.simulator!.addUser({ userPrincipalName: 'outage-warm@wingtip-lab.example' });
  const warm = await contain('outage-warm@wingtip-lab.example', 'limits-warm');
  expect(warm.json.incidents[0].state).toBe('contained');
});

afterAll(async () => {
  mode = 'pass';
  await stack?.stop();
  proxy?.closeAllConnections();
  await new Promise((resolve) => proxy?.close(resolve));
  await azurite?.stop();
});

afterEach(() => {
  mode = 'pass';
});

/** As Logic Apps does: a 503 (the rest of storage slow under this machine's load) is redelivered. */
async function contain(upn: string, alertId: string) {
  for (;;) {
    const response = await request<ContainBody>(`${stack.baseUrl}/api/contain`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-functions-key': KEY },
      body: manualAlert(upn, alertId),
      signal: AbortSignal.timeout(60_000),
    });
    if (response.status !== 503) return response;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const writesTo = (id: string) => stack.simulator!.requestLog.filter((entry) => isGraphWrite(entry) && entry.path.includes(id));

it.each([['hangs', 'hang'] as const, ['refuses connections', 'refuse'] as const])(
  'the limiter table %s: held for a human, nothing sent, no internals; back, the next alert is contained',
  async (_label, failure) => {
    const held = stack.simulator!.addUser({ userPrincipalName: `limits-${failure}@wingtip-lab.example` });
    const next = stack.simulator!.addUser({ userPrincipalName: `limits-${failure}-after@wingtip-lab.example` });
    mode = failure;
    const response = await contain(held.userPrincipalName, `limits-${failure}`);
    expect(response.status).toBe(200);
    const incident = response.json.incidents[0];
    expect(incident).toMatchObject({ state: 'awaiting_approval' });
    expect(incident.reason).toMatch(
      /^blast-radius limiter unavailable \(.*blast-radius.*\): held for a human rather than acting unchecked$/,
    );
    expect(incident.reason).not.toMatch(/127\.0\.0\.1|devstoreaccount1|ECONN|socket/i);
    expect(writesTo(held.id)).toEqual([]);
    expect(held.accountEnabled).toBe(true);

    mode = 'pass';
    const after = await contain(next.userPrincipalName, `limits-${failure}-after`);
    expect(after.json.incidents[0].state).toBe('contained');
    expect(next.accountEnabled).toBe(false);
  },
);
