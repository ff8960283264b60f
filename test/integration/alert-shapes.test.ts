// Every alert shape through the real edges: POST /api/contain on the local host, Graph over HTTP to the
// tenant simulator, Table and Queue Storage in Azurite.
//  (a) Each sample in samples/alerts contains exactly the people it names (and nobody else: not the
//      attacker-role guest in the Defender alert), or is acknowledged with no write when resolved. The
//      ten samples name four people: the first alert naming a person opens their incident and contains
//      them; every later one is linked to that open incident, with no Graph write and no blast-radius
//      slot (the limit counts people, not alerts).
//  (b) Copies of one alert that arrive in different shapes meet: the second is a replay, no Graph write.
//  (c) ~100 mutated bodies (fast-check) never get a 5xx.
// Contained users stay disabled for the rest of this file.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { startLocalStack, type LocalStack } from '../../dev/stack';
import type { TenantSimulator } from '../../dev/simulator';
import { bearer, readerToken } from '../support/tokens';
import { slotsTaken as countSlots } from '../support/blast-radius';

const KEY = 'k';
const SAMPLES_DIR = path.join(__dirname, '../../samples/alerts');
const sampleText = (name: string): string => readFileSync(path.join(SAMPLES_DIR, name), 'utf8');

const AVERY = 'avery.chen@wingtip-lab.example';
const BLAKE = 'blake.morris@wingtip-lab.example';
const CASEY = 'casey.nguyen@wingtip-lab.example';
const DREW = 'drew.patel@wingtip-lab.example';

/** Each sample and the users it must contain, in the order they are replayed. */
const CONTAINING_SAMPLES: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['sentinel-incident.json', [AVERY]],
  ['sentinel-incident-rest.json', [CASEY]],
  ['sentinel-alert-securityalert.json', [BLAKE]],
  ['sentinel-alert-trigger.json', [DREW]],
  ['defender-alert-v2.json', [AVERY]],
  ['defender-incident.json', [AVERY, BLAKE]],
  ['azure-monitor-log-alert.json', [CASEY]],
  ['azure-monitor-log-alert-search-results.json', [DREW]],
  ['manual.json', [AVERY]],
];
const ACKNOWLEDGED_SAMPLES = ['azure-monitor-resolved.json'];

interface IncidentBody {
  id: string;
  state: string;
  replayed: boolean;
  linked?: boolean;
  user: { upn?: string; objectId?: string };
}
interface ContainBody {
  acknowledged?: boolean;
  incidents?: IncidentBody[];
  error?: { code: string; message: string };
}

let stack: LocalStack;
let simulator: TenantSimulator;
/** The incident each person's first alert opened. */
const opened = new Map<string, string>();

async function post(body: string): Promise<{ status: number; json: ContainBody; text: string }> {
  const response = await fetch(`${stack.baseUrl}/api/contain`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-functions-key': KEY },
    body,
  });
  const text = await response.text();
  let json: ContainBody = {};
  try {
    json = JSON.parse(text) as ContainBody;
  } catch {
    /* asserted by the caller where it matters */
  }
  return { status: response.status, json, text };
}

/** UPN of the simulated user an incident or a Graph path names (by UPN or object id). */
function upnOf(idOrUpn: string | undefined): string | undefined {
  return idOrUpn === undefined ? undefined : (simulator.tenant.findUser(idOrUpn)?.userPrincipalName.toLowerCase() ?? idOrUpn.toLowerCase());
}

/** Containment writes since a point in the request log: revokeSignInSessions and PATCH accountEnabled. */
function containmentWritesSince(start: number): Array<{ user: string; action: 'revoke' | 'disable' }> {
  return simulator.requestLog.slice(start).flatMap((entry) => {
    const revoke = entry.method === 'POST' ? /\/users\/([^/]+)\/revokeSignInSessions$/.exec(entry.path) : null;
    const disable = entry.method === 'PATCH' ? /\/users\/([^/]+)$/.exec(entry.path) : null;
    const match = revoke ?? disable;
    if (match === null) return [];
    return [{ user: upnOf(match[1]) ?? match[1], action: revoke !== null ? ('revoke' as const) : ('disable' as const) }];
  });
}

function slotsTaken(): Promise<number> {
  return countSlots(stack.storageConnectionString);
}

beforeAll(async () => {
  // BLAST_RADIUS_MAX=10, the default: the samples name four people, so they take four slots. The hunt
  // only reports here: the other victims it would hold are hunt-*.test.ts's to test, and they would take
  // slots and add incidents the samples do not name.
  stack = await startLocalStack({
    functionKey: KEY,
    settings: { BLAST_RADIUS_MAX: '10', GRAPH_RETRY_BUDGET_MS: '3000', GRAPH_TIMEOUT_MS: '2000', CAMPAIGN_CONTAINMENT: 'off' },
  });
  simulator = stack.simulator!;
});

afterAll(async () => {
  await stack?.stop();
});

describe('every sample through POST /api/contain', () => {
  it('covers every file in samples/alerts', () => {
    const covered = [...CONTAINING_SAMPLES.map(([name]) => name), ...ACKNOWLEDGED_SAMPLES].sort();
    expect(
      readdirSync(SAMPLES_DIR)
        .filter((name) => name.endsWith('.json'))
        .sort(),
    ).toEqual(covered);
  });

  it.each(CONTAINING_SAMPLES)('%s contains exactly %j (or links them to their open incident)', async (name, expected) => {
    const start = simulator.requestLog.length;
    const response = await post(sampleText(name));
    expect({ status: response.status, body: response.text }).toMatchObject({ status: 200 });
    const incidents = response.json.incidents ?? [];
    expect(incidents.map((incident) => upnOf(incident.user.upn ?? incident.user.objectId)).sort()).toEqual([...expected].sort());
    const fresh = expected.filter((upn) => !opened.has(upn));
    for (const incident of incidents) {
      const upn = upnOf(incident.user.upn)!;
      // The resolved person is on the incident, by both identifiers.
      expect(incident.user).toEqual({ upn, objectId: simulator.tenant.findUser(upn)!.id });
      if (opened.has(upn)) {
        expect(incident).toMatchObject({ id: opened.get(upn), linked: true, replayed: false });
        expect(['contained', 'diagnosed']).toContain(incident.state);
      } else {
        expect(incident).toMatchObject({ state: 'contained', replayed: false });
        opened.set(upn, incident.id);
      }
    }
    const writes = containmentWritesSince(start);
    // Each person revoked and disabled exactly once, by their first alert; nobody else touched (the
    // attacker-role guest in the Defender alert is not even looked up for a write).
    expect(writes.map((write) => `${write.user} ${write.action}`).sort()).toEqual(
      fresh.flatMap((upn) => [`${upn} disable`, `${upn} revoke`]).sort(),
    );
    for (const upn of expected) expect(simulator.tenant.findUser(upn)?.accountEnabled).toBe(false);
  });

  it('the samples took one blast-radius slot per person contained, not one per alert', async () => {
    expect(opened.size).toBe(4);
    expect(await slotsTaken()).toBe(4);
  });

  it("each linked alert is on the timeline of the person's open incident, with its alert key", async () => {
    const detail = await fetch(`${stack.baseUrl}/api/incidents/${opened.get(AVERY)}`, { headers: bearer(await readerToken(stack)) });
    const body = (await detail.json()) as { timeline: Array<{ kind: string; detail?: { alertKey?: string } }> };
    const linked = body.timeline.filter((event) => event.kind === 'alert_linked').map((event) => event.detail?.alertKey);
    // defender-alert-v2, defender-incident and manual name Avery after sentinel-incident opened her incident.
    expect(linked).toHaveLength(3);
    expect(linked).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^defender-alert:/),
        expect.stringMatching(/^defender-incident:/),
        expect.stringMatching(/^manual:/),
      ]),
    );
  });

  it.each(ACKNOWLEDGED_SAMPLES)('%s is acknowledged: 200, no incident, no Graph write', async (name) => {
    // The samples contained above queued their diagnoses, which read Graph; let them finish first.
    await stack.host.drainQueues(30_000);
    const start = simulator.requestLog.length;
    const response = await post(sampleText(name));
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ acknowledged: true, incidents: [] });
    expect(simulator.requestLog.length).toBe(start);
  });
});

describe('one alert, several deliveries', () => {
  it('the Sentinel copy of the Defender alert, naming the user by Name+UPNSuffix only, is a replay of it: same incident, no Graph write', async () => {
    const defender = JSON.parse(sampleText('defender-alert-v2.json')) as { providerAlertId: string };
    const row = JSON.parse(sampleText('sentinel-alert-securityalert.json')) as Record<string, unknown>;
    row.SystemAlertId = '0d2f4b6a-8c1e-4a3f-9b5d-7e9f1a3c5e72';
    row.VendorOriginalId = defender.providerAlertId;
    // The Graph copy named Avery by UPN and object id; this copy gives neither as such.
    row.Entities = JSON.stringify([{ $id: '1', Name: 'avery.chen', UPNSuffix: 'wingtip-lab.example', Type: 'account' }]);
    // The first delivery's queued diagnosis (Phase 2) moves the contained incident on to diagnosed.
    await stack.host.drainQueues(30_000);
    const start = simulator.requestLog.length;
    const response = await post(JSON.stringify(row));
    expect(response.status).toBe(200);
    expect(response.json.incidents).toEqual([expect.objectContaining({ id: opened.get(AVERY), replayed: true, state: 'diagnosed' })]);
    expect(containmentWritesSince(start)).toEqual([]);
  });

  it('a redelivered incident with two users replays both', async () => {
    const start = simulator.requestLog.length;
    const response = await post(sampleText('defender-incident.json'));
    expect(response.status).toBe(200);
    expect(response.json.incidents?.map((incident) => incident.replayed)).toEqual([true, true]);
    expect(containmentWritesSince(start)).toEqual([]);
  });
});

// ---- (c) mutated bodies never get a 5xx ---------------------------------------------------------------

const MUTATIONS = ['replace', 'delete', 'stringify', 'retype', 'proto', 'duplicate', 'huge', 'deep', 'identifier'] as const;
const IDENTIFIERS = [
  AVERY,
  'BG-ADMIN-01@wingtip-lab.example',
  'erin.lopez@wingtip-lab.example',
  'nobody@wingtip-lab.example',
  '5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b05',
  'x/../y@z.example',
  '',
];

interface Mutation {
  kind: (typeof MUTATIONS)[number];
  pick: number;
  payload: unknown;
  size: number;
  text: string;
}

const MUTATED_BODY_CHARS = 4_000_000;

/** A sample with a few mutations; duplicate keys and deep nesting are written into the text afterwards. */
function mutate(sample: string, mutations: readonly Mutation[]): string {
  const root: Record<string, unknown> = { doc: JSON.parse(sample) as unknown };
  const textEdits: Array<[string, string]> = [];
  mutations.forEach((mutation, index) => {
    const slots: Array<[Record<string | number, unknown>, string | number]> = [];
    const queue: unknown[] = [root];
    while (queue.length > 0 && slots.length < 2000) {
      const container = queue.shift() as Record<string | number, unknown>;
      for (const key of Array.isArray(container) ? container.map((_, i) => i) : Object.keys(container)) {
        slots.push([container, key]);
        if (typeof container[key] === 'object' && container[key] !== null) queue.push(container[key]);
      }
    }
    if (slots.length === 0) return; // an earlier mutation deleted the whole document
    const [container, key] = slots[mutation.pick % slots.length];
    const value = container[key];
    const marker = `@@mutation-${index}@@`;
    switch (mutation.kind) {
      case 'replace':
        container[key] = mutation.payload;
        break;
      case 'delete':
        if (Array.isArray(container)) container.splice(key as number, 1);
        else delete container[key];
        break;
      case 'stringify':
        container[key] = JSON.stringify(value) ?? 'null';
        break;
      case 'retype':
        container[key] = typeof value === 'string' ? value.length : typeof value === 'object' ? 'object' : [value];
        break;
      case 'proto':
        if (!Array.isArray(container))
          Object.defineProperty(container, '__proto__', {
            value: { kind: 'Account', severity: 'High' },
            enumerable: true,
            writable: true,
            configurable: true,
          });
        break;
      case 'duplicate':
        if (!Array.isArray(container)) {
          container[marker] = mutation.payload;
          textEdits.push([JSON.stringify(marker), JSON.stringify(String(key))]);
        }
        break;
      case 'huge': {
        // The slot may sit inside copies an earlier "huge" made (by reference): n copies grow the body at
        // most n-fold, so n is bounded by the whole body and the text stays far below V8's string limit.
        const bodyChars = Math.max(1, (JSON.stringify(root.doc) ?? '').length);
        const length = Math.min(480 + (mutation.size % 400), Math.max(1, Math.floor(MUTATED_BODY_CHARS / bodyChars)));
        container[key] = Array.from({ length }, () => (Array.isArray(value) ? value[0] : value));
        break;
      }
      case 'deep': {
        const depth = 100 + (mutation.size % 3000);
        container[key] = marker;
        textEdits.push([JSON.stringify(marker), `${'['.repeat(depth)}${JSON.stringify(value) ?? 'null'}${']'.repeat(depth)}`]);
        break;
      }
      case 'identifier':
        if (typeof value === 'string') container[key] = mutation.text;
        break;
    }
  });
  let text = JSON.stringify(root.doc) ?? 'null';
  for (const [from, to] of textEdits) text = text.split(from).join(to);
  return text;
}

describe('mutated bodies (fast-check)', () => {
  it('the mutation harness keeps a huge mutation inside another within a few MB', () => {
    const huge = (pick: number): Mutation => ({ kind: 'huge', pick, payload: null, size: 399, text: '' });
    const sample = sampleText(CONTAINING_SAMPLES[0][0]);
    for (const pick of [1, 7, 1_000, 123_457])
      expect(mutate(sample, [huge(0), huge(pick)]).length).toBeLessThanOrEqual(2 * MUTATED_BODY_CHARS);
  });

  it('never answer 5xx', async () => {
    const samples = [...CONTAINING_SAMPLES.map(([name]) => name), ...ACKNOWLEDGED_SAMPLES].map(sampleText);
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...samples),
        fc.array(
          fc.record({
            kind: fc.constantFrom(...MUTATIONS),
            pick: fc.nat(),
            payload: fc.jsonValue({ maxDepth: 2 }),
            size: fc.nat({ max: 10_000 }),
            text: fc.constantFrom(...IDENTIFIERS),
          }),
          { minLength: 1, maxLength: 3 },
        ),
        async (sample, mutations) => {
          const response = await post(mutate(sample, mutations));
          seen.set(response.status, (seen.get(response.status) ?? 0) + 1);
          if (response.status >= 500) throw new Error(`HTTP ${response.status}: ${response.text.slice(0, 500)}`);
        },
      ),
      { numRuns: 100, endOnFailure: true },
    );
    // Both accepted and refused bodies were exercised, or the property says little.
    expect(seen.get(200) ?? 0).toBeGreaterThan(0);
    expect(seen.get(422) ?? 0).toBeGreaterThan(0);
  });
});
