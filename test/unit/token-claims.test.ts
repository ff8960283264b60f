// Who a verified token names and what it carries: person or app (with and without idtyp, v1 and v2
// shapes as Entra issues them), app roles, and group membership with the overage case.
import { AuthError } from '../../shared/errors';
import { appRoles, groupMembership, tokenHolder } from '../../shared/auth/token-claims';

const OID = '7e1a3c5d-9b2f-4d6e-8a1c-3e5f7a9b1c41';
const APP = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';

const v1User = {
  ver: '1.0',
  appid: APP,
  appidacr: '0',
  oid: OID,
  sub: 'pairwise',
  scp: 'user_impersonation',
  upn: 'sam.analyst@wingtip-lab.example',
  unique_name: 'sam.analyst@wingtip-lab.example',
};
const v2User = {
  ver: '2.0',
  azp: APP,
  azpacr: '0',
  oid: OID,
  sub: 'pairwise',
  scp: 'user_impersonation',
  preferred_username: 'sam.analyst@wingtip-lab.example',
  idtyp: 'user',
};
const v1App = {
  ver: '1.0',
  appid: 'c0ffee00-1234-4abc-9def-0123456789ab',
  appidacr: '2',
  oid: '4d6f8a0c-2e4a-4c6e-9f8a-0b2c4d6e8f32',
  sub: '4d6f8a0c-2e4a-4c6e-9f8a-0b2c4d6e8f32',
  idtyp: 'app',
};
const v2App = {
  ver: '2.0',
  azp: 'c0ffee00-1234-4abc-9def-0123456789ab',
  azpacr: '2',
  oid: '4d6f8a0c-2e4a-4c6e-9f8a-0b2c4d6e8f32',
  roles: ['Incidents.Approve'],
};

function without(claims: Record<string, unknown>, ...names: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(claims).filter(([name]) => !names.includes(name)));
}

describe('tokenHolder', () => {
  it.each([
    ['a v1 user token (no idtyp, scp and upn)', v1User],
    ['a v1 user token with scp only', without(v1User, 'upn', 'unique_name')],
    ['a v1 user token with upn only', without(v1User, 'scp')],
    ['a v2 user token with idtyp user', v2User],
    ['a v2 user token without idtyp', without(v2User, 'idtyp')],
    ['a token saying idtyp user even without scp', without(v2User, 'scp')],
  ])('%s names a person by oid', (_label, claims) => {
    expect(tokenHolder(claims)).toMatchObject({ kind: 'user', objectId: OID });
  });

  it('takes the name from upn (v1) or preferred_username (v2), then unique_name', () => {
    expect(tokenHolder(v1User)).toEqual({ kind: 'user', objectId: OID, name: 'sam.analyst@wingtip-lab.example' });
    expect(tokenHolder(v2User)).toEqual({ kind: 'user', objectId: OID, name: 'sam.analyst@wingtip-lab.example' });
    expect(tokenHolder({ ...without(v1User, 'upn'), unique_name: 'guest@other.example' })).toMatchObject({ name: 'guest@other.example' });
    expect(tokenHolder(without(v1User, 'upn', 'unique_name'))).toEqual({ kind: 'user', objectId: OID, name: undefined });
  });

  it('keeps control characters out of the recorded name and bounds it', () => {
    expect(tokenHolder({ ...v2User, preferred_username: 'sam\n(oid forged)\u2028@x.example' })).toMatchObject({
      name: 'sam(oid forged)@x.example',
    });
    expect((tokenHolder({ ...v2User, preferred_username: 'a'.repeat(5000) }) as { name: string }).name).toHaveLength(256);
  });

  it.each([
    ['a v1 app token with idtyp app', v1App],
    ['a v1 app token without idtyp (no scp, no upn)', without(v1App, 'idtyp')],
    ['a v2 app token without idtyp, roles only', v2App],
    ['an app token carrying scp but saying idtyp app', { ...v1App, scp: 'user_impersonation' }],
  ])('%s is an app', (_label, claims) => {
    expect(tokenHolder(claims)).toMatchObject({ kind: 'app', appId: 'c0ffee00-1234-4abc-9def-0123456789ab' });
  });

  it.each([
    ['an unknown idtyp', { ...v2User, idtyp: 'device' }, /idtyp/],
    ['a non-string idtyp', { ...v2User, idtyp: 1 }, /idtyp/],
    ['a user token without oid', without(v2User, 'oid'), /oid/],
    ['an empty oid', { ...v1User, oid: ' ' }, /oid/],
    ['an app token without appid or azp', without(v1App, 'appid'), /appid/],
  ])('refuses %s with 401', (_label, claims, message) => {
    let thrown: unknown;
    try {
      tokenHolder(claims);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AuthError);
    expect((thrown as AuthError).status).toBe(401);
    expect((thrown as AuthError).message).toMatch(message);
  });

  it('does not take an empty scp or upn as a person', () => {
    expect(tokenHolder({ ...without(v1App, 'idtyp'), scp: '', upn: '  ' })).toMatchObject({ kind: 'app' });
  });
});

describe('appRoles', () => {
  it('returns the string roles exactly', () => {
    expect(appRoles({ roles: ['Incidents.Approve', 'Incidents.Read'] })).toEqual(['Incidents.Approve', 'Incidents.Read']);
    expect(appRoles({ roles: ['incidents.approve', 7, null] })).toEqual(['incidents.approve']);
  });

  it.each([[{}], [{ roles: 'Incidents.Approve' }], [{ roles: null }]])('returns none for %p', (claims) => {
    expect(appRoles(claims)).toEqual([]);
  });
});

describe('groupMembership', () => {
  const GROUP = '6a2c4e8f-0b1d-4f3a-9c5e-7d9f1b3a5c61';

  it('finds a listed group, case-insensitively', () => {
    expect(groupMembership({ groups: ['aaaa', GROUP.toUpperCase()] }, [GROUP])).toBe('member');
  });

  it.each([[{}], [{ groups: [] }], [{ groups: ['0f0e0d0c-0b0a-4909-8807-060504030201'] }], [{ groups: GROUP }]])(
    'is not-member for %p',
    (claims) => {
      expect(groupMembership(claims, [GROUP])).toBe('not-member');
    },
  );

  it.each([
    [
      '_claim_names.groups (overage)',
      { _claim_names: { groups: 'src1' }, _claim_sources: { src1: { endpoint: 'https://graph.windows.net/...' } } },
    ],
    ['hasgroups (implicit flow overage)', { hasgroups: true }],
    ['an overage beside a groups list', { groups: [GROUP], _claim_names: { groups: 'src1' } }],
  ])('is overage for %s, whatever else the token says', (_label, claims) => {
    expect(groupMembership(claims, [GROUP])).toBe('overage');
  });
});
