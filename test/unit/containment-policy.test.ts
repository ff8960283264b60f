import { decideContainment } from '../../shared/policy/containment-policy';

const protectedAccounts = new Set(['bg-admin-01@wingtip-lab.example', '5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b99']);

describe('decideContainment', () => {
  it('skips a protected account matched by UPN or object id, whatever the mode', () => {
    for (const mode of ['enforce', 'dry-run', 'off'] as const) {
      expect(decideContainment({ upn: 'bg-admin-01@wingtip-lab.example' }, { protectedAccounts, mode }).kind).toBe('skip_protected');
      expect(decideContainment({ objectId: '5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b99' }, { protectedAccounts, mode }).kind).toBe('skip_protected');
    }
  });

  it('contains everyone else in enforce mode, and holds them in dry-run', () => {
    const user = { upn: 'avery.chen@wingtip-lab.example' };
    expect(decideContainment(user, { protectedAccounts, mode: 'enforce' }).kind).toBe('contain');
    expect(decideContainment(user, { protectedAccounts, mode: 'dry-run' }).kind).toBe('dry_run');
    expect(decideContainment(user, { protectedAccounts, mode: 'off' }).kind).toBe('hold');
  });
});
