import { afterInspection, passesSeverityGate, preflight, type SafetyPolicy, type UserFacts } from '../../shared/policy/containment-policy';

const policy: SafetyPolicy = {
  protectedAccounts: new Set(['bg-admin-01@wingtip-lab.example', '5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b99']),
  protectedGroupIds: ['3f9e2d1c-0b4a-4e5f-8a7b-6c5d4e3f2a10'],
  privilegedUsers: 'approve',
  mode: 'enforce',
  minAutoContainSeverity: 'high',
};
const approval = { approvedBy: 'alice' };
const facts = (overrides: Partial<UserFacts> = {}): UserFacts => ({
  objectId: '5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b01',
  upn: 'avery.chen@wingtip-lab.example',
  accountEnabled: true,
  onPremisesSyncEnabled: false,
  protectedGroupIds: [],
  directoryRoles: [],
  ...overrides,
});

describe('preflight', () => {
  it('holds a listed protected account by UPN or object id, in every mode, even when approved', () => {
    for (const mode of ['enforce', 'dry-run', 'off'] as const) {
      for (const user of [{ upn: 'BG-ADMIN-01@wingtip-lab.example' }, { objectId: '5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b99' }]) {
        expect(preflight(user, { ...policy, mode })?.kind).toBe('protected');
        expect(preflight(user, { ...policy, mode }, approval)?.kind).toBe('protected');
      }
    }
  });

  it('holds in mode off, unless a human approved', () => {
    const user = { upn: 'avery.chen@wingtip-lab.example' };
    expect(preflight(user, { ...policy, mode: 'off' })?.kind).toBe('mode_off');
    expect(preflight(user, { ...policy, mode: 'off' }, approval)).toBeUndefined();
    expect(preflight(user, policy)).toBeUndefined();
  });
});

describe('severity gate', () => {
  it('passes at or above MIN_AUTO_CONTAIN_SEVERITY', () => {
    expect(passesSeverityGate('high', policy)).toBe(true);
    expect(passesSeverityGate('medium', policy)).toBe(false);
    expect(passesSeverityGate('low', { ...policy, minAutoContainSeverity: 'low' })).toBe(true);
    expect(passesSeverityGate('informational', { ...policy, minAutoContainSeverity: 'low' })).toBe(false);
  });
});

describe('afterInspection', () => {
  it('catches protection by the identifier the alert did not carry', () => {
    expect(
      afterInspection(facts({ objectId: '5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b99', upn: 'someone@x.example' }), 'high', policy)?.kind,
    ).toBe('protected');
  });

  it('holds members of a protected group, even when approved', () => {
    const member = facts({ protectedGroupIds: ['3f9e2d1c-0b4a-4e5f-8a7b-6c5d4e3f2a10'] });
    expect(afterInspection(member, 'high', policy)?.kind).toBe('protected');
    expect(afterInspection(member, 'high', policy, approval)?.kind).toBe('protected');
  });

  it('holds below the severity gate, after protection, unless a human approved', () => {
    expect(afterInspection(facts(), 'medium', policy)?.kind).toBe('severity');
    expect(afterInspection(facts({ protectedGroupIds: ['3f9e2d1c-0b4a-4e5f-8a7b-6c5d4e3f2a10'] }), 'medium', policy)?.kind).toBe(
      'protected',
    );
    expect(afterInspection(facts(), 'medium', policy, approval)).toBeUndefined();
  });

  it('holds privileged users for approval when PRIVILEGED_USERS=approve, not when contain or approved', () => {
    const admin = facts({ directoryRoles: ['Global Administrator'] });
    expect(afterInspection(admin, 'high', policy)).toEqual({ kind: 'privileged', reason: expect.stringContaining('Global Administrator') });
    expect(afterInspection(admin, 'high', { ...policy, privilegedUsers: 'contain' })).toBeUndefined();
    expect(afterInspection(admin, 'high', policy, approval)).toBeUndefined();
    expect(afterInspection(facts(), 'high', policy)).toBeUndefined();
  });
});
