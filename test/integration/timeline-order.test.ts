// The timeline lists events in the order they were recorded (a sequence per incident), not by the
// millisecond: T0 is never listed before the action events it depends on, and concurrent appends
// without an ETag neither lose nor reorder events. Against Azurite, through the real table adapter.
import { lendOrStartAzurite, type LentAzurite } from '../../dev/azurite';
import type { Incident, TimelineEvent } from '../../shared/runbook/incident';
import type { TableIncidentStore } from '../../shared/store/table-incident-store';
import { incidentStore } from '../support/incident-store';

const AT = '2026-12-01T10:00:00.000Z';
let azurite: LentAzurite;
let store: TableIncidentStore;

beforeAll(async () => {
  azurite = await lendOrStartAzurite();
  store = incidentStore(azurite.connectionString);
});

afterAll(async () => {
  await azurite?.stop();
});

function incident(id: string): Incident {
  return {
    id,
    state: 'containing',
    user: { upn: 'avery.chen@wingtip-lab.example' },
    userKey: 'avery.chen@wingtip-lab.example',
    alertKey: `manual:${id.toLowerCase()}`,
    alertId: id,
    source: 'manual',
    severity: 'high',
    title: 't',
    ips: [],
    userAgents: [],
    mode: 'enforce',
    createdAt: AT,
    updatedAt: AT,
    actions: [],
    alertRaw: '{}',
  };
}

/** Every event in the same millisecond; ids chosen so that sorting by id would put them backwards. */
function event(kind: string, id: string, mark?: 'T0'): TimelineEvent {
  return { id, at: AT, kind, actor: 'test', summary: kind, ...(mark ? { mark } : {}) };
}

it('lists T0 after the action events recorded with it in the same millisecond', async () => {
  const id = '01JDZ0000000000000000000A1';
  const created = await store.create(incident(id), [event('alert_received', '01JDZ0000000000000000000Z9')]);
  const updated = await store.update({ ...created.incident, state: 'contained', t0: AT }, created.etag, [
    event('revokeSessions', '01JDZ0000000000000000000Z8'),
    event('disableAccount', '01JDZ0000000000000000000Z7'),
    event('contained', '01JDZ000000000000000000000', 'T0'),
  ]);
  expect(updated).toBeDefined();
  const timeline = await store.timeline(id);
  expect(timeline.map((e) => e.kind)).toEqual(['alert_received', 'revokeSessions', 'disableAccount', 'contained']);
});

it('keeps every one of 20 concurrent appends, in one stable order, and an update racing them still lands', async () => {
  const id = '01JDZ0000000000000000000B1';
  const created = await store.create(incident(id), [event('alert_received', '01JDZ0000000000000000000Y0')]);
  const appends = Array.from({ length: 20 }, (_, index) =>
    store.appendEvents(id, [event(`note_${index}`, `01JDZ00000000000000000${String(index).padStart(4, '0')}`)]),
  );
  const update = store.update({ ...created.incident, state: 'contained' }, created.etag, [
    event('contained', '01JDZ0000000000000000000X0', 'T0'),
  ]);
  const [stored] = await Promise.all([update, ...appends]);
  expect(stored).toBeDefined();
  const timeline = await store.timeline(id);
  expect(timeline).toHaveLength(22);
  expect(timeline[0].kind).toBe('alert_received');
  expect(new Set(timeline.map((e) => e.kind)).size).toBe(22);
  // A second listing gives the same order: it comes from the stored sequence, not from ties broken at random.
  expect((await store.timeline(id)).map((e) => e.id)).toEqual(timeline.map((e) => e.id));
  expect((await store.get(id))?.incident.state).toBe('contained');
});

it('an update whose ETag is stale still loses, whatever the event counter does', async () => {
  const id = '01JDZ0000000000000000000C1';
  const created = await store.create(incident(id), []);
  const first = await store.update({ ...created.incident, state: 'contained' }, created.etag, [
    event('contained', '01JDZ0000000000000000000W0', 'T0'),
  ]);
  expect(first).toBeDefined();
  const stale = await store.update({ ...created.incident, state: 'failed' }, created.etag, [event('failed', '01JDZ0000000000000000000W1')]);
  expect(stale).toBeUndefined();
  expect((await store.timeline(id)).map((e) => e.kind)).toEqual(['contained']);
});
