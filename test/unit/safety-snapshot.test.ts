import { consultSnapshot, type SafetySnapshot, type SnapshotState } from '../../shared/policy/safety-snapshot';

const GROUP = '3f9e2d1c-0b4a-4e5f-8a7b-6c5d4e3f2a10';
const avery = { id: '11111111-1111-4111-8111-111111111111', upn: 'avery.chen@wingtip-lab.example' };
const admin = { id: '22222222-2222-4222-8222-222222222222', upn: 'it.director@wingtip-lab.example' };
const breakGlass = { id: '33333333-3333-4333-8333-333333333333', upn: 'bg-admin-01@wingtip-lab.example' };
const people = [avery, admin, breakGlass];
const takenAt = '2026-01-01T00:00:00.000Z';
const snapshot: SafetySnapshot = {
  takenAt,
  upnById: new Map(people.map((p) => [p.id, p.upn])),
  idByUpn: new Map(people.map((p) => [p.upn, p.id])),
  protectedGroupIds: [GROUP],
  protectedGroupsById: new Map([[breakGlass.id, [GROUP]]]),
  rolesById: new Map([[admin.id, ['Global Administrator']]]),
  eligibleRolesRead: true,
};
const fresh: SnapshotState = { snapshot };
const at = (seconds: number) => new Date(Date.parse(takenAt) + seconds * 1000);

describe('consultSnapshot', () => {
  it('clears a person it maps by both identifiers: no group, no role, the age recorded', () => {
    const verdict = consultSnapshot({ upn: 'Avery.Chen@wingtip-lab.example', objectId: avery.id }, fresh, [GROUP], at(42), 300);
    expect(verdict).toEqual({
      kind: 'person',
      person: { objectId: avery.id, upn: avery.upn },
      safety: { protectedGroupIds: [], directoryRoles: [] },
      path: { path: 'snapshot', snapshotAgeSeconds: 42 },
    });
  });

  it('resolves a UPN alone to the object id it names (the writes go by that id)', () => {
    const verdict = consultSnapshot({ upn: avery.upn }, fresh, [GROUP], at(1), 300);
    expect(verdict.kind === 'person' && verdict.person.objectId).toBe(avery.id);
  });

  it('knows a protected member and a role holder by either identifier, without a live read', () => {
    expect(consultSnapshot({ objectId: breakGlass.id }, fresh, [GROUP], at(1), 300)).toMatchObject({
      kind: 'person',
      safety: { protectedGroupIds: [GROUP] },
    });
    expect(consultSnapshot({ upn: admin.upn }, fresh, [GROUP], at(1), 300)).toMatchObject({
      kind: 'person',
      safety: { directoryRoles: ['Global Administrator'] },
    });
  });

  it('holds identifiers that name two people in the snapshot, naming both', () => {
    const verdict = consultSnapshot({ upn: avery.upn, objectId: admin.id }, fresh, [GROUP], at(1), 300);
    expect(verdict.kind).toBe('mismatch');
    expect(verdict.kind === 'mismatch' && verdict.people).toEqual([
      { objectId: avery.id, upn: avery.upn },
      { objectId: admin.id, upn: admin.upn },
    ]);
    expect(verdict.kind === 'mismatch' && verdict.reason).toMatch(/^identity mismatch: .*safety snapshot of 2026-01-01T00:00:00.000Z/);
  });

  it.each([
    ['no snapshot yet', { upn: avery.upn }, {}, 1, /no safety snapshot/],
    ['a failed refresh', { upn: avery.upn }, { snapshot, failure: 'Graph 503 ServiceUnavailable' }, 1, /refresh failed/],
    ['a snapshot older than the maximum', { upn: avery.upn }, fresh, 301, /301 s old/],
    ['a UPN it does not map', { upn: 'new.hire@wingtip-lab.example' }, fresh, 1, /no user to the UPN/],
    [
      'an object id it does not map',
      { upn: avery.upn, objectId: '44444444-4444-4444-8444-444444444444' },
      fresh,
      1,
      /no user to the object id/,
    ],
  ])('proves nothing with %s: the live reads run', (_name, given, state, seconds, why) => {
    const verdict = consultSnapshot(given, state, [GROUP], at(seconds), 300);
    expect(verdict.kind).toBe('live');
    expect(verdict.path.path).toBe('live');
    expect(verdict.path.why).toMatch(why);
  });

  it('proves nothing when built for other protected groups (the setting changed)', () => {
    const verdict = consultSnapshot({ upn: avery.upn }, fresh, [GROUP, '55555555-5555-4555-8555-555555555555'], at(1), 300);
    expect(verdict).toMatchObject({ kind: 'live', path: { why: expect.stringMatching(/other PROTECTED_GROUP_IDS/) } });
  });
});
