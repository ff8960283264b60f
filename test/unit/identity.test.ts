import { resolveIdentity, type DirectoryUser, type UserLookup } from '../../shared/policy/identity';
import { isOpen, type Incident } from '../../shared/runbook/incident';

const A: DirectoryUser = {
  objectId: 'aaaaaaaa-0000-4000-8000-000000000001',
  upn: 'a@x.example',
  accountEnabled: true,
  onPremisesSyncEnabled: false,
};
const B: DirectoryUser = {
  objectId: 'bbbbbbbb-0000-4000-8000-000000000002',
  upn: 'b@x.example',
  accountEnabled: false,
  onPremisesSyncEnabled: false,
};
const SAFETY = { protectedGroupIds: [], directoryRoles: ['Global Administrator'] };
const lookup = (over: Partial<UserLookup>): UserLookup => ({ safetyVia: 'upn', safety: SAFETY, ...over });

describe('resolveIdentity', () => {
  it('both identifiers naming the same person: that person, with the safety facts read alongside', () => {
    expect(resolveIdentity({ upn: A.upn, objectId: A.objectId }, lookup({ byUpn: A, byObjectId: A }))).toEqual({
      kind: 'person',
      person: A,
      safety: SAFETY,
      discrepancy: undefined,
    });
  });

  it('two different people: a mismatch whose reason names both UPNs and object ids', () => {
    const identity = resolveIdentity({ upn: A.upn, objectId: B.objectId }, lookup({ byUpn: A, byObjectId: B }));
    expect(identity.kind).toBe('mismatch');
    for (const name of [A.upn, A.objectId, B.upn, B.objectId]) expect(identity.kind === 'mismatch' && identity.reason).toContain(name);
  });

  it("an object id naming nobody: the UPN's person, the discrepancy recorded", () => {
    const identity = resolveIdentity(
      { upn: A.upn, objectId: 'cccccccc-0000-4000-8000-000000000003' },
      lookup({ byUpn: A, byObjectId: null }),
    );
    expect(identity).toMatchObject({
      kind: 'person',
      person: A,
      safety: SAFETY,
      discrepancy: expect.stringContaining('cccccccc-0000-4000-8000-000000000003'),
    });
  });

  it("a UPN naming nobody: the object id's person; the safety reads went by the UPN, so they must be read again", () => {
    const identity = resolveIdentity({ upn: 'gone@x.example', objectId: B.objectId }, lookup({ byUpn: null, byObjectId: B, safety: null }));
    expect(identity).toMatchObject({
      kind: 'person',
      person: B,
      safety: undefined,
      discrepancy: expect.stringContaining('gone@x.example'),
    });
  });

  it('one identifier given: as today', () => {
    expect(resolveIdentity({ objectId: A.objectId }, lookup({ byObjectId: A, safetyVia: 'objectId' }))).toMatchObject({
      kind: 'person',
      person: A,
      safety: SAFETY,
      discrepancy: undefined,
    });
    expect(resolveIdentity({ upn: A.upn }, lookup({ byUpn: null, safety: null }))).toMatchObject({
      kind: 'nobody',
      reason: expect.stringContaining(A.upn),
    });
  });
});

describe('isOpen', () => {
  const incident = (state: Incident['state'], retryable?: true) => ({ state, retryable }) as Incident;

  it('open while containment is under way, held, in force, or failed transiently', () => {
    for (const state of ['containing', 'awaiting_approval', 'contained', 'partially_contained', 'diagnosed', 'eradicated'] as const)
      expect(isOpen(incident(state))).toBe(true);
    expect(isOpen(incident('failed', true))).toBe(true);
  });

  it('not open once recovered or closed, for a protected account, or after a failure retrying cannot help', () => {
    for (const state of ['recovered', 'closed', 'skipped_protected', 'failed'] as const) expect(isOpen(incident(state))).toBe(false);
  });
});
