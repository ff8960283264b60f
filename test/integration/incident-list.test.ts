// GET /api/incidents: newest first, paged by `top` and an opaque continuation token, with the user,
// state and since filters, past the first hundred incidents (the old list silently stopped there).
import { startLocalStack, type LocalStack } from '../../dev/stack';
import { manualAlert, request } from '../support/http';
import { bearer, readerToken } from '../support/tokens';

const FUNCTION_KEY = 'incident-list-test-key-0123456789';
const COUNT = 130;
/** Every third alert is Medium: below MIN_AUTO_CONTAIN_SEVERITY, so it waits for approval (a state no background step changes). */
const isMedium = (index: number) => index % 3 === 0;
const HELD = Array.from({ length: COUNT }, (_, index) => index).filter(isMedium).length;
let stack: LocalStack;
/** Incident id -> the user it was opened for and when. */
const created = new Map<string, { upn: string; createdAt: string }>();

interface ListBody {
  incidents: Array<{ id: string; state: string; createdAt: string; user: { upn?: string } }>;
  continuationToken?: string;
  error?: { code: string; message: string };
}

const list = async (query = '') =>
  request<ListBody>(`${stack.baseUrl}/api/incidents${query}`, { headers: bearer(await readerToken(stack)) });

beforeAll(async () => {
  // The blast-radius limit is out of the way: which incidents it holds would depend on the clock.
  // The hunt only reports here: the other victims it would hold would add incidents to the list under test.
  // The routes only: the list reads what the contain route wrote, and the diagnoses (and hunts) the 130
  // containments queue would only compete for the CPU (they stay queued, untouched). Storage latency is
  // not under test either: on a loaded machine a write past the default deadline made a 503, not a row.
  stack = await startLocalStack({
    functionKey: FUNCTION_KEY,
    settings: { BLAST_RADIUS_MAX: '1000', CAMPAIGN_CONTAINMENT: 'off', STORAGE_TIMEOUT_MS: '600000' },
    serve: (definition) => definition.kind === 'http',
  });
  for (let batch = 0; batch < COUNT; batch += 10) {
    await Promise.all(
      Array.from({ length: Math.min(10, COUNT - batch) }, async (_, offset) => {
        const index = batch + offset;
        const upn = `list.user${String(index).padStart(3, '0')}@wingtip-lab.example`;
        stack.simulator!.addUser({ userPrincipalName: upn });
        const response = await request<{ incidents: Array<{ id: string; createdAt: string }> }>(`${stack.baseUrl}/api/contain`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-functions-key': FUNCTION_KEY },
          body: manualAlert(upn, `list-${upn}`, isMedium(index) ? 'Medium' : 'High'),
        });
        expect(response.status).toBe(200);
        created.set(response.json.incidents[0].id, { upn, createdAt: response.json.incidents[0].createdAt });
      }),
    );
  }
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

/** Newest first: by creation time, then by id (ULIDs of one millisecond), both descending. */
const newestFirst = () =>
  [...created.entries()].sort(([a, x], [b, y]) => y.createdAt.localeCompare(x.createdAt) || b.localeCompare(a)).map(([id]) => id);

it('pages through every incident newest first: 50 by default, then by the continuation token', async () => {
  const seen: string[] = [];
  let token: string | undefined;
  const sizes: number[] = [];
  do {
    const response = await list(token === undefined ? '' : `?continuationToken=${encodeURIComponent(token)}`);
    expect(response.status).toBe(200);
    sizes.push(response.json.incidents.length);
    seen.push(...response.json.incidents.map((incident) => incident.id));
    token = response.json.continuationToken;
  } while (token !== undefined && sizes.length < 10);
  expect(sizes[0]).toBe(50);
  expect(seen).toEqual(newestFirst());
});

it('top sets the page size, up to 200', async () => {
  const all = await list('?top=200');
  expect(all.json.incidents.map((incident) => incident.id)).toEqual(newestFirst());
  expect(all.json.continuationToken).toBeUndefined();
  const three = await list('?top=3');
  expect(three.json.incidents.map((incident) => incident.id)).toEqual(newestFirst().slice(0, 3));
  const next = await list(`?top=3&continuationToken=${encodeURIComponent(three.json.continuationToken!)}`);
  expect(next.json.incidents.map((incident) => incident.id)).toEqual(newestFirst().slice(3, 6));
  for (const bad of ['0', '201', '-1', '2.5', 'ten']) {
    const response = await list(`?top=${bad}`);
    expect({ bad, status: response.status }).toEqual({ bad, status: 400 });
  }
});

it('refuses a continuation token it did not issue with 400, without echoing it', async () => {
  const good = (await list('?top=1')).json.continuationToken!;
  const forged = Buffer.from(JSON.stringify({ v: 1, after: "x' or RowKey ne '" }), 'utf8').toString('base64url');
  for (const bad of ['not-a-token', `${good}x`, good.slice(0, -2), forged, 'e30', '%00%01']) {
    const response = await list(`?continuationToken=${encodeURIComponent(bad)}`);
    expect({ bad, status: response.status, code: response.json.error?.code }).toEqual({ bad, status: 400, code: 'malformed_request' });
    expect(response.text).not.toContain(bad);
  }
});

it('filters by user, state and since, still newest first', async () => {
  const [id, { upn }] = [...created.entries()][17];
  const byUser = await list(`?user=${encodeURIComponent(upn.toUpperCase())}`);
  expect(byUser.json.incidents.map((incident) => incident.id)).toEqual([id]);

  // The Medium ones wait for approval and stay waiting (the others are contained).
  const held = await list('?state=awaiting_approval&top=200');
  expect(held.json.incidents).toHaveLength(HELD);
  expect(held.json.incidents.every((incident) => incident.state === 'awaiting_approval')).toBe(true);
  const heldIds = held.json.incidents.map((incident) => incident.id);
  expect(heldIds).toEqual(newestFirst().filter((candidate) => heldIds.includes(candidate)));
  const firstFive = await list('?state=awaiting_approval&top=5');
  expect(firstFive.json.incidents.map((incident) => incident.id)).toEqual(heldIds.slice(0, 5));

  const all = (await list('?top=200')).json.incidents;
  const since = all[39].createdAt;
  const recent = await list(`?since=${encodeURIComponent(since)}&top=200`);
  expect(recent.json.incidents.map((incident) => incident.id)).toEqual(
    all.filter((incident) => incident.createdAt >= since).map((incident) => incident.id),
  );
  expect(recent.json.continuationToken).toBeUndefined();
});
