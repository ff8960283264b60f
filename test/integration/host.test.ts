// The local function host over real HTTP and real (Azurite) queues: routing, key auth with Azure's
// model (a host key opens every function-level route, a function key only its function), body limits,
// error responses, queue triggers with retries and poison queues, and a log free of keys and tokens.
import { HttpRequest, InvocationContext } from '@azure/functions';
import { QueueClient, QueueServiceClient } from '@azure/storage-queue';
import { randomUUID } from 'node:crypto';
import { lendOrStartAzurite, type LentAzurite } from '../../dev/azurite';
import { FunctionHost, HostJson, startFunctionHost } from '../../dev/host';
import type { FunctionDefinition } from '../../functions/registry';

// The host key: opens every function-level route, as Azure's default host key does.
const HOST_KEY = `test-host-key-${randomUUID()}`;
const ECHO_KEY = `test-echo-key-${randomUUID()}`;
const ITEM_KEY = `test-item-key-${randomUUID()}`;
const MAX_BODY_BYTES = 4096;
const WORK_QUEUE = 'host-test-work';
const FAILING_QUEUE = 'host-test-fails';

const hostJson: HostJson = {
  version: '2.0',
  extensions: {
    http: { routePrefix: 'api' },
    queues: { maxDequeueCount: 2, visibilityTimeout: '00:00:00', maxPollingInterval: '00:00:01', messageEncoding: 'base64' },
  },
};

interface SeenRequest {
  method: string;
  url: string;
  query: Record<string, string>;
  params: Record<string, string>;
  body: string;
  keyHeader: string | null;
}

const seenRequests: SeenRequest[] = [];
const received: { item: unknown; context: InvocationContext }[] = [];
let failingAttempts = 0;

async function describeRequest(request: HttpRequest, context: InvocationContext): Promise<SeenRequest> {
  const seen = {
    method: request.method,
    url: request.url,
    query: Object.fromEntries(request.query),
    params: { ...request.params },
    body: await request.text(),
    keyHeader: request.headers.get('x-functions-key'),
  };
  // Handlers log what they were given; this is how a key would leak into app logs if the host passed it on.
  context.log('received', seen.url, Object.fromEntries(request.headers));
  seenRequests.push(seen);
  return seen;
}

const definitions: FunctionDefinition[] = [
  {
    kind: 'http',
    name: 'echo',
    route: 'echo',
    methods: ['GET', 'POST'],
    authLevel: 'function',
    handler: async (request, context) => ({ status: 201, jsonBody: await describeRequest(request, context), headers: { 'x-echo': 'yes' } }),
  },
  {
    kind: 'http',
    name: 'open',
    route: 'open',
    methods: ['GET'],
    authLevel: 'anonymous',
    handler: () => ({ body: 'open to all' }),
  },
  {
    kind: 'http',
    name: 'item',
    route: 'items/{id}',
    methods: ['GET'],
    authLevel: 'function',
    handler: async (request, context) => ({ jsonBody: await describeRequest(request, context) }),
  },
  {
    kind: 'http',
    name: 'boom',
    route: 'boom',
    methods: ['POST'],
    authLevel: 'anonymous',
    handler: () => {
      throw new Error('kaboom: internal detail');
    },
  },
  {
    kind: 'queue',
    name: 'recorder',
    queueName: WORK_QUEUE,
    connection: 'AzureWebJobsStorage',
    handler: (item, context) => {
      received.push({ item, context });
    },
  },
  {
    kind: 'queue',
    name: 'always-fails',
    queueName: FAILING_QUEUE,
    connection: 'AzureWebJobsStorage',
    handler: () => {
      failingAttempts += 1;
      throw new Error(`attempt ${failingAttempts} failed`);
    },
  },
];

let azurite: LentAzurite;
let host: FunctionHost;
let queues: QueueServiceClient;
const logLines: string[] = [];

function url(path: string): string {
  return `${host.baseUrl}${path}`;
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

beforeAll(async () => {
  azurite = await lendOrStartAzurite();
  host = await startFunctionHost({
    definitions,
    keys: { host: [HOST_KEY], functions: { echo: [ECHO_KEY], item: [ITEM_KEY] } },
    storageConnectionString: azurite.connectionString,
    hostJson,
    maxBodyBytes: MAX_BODY_BYTES,
    log: (line) => logLines.push(line),
  });
  queues = QueueServiceClient.fromConnectionString(azurite.connectionString);
});

afterAll(async () => {
  await host?.stop();
  await azurite?.stop();
});

beforeEach(() => {
  seenRequests.length = 0;
});

describe('HTTP functions with authLevel function', () => {
  it('accept the key in x-functions-key and pass method, query, params and the raw body', async () => {
    const body = '{"alert": "raw, not parsed" }';
    const response = await fetch(url('/api/echo?user=alice%40contoso.com&state=open'), {
      method: 'POST',
      headers: { 'x-functions-key': HOST_KEY, 'content-type': 'application/json' },
      body,
    });

    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('x-echo')).toBe('yes');
    const seen = (await response.json()) as SeenRequest;
    expect(seen).toEqual({
      method: 'POST',
      url: url('/api/echo?user=alice%40contoso.com&state=open'),
      query: { user: 'alice@contoso.com', state: 'open' },
      params: {},
      body,
      keyHeader: null,
    });
  });

  it('accept the key as ?code= and keep it out of the URL and query the handler sees', async () => {
    const response = await fetch(url(`/api/echo?code=${encodeURIComponent(HOST_KEY)}&since=2024-01-01`));

    expect(response.status).toBe(201);
    const [seen] = seenRequests;
    expect(seen.url).toBe(url('/api/echo?since=2024-01-01'));
    expect(seen.query).toEqual({ since: '2024-01-01' });
    expect(seen.url).not.toContain(HOST_KEY);
  });

  it('pass {param} route segments, decoded, as params', async () => {
    const response = await fetch(url('/api/items/01HZX%20Y'), { headers: { 'x-functions-key': HOST_KEY } });

    expect(response.status).toBe(200);
    expect(((await response.json()) as SeenRequest).params).toEqual({ id: '01HZX Y' });
  });

  it.each([
    ['no key', '/api/echo', {}],
    ['a wrong header key', '/api/echo', { 'x-functions-key': `${HOST_KEY}x` }],
    ['a wrong ?code=', '/api/echo?code=nope', {}],
    ['an empty header key', '/api/echo', { 'x-functions-key': '' }],
    ['no key on a route with params', '/api/items/1', {}],
  ])('answer %s with a bare 401 and never call the handler', async (_label, path, headers: Record<string, string>) => {
    const response = await fetch(url(path), { method: 'GET', headers });

    expect(response.status).toBe(401);
    expect(await response.text()).toBe('');
    expect(seenRequests).toHaveLength(0);
  });

  it('do not accept a wrong header key even when ?code= is right (the header wins)', async () => {
    const response = await fetch(url(`/api/echo?code=${HOST_KEY}`), { headers: { 'x-functions-key': 'wrong' } });

    expect(response.status).toBe(401);
    expect(seenRequests).toHaveLength(0);
  });
});

describe('function keys', () => {
  it('open their own function', async () => {
    expect((await fetch(url('/api/echo'), { headers: { 'x-functions-key': ECHO_KEY } })).status).toBe(201);
    expect((await fetch(url(`/api/items/1?code=${ITEM_KEY}`))).status).toBe(200);
  });

  it.each([
    ["echo's key on item", '/api/items/1', ECHO_KEY],
    ["item's key on echo", '/api/echo', ITEM_KEY],
  ])('do not open another function: %s is a bare 401 and the handler never runs', async (_label, path, key) => {
    const response = await fetch(url(path), { headers: { 'x-functions-key': key } });

    expect(response.status).toBe(401);
    expect(seenRequests).toHaveLength(0);
  });
});

describe('starting the host', () => {
  const start = (
    keys: Parameters<typeof startFunctionHost>[0]['keys'],
    defs: FunctionDefinition[] = definitions.filter((d) => d.kind === 'http'),
  ) => startFunctionHost({ definitions: defs, keys, storageConnectionString: azurite.connectionString, hostJson, log: () => undefined });

  it('refuses keys that would leave a function-level route unreachable', async () => {
    await expect(start({ host: [], functions: { echo: [ECHO_KEY] } })).rejects.toThrow(/no host key and no function key opens item/);
  });

  it('refuses an empty key and a key for a function it does not serve', async () => {
    await expect(start({ host: [''], functions: {} })).rejects.toThrow(/empty/);
    await expect(start({ host: [HOST_KEY], functions: { nosuch: ['k'] } })).rejects.toThrow(/"nosuch"/);
  });

  it('refuses admin-level functions, which Azure opens with the master key only', async () => {
    const admin: FunctionDefinition = {
      kind: 'http',
      name: 'admin',
      route: 'admin',
      methods: ['GET'],
      authLevel: 'admin',
      handler: () => ({}),
    };
    await expect(start({ host: [HOST_KEY], functions: {} }, [admin])).rejects.toThrow(/master key/);
  });
});

describe('routing', () => {
  it('serves anonymous functions without a key, with case-insensitive literals', async () => {
    const response = await fetch(url('/API/Open'));

    expect(response.status).toBe(200);
    expect(await response.text()).toBe('open to all');
  });

  it.each(['/api/nope', '/echo', '/api/items', '/api/items/1/extra', '/api/'])('answers 404 for %s', async (path) => {
    const response = await fetch(url(path), { headers: { 'x-functions-key': HOST_KEY } });

    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: expect.objectContaining({ code: 'not_found' }) });
  });

  it('answers 405 with Allow for a method the function does not accept', async () => {
    const response = await fetch(url('/api/echo'), { method: 'DELETE', headers: { 'x-functions-key': HOST_KEY } });

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, POST');
    expect(seenRequests).toHaveLength(0);
  });
});

describe('request bodies over maxBodyBytes', () => {
  it('get 413 from the declared Content-Length without reaching the handler', async () => {
    const response = await fetch(url('/api/echo'), {
      method: 'POST',
      headers: { 'x-functions-key': HOST_KEY },
      body: Buffer.alloc(MAX_BODY_BYTES + 1, 'a'),
    });

    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: expect.objectContaining({ code: 'payload_too_large' }) });
    expect(seenRequests).toHaveLength(0);
  });

  it('get 413 when a chunked body grows past the limit while streaming', async () => {
    const chunk = new Uint8Array(1024).fill(98);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 64; i += 1) controller.enqueue(chunk);
        controller.close();
      },
    });
    const response = await fetch(url('/api/echo'), {
      method: 'POST',
      headers: { 'x-functions-key': HOST_KEY },
      body,
      duplex: 'half',
    });

    expect(response.status).toBe(413);
    expect(seenRequests).toHaveLength(0);
  });

  it('pass a body of exactly maxBodyBytes', async () => {
    const response = await fetch(url('/api/echo'), {
      method: 'POST',
      headers: { 'x-functions-key': HOST_KEY },
      body: 'c'.repeat(MAX_BODY_BYTES),
    });

    expect(response.status).toBe(201);
    expect(seenRequests[0].body).toHaveLength(MAX_BODY_BYTES);
  });
});

describe('a handler that throws', () => {
  it('yields a 500 JSON error with the invocation id and no message or stack', async () => {
    const response = await fetch(url('/api/boom'), { method: 'POST', body: '{}' });

    expect(response.status).toBe(500);
    const text = await response.text();
    const body = JSON.parse(text) as { error: { code: string; message: string; invocationId: string } };
    expect(body.error).toEqual({ code: 'internal', message: 'internal error', invocationId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(text).not.toContain('kaboom');
    expect(text).not.toMatch(/\bat .*\.ts:\d+/);
    const logged = logLines.find((line) => line.includes('kaboom'));
    expect(logged).toBeDefined();
    expect(logged).toContain(body.error.invocationId);
  });
});

describe('queue functions', () => {
  let work: QueueClient;

  beforeAll(() => {
    work = queues.getQueueClient(WORK_QUEUE);
  });

  beforeEach(() => {
    received.length = 0;
  });

  it('receive a base64 JSON message parsed, with trigger metadata, and the message is deleted', async () => {
    const message = { version: 1, incidentId: '01HZXKQ7', users: ['alice@contoso.com'] };
    const text = JSON.stringify(message);
    const sent = await work.sendMessage(base64(text));

    await host.drainQueues(15_000);

    expect(received).toHaveLength(1);
    const [{ item, context }] = received;
    expect(item).toEqual(message);
    expect(context.functionName).toBe('recorder');
    expect(context.triggerMetadata).toEqual(
      expect.objectContaining({ id: sent.messageId, dequeueCount: 1, queueTrigger: text, popReceipt: expect.any(String) }),
    );
    expect(Date.parse(String(context.triggerMetadata?.insertionTime))).not.toBeNaN();
    expect((await work.getProperties()).approximateMessagesCount).toBe(0);
  });

  it('receive a message that is not JSON as the decoded string', async () => {
    await work.sendMessage(base64('plain text, not JSON'));

    await host.drainQueues(15_000);

    expect(received.map((r) => r.item)).toEqual(['plain text, not JSON']);
  });

  it('move a message that keeps failing to <queue>-poison after maxDequeueCount attempts', async () => {
    const original = base64(JSON.stringify({ version: 1, incidentId: 'poisoned' }));
    const sent = await queues.getQueueClient(FAILING_QUEUE).sendMessage(original);

    await host.drainQueues(15_000);

    expect(failingAttempts).toBe(2);
    const poison = await queues.getQueueClient(`${FAILING_QUEUE}-poison`).peekMessages({ numberOfMessages: 32 });
    expect(poison.peekedMessageItems.map((m) => m.messageText)).toEqual([original]);
    const failures = logLines.filter((line) => line.includes(sent.messageId));
    expect(failures).toHaveLength(2);
    expect(failures[0]).toContain(FAILING_QUEUE);
    expect(failures[0]).toContain('attempt 1 failed');
    expect(failures[1]).toContain('attempt 2 failed');
  });
});

describe('the host log', () => {
  it('never carries a bearer token a handler logged', async () => {
    const token = `eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.${'s'.repeat(40)}`;
    const response = await fetch(url('/api/echo'), { headers: { 'x-functions-key': ECHO_KEY, authorization: `Bearer ${token}` } });

    expect(response.status).toBe(201);
    expect(logLines.some((line) => line.includes('[redacted token]'))).toBe(true);
    expect(logLines.filter((line) => line.includes(token) || line.includes(token.split('.')[2]))).toEqual([]);
  });

  it('has request and handler lines but never a host or function key', () => {
    expect(logLines.some((line) => line.includes('"message":"request"'))).toBe(true);
    expect(logLines.some((line) => line.includes('"functionName":"echo"'))).toBe(true);
    expect(logLines.filter((line) => [HOST_KEY, ECHO_KEY, ITEM_KEY].some((key) => line.includes(key)))).toEqual([]);
  });
});
