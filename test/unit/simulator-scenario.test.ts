// The seeded AiTM scenario is a contract: samples, demos and tests name its ids and rely on its timeline,
// so its exact values and offsets from now() are pinned here.
import {
  SCENARIO_ATTACK,
  SCENARIO_BENIGN,
  SCENARIO_CALLER,
  SCENARIO_GROUPS,
  SCENARIO_NETWORKS,
  SCENARIO_TENANT,
  SCENARIO_USERS,
  seedScenario,
} from '../../dev/simulator/scenario';
import { SimulatedTenant } from '../../dev/simulator/tenant';

const NOW = new Date('2026-03-14T12:00:00.789Z');
const at = (minutesBeforeNow: number): string =>
  new Date(Date.parse('2026-03-14T12:00:00Z') - minutesBeforeNow * 60_000).toISOString().replace('.000Z', 'Z');

function seeded(): SimulatedTenant {
  const tenant = new SimulatedTenant(SCENARIO_TENANT.id);
  seedScenario(tenant, NOW);
  return tenant;
}

describe('seeded users', () => {
  it('has the six scenario users with their exact ids and flags', () => {
    const tenant = seeded();
    expect(tenant.users.map((u) => [u.id, u.userPrincipalName, u.accountEnabled, u.onPremisesSyncEnabled, u.directoryRoles])).toEqual([
      ['5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b01', 'avery.chen@wingtip-lab.example', true, null, []],
      ['5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b02', 'blake.morris@wingtip-lab.example', true, null, []],
      ['5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b03', 'casey.nguyen@wingtip-lab.example', true, null, []],
      ['5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b04', 'drew.patel@wingtip-lab.example', true, true, []],
      ['5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b05', 'erin.lopez@wingtip-lab.example', true, null, ['Global Administrator']],
      ['5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b99', 'bg-admin-01@wingtip-lab.example', true, null, ['Global Administrator']],
    ]);
    expect(tenant.findUser('AVERY.CHEN@WINGTIP-LAB.EXAMPLE')?.displayName).toBe('Avery Chen');
    expect(tenant.findUser('5B1F7C2E-8D3A-4F6B-9C1E-2A7D4E6F8B99')?.userPrincipalName).toBe('bg-admin-01@wingtip-lab.example');
    expect(tenant.users.every((u) => u.revokeCount === 0 && u.signInSessionsValidFromDateTime < at(180))).toBe(true);
  });
});

describe('seeded directory', () => {
  it('has the emergency access group holding only the break-glass account', () => {
    const tenant = seeded();
    expect(tenant.groups).toEqual([
      {
        id: '3f9e2d1c-0b4a-4e5f-8a7b-6c5d4e3f2a10',
        displayName: 'Emergency access accounts',
        memberIds: ['5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b99'],
      },
    ]);
    expect(SCENARIO_GROUPS.emergencyAccess.id).toBe(tenant.groups[0].id);
    expect(tenant.transitiveGroupsOf(SCENARIO_USERS.breakGlass.id).map((g) => g.displayName)).toEqual(['Emergency access accounts']);
    expect(tenant.transitiveGroupsOf(SCENARIO_USERS.privileged.id)).toEqual([]);
  });

  it('names the tenant and the calling managed identity', () => {
    expect(SCENARIO_TENANT).toEqual({ id: '9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d', domain: 'wingtip-lab.example' });
    expect(SCENARIO_CALLER).toEqual({
      appId: '0c5e7a9b-1d3f-4b5d-8e7f-9a1b3c5d7e21',
      objectId: '4d6f8a0c-2e4a-4c6e-9f8a-0b2c4d6e8f32',
      displayName: 'sentinel-aitm-playbook',
    });
  });

  it('gives Global Administrator one role object id per tenant, distinct from the template id', () => {
    const tenant = seeded();
    const [erin, breakGlass] = [SCENARIO_USERS.privileged.id, SCENARIO_USERS.breakGlass.id].map((id) => tenant.findUser(id));
    const roles = [erin, breakGlass].flatMap((user) => (user ? tenant.directoryRolesOf(user) : []));
    expect(roles.map((r) => r.roleTemplateId)).toEqual(['62e90394-69f5-4237-9190-012177145e10', '62e90394-69f5-4237-9190-012177145e10']);
    expect(roles[0].id).toBe(roles[1].id);
    expect(roles[0].id).not.toBe(roles[0].roleTemplateId);
    expect(new SimulatedTenant('00000000-0000-4000-8000-000000000001').directoryRole('Global Administrator').id).not.toBe(roles[0].id);
  });
});

describe('SimulatedTenant groups', () => {
  it('follows nested groups and survives a hand-made membership cycle', () => {
    const tenant = new SimulatedTenant();
    const user = tenant.addUser({ userPrincipalName: 'a@x.example' }, NOW);
    const inner = tenant.addGroup({ displayName: 'inner', members: [user.userPrincipalName] });
    const outer = tenant.addGroup({ displayName: 'outer', members: [inner.id] });
    inner.memberIds.push(outer.id);
    expect(
      tenant
        .transitiveGroupsOf(user.id)
        .map((g) => g.displayName)
        .sort(),
    ).toEqual(['inner', 'outer']);
  });

  it('names a role it does not know with a stable, derived template id', () => {
    const tenant = new SimulatedTenant('00000000-0000-4000-8000-000000000001');
    const role = tenant.directoryRole('Helpdesk Operator');
    expect(role).toEqual({
      '@odata.type': '#microsoft.graph.directoryRole',
      id: expect.any(String),
      displayName: 'Helpdesk Operator',
      description: expect.any(String),
      roleTemplateId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
    });
    expect(tenant.directoryRole('Helpdesk Operator')).toEqual(role);
  });
});

describe('the AiTM timeline', () => {
  it('starts with a high-risk sign-in from the hosting-ASN IP three hours ago, user agent and ASN kept aside', () => {
    const tenant = seeded();
    const hostile = tenant.signIns.filter((r) => r.signIn.ipAddress === '198.51.100.23');
    expect(hostile.map((r) => [r.signIn.userPrincipalName, r.signIn.createdDateTime])).toEqual([
      ['casey.nguyen@wingtip-lab.example', at(120)],
      ['avery.chen@wingtip-lab.example', at(141)],
      ['avery.chen@wingtip-lab.example', at(151)],
      ['avery.chen@wingtip-lab.example', at(161)],
      ['avery.chen@wingtip-lab.example', at(175)],
      ['avery.chen@wingtip-lab.example', at(180)],
    ]);
    const first = hostile[hostile.length - 1];
    expect(first.signIn).toMatchObject({
      riskLevelDuringSignIn: 'high',
      status: { errorCode: 0 },
      location: { city: 'Amsterdam' },
      appDisplayName: 'OfficeHome',
    });
    expect(first.userAgent).toBe(
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36',
    );
    expect(hostile.every((r) => r.autonomousSystemNumber === 14061)).toBe(true);
    expect(
      tenant.signIns
        .filter((r) => r.signIn.ipAddress === '192.0.2.10')
        .every((r) => r.autonomousSystemNumber === 8075 && r.signIn.location.city === 'Seattle'),
    ).toBe(true);
  });

  it('plants an inbox rule, a grant, a phone method and a device at their offsets', () => {
    const tenant = seeded();
    const minutes = SCENARIO_ATTACK.minutesBeforeNow;
    expect(minutes).toEqual({
      attackerSignIn: 180,
      inboxRule: 170,
      consent: 160,
      mfaRegistration: 150,
      deviceRegistration: 140,
      campaignPivotSignIn: 120,
    });

    const rule = tenant.messageRules.find((r) => r.rule.displayName === '.');
    expect(rule).toMatchObject({
      createdDateTime: at(170),
      clientIp: '198.51.100.23',
      rule: { actions: { moveToFolder: SCENARIO_ATTACK.inboxRule.moveToFolderId } },
    });
    expect(rule?.rule.actions.forwardTo?.[0].emailAddress.address).toBe('leak0314@protonmail.example');

    const grant = tenant.permissionGrants.find((g) => g.grant.id === SCENARIO_ATTACK.maliciousApp.grantId);
    expect(grant).toMatchObject({
      consentedDateTime: at(160),
      grant: { clientId: SCENARIO_ATTACK.maliciousApp.servicePrincipalId, scope: 'Mail.Read Mail.Send offline_access' },
    });

    const phone = tenant.authenticationMethods.find((m) => m.method['@odata.type'] === '#microsoft.graph.phoneAuthenticationMethod');
    expect(phone).toMatchObject({ registeredDateTime: at(150), method: { phoneNumber: '+1 5555550100' } });

    const device = tenant.devices.find((d) => d.device.displayName === 'DESKTOP-AITM01');
    expect(device?.device.registrationDateTime).toBe(at(140));

    const recentAudits = tenant.directoryAudits.filter((a) => a.activityDateTime >= at(24 * 60));
    expect(recentAudits.map((a) => [a.activityDisplayName, a.activityDateTime])).toEqual([
      ['Register device', at(140)],
      ['Add registered owner to device', at(140)],
      ['User registered security info', at(150)],
      ['Consent to application', at(160)],
    ]);
    expect(recentAudits.every((a) => a.initiatedBy.user?.ipAddress === SCENARIO_NETWORKS.attacker.ipAddress)).toBe(true);
  });

  it('keeps the benign originals older than the attack', () => {
    const tenant = seeded();
    expect(tenant.messageRules.find((r) => r.rule.id === SCENARIO_BENIGN.inboxRule.id)?.createdDateTime).toBe(at(21 * 1440));
    expect(tenant.permissionGrants.find((g) => g.grant.id === SCENARIO_BENIGN.app.grantId)?.consentedDateTime).toBe(at(45 * 1440));
    expect(tenant.devices.find((d) => d.device.id === SCENARIO_BENIGN.device.id)?.device.trustType).toBe('AzureAd');
    expect(tenant.authenticationMethods.filter((m) => m.registeredDateTime < at(24 * 60))).toHaveLength(2);
  });

  it('keeps logs within Entra retention, newest first, with unique ids', () => {
    const tenant = seeded();
    const times = tenant.signIns.map((r) => r.signIn.createdDateTime);
    expect(times).toEqual([...times].sort().reverse());
    expect(times.every((t) => t >= at(30 * 1440))).toBe(true);
    expect(tenant.directoryAudits.every((a) => a.activityDateTime >= at(30 * 1440))).toBe(true);
    const ids = [...tenant.signIns.map((r) => r.signIn.id), ...tenant.directoryAudits.map((a) => a.id)];
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('uses whole-second timestamps from a clock with milliseconds', () => {
    expect(seeded().signIns.every((r) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(r.signIn.createdDateTime))).toBe(true);
  });

  it('exposes the users by role', () => {
    expect(SCENARIO_USERS.breakGlass.id).toBe('5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b99');
    expect(SCENARIO_USERS.casey.userPrincipalName).toBe('casey.nguyen@wingtip-lab.example');
  });
});

describe('SimulatedTenant.addUser', () => {
  it('defaults what is absent, including when a field is explicitly undefined', () => {
    const tenant = new SimulatedTenant();
    const user = tenant.addUser({ userPrincipalName: 'new.hire@wingtip-lab.example', displayName: undefined }, NOW);
    expect(user).toMatchObject({
      displayName: 'new.hire',
      mail: 'new.hire@wingtip-lab.example',
      accountEnabled: true,
      onPremisesSyncEnabled: null,
      createdDateTime: '2026-03-14T12:00:00Z',
    });
  });

  it.each([['no-at-sign'], ['@wingtip-lab.example'], ['someone@']])('refuses the UPN %s', (upn) => {
    expect(() => new SimulatedTenant().addUser({ userPrincipalName: upn }, NOW)).toThrow(TypeError);
  });

  it('refuses a non-GUID id and duplicate ids or UPNs', () => {
    const tenant = new SimulatedTenant();
    expect(() => tenant.addUser({ userPrincipalName: 'a@x.example', id: 'not-a-guid' }, NOW)).toThrow(TypeError);
    const first = tenant.addUser({ userPrincipalName: 'a@x.example' }, NOW);
    expect(() => tenant.addUser({ userPrincipalName: 'A@X.EXAMPLE' }, NOW)).toThrow(/already exists/);
    expect(() => tenant.addUser({ userPrincipalName: 'b@x.example', id: first.id.toUpperCase() }, NOW)).toThrow(/already exists/);
  });
});
