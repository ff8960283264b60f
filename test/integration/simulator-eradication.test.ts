// The simulator's eradication and recovery writes over real HTTP: every DELETE answers as Graph does
// (204, 404 once gone), the documented quirks hold (default method, alternateMobile before mobile,
// generic methods DELETE refused app-only), a missing permission or role is a 403, a Temporary Access
// Pass is readable once, and the scenario helpers re-plant persistence and re-enable as someone else.
import {
  SCENARIO_ATTACK,
  SCENARIO_BENIGN,
  SCENARIO_RETURN,
  SCENARIO_USERS,
  startTenantSimulator,
  type TenantSimulator,
} from '../../dev/simulator';

const NOW = new Date('2026-03-14T12:00:00Z');
const { victim, privileged } = SCENARIO_USERS;
let sim: TenantSimulator;

beforeEach(async () => {
  sim = await startTenantSimulator({ now: () => NOW });
});
afterEach(() => sim.stop());

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${sim.baseUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const errorCode = (json: Record<string, unknown>) => (json.error as { code?: string; message?: string } | undefined)?.code;
const errorMessage = (json: Record<string, unknown>) => (json.error as { message?: string } | undefined)?.message ?? '';

describe('deletes', () => {
  it.each([
    ['inbox rule', `/v1.0/users/${victim.id}/mailFolders/inbox/messageRules/${SCENARIO_ATTACK.inboxRule.id}`],
    ['oauth2PermissionGrant', `/v1.0/oauth2PermissionGrants/${SCENARIO_ATTACK.maliciousApp.grantId}`],
    ['app role assignment', `/v1.0/users/${victim.id}/appRoleAssignments/${SCENARIO_BENIGN.app.appRoleAssignmentId}`],
    ['phone method', `/v1.0/users/${victim.id}/authentication/phoneMethods/${SCENARIO_ATTACK.phoneMethod.id}`],
    ['device', `/v1.0/devices/${SCENARIO_ATTACK.device.id}`],
  ])('%s: 204, then 404 once gone', async (_name, path) => {
    expect((await call('DELETE', path)).status).toBe(204);
    const again = await call('DELETE', path);
    expect(again.status).toBe(404);
    expect(errorCode(again.json)).toMatch(/NotFound/);
  });

  it("a method is deleted through its own type's collection only; the generic route is refused app-only", async () => {
    expect((await call('DELETE', `/v1.0/users/${victim.id}/authentication/emailMethods/${SCENARIO_ATTACK.phoneMethod.id}`)).status).toBe(
      404,
    );
    const generic = await call('DELETE', `/v1.0/users/${victim.id}/authentication/methods/${SCENARIO_ATTACK.phoneMethod.id}`);
    expect(generic.status).toBe(403);
    expect(sim.tenant.authenticationMethods.some((r) => r.method.id === SCENARIO_ATTACK.phoneMethod.id)).toBe(true);
  });

  it('the default method is refused while others exist, and deletable once it is the last', async () => {
    const path = `/v1.0/users/${victim.id}/authentication/microsoftAuthenticatorMethods/${SCENARIO_BENIGN.authenticatorMethod.id}`;
    const refused = await call('DELETE', path);
    expect(refused.status).toBe(400);
    expect(errorMessage(refused.json)).toMatch(/Cannot delete default method with other methods configured/);
    expect((await call('DELETE', `/v1.0/users/${victim.id}/authentication/phoneMethods/${SCENARIO_ATTACK.phoneMethod.id}`)).status).toBe(
      204,
    );
    expect((await call('DELETE', path)).status).toBe(204);
    expect(
      (await call('DELETE', `/v1.0/users/${victim.id}/authentication/passwordMethods/${SCENARIO_BENIGN.passwordMethod.id}`)).status,
    ).toBe(400);
  });

  it('mobile cannot go before alternateMobile', async () => {
    sim.tenant.authenticationMethods.push({
      userId: victim.id,
      registeredDateTime: NOW.toISOString(),
      method: {
        '@odata.type': '#microsoft.graph.phoneAuthenticationMethod',
        id: 'b6332ec1-7057-4abe-9331-3d72feddfe41',
        phoneNumber: '+1 5555550101',
        phoneType: 'alternateMobile',
        smsSignInState: 'notAllowedByPolicy',
      },
    });
    const mobile = `/v1.0/users/${victim.id}/authentication/phoneMethods/${SCENARIO_ATTACK.phoneMethod.id}`;
    expect((await call('DELETE', mobile)).status).toBe(400);
    expect((await call('DELETE', `/v1.0/users/${victim.id}/authentication/phoneMethods/b6332ec1-7057-4abe-9331-3d72feddfe41`)).status).toBe(
      204,
    );
    expect((await call('DELETE', mobile)).status).toBe(204);
  });

  it('a revoked permission is a 403 Authorization_RequestDenied for that kind only', async () => {
    const revoked = await call('POST', '/_sim/app-access', { revoke: ['Device.ReadWrite.All'] });
    expect(revoked.status).toBe(200);
    const refused = await call('DELETE', `/v1.0/devices/${SCENARIO_ATTACK.device.id}`);
    expect(refused.status).toBe(403);
    expect(errorCode(refused.json)).toBe('Authorization_RequestDenied');
    expect((await call('DELETE', `/v1.0/oauth2PermissionGrants/${SCENARIO_ATTACK.maliciousApp.grantId}`)).status).toBe(204);
    expect((await call('DELETE', '/_sim/app-access')).status).toBe(204);
    expect((await call('DELETE', `/v1.0/devices/${SCENARIO_ATTACK.device.id}`)).status).toBe(204);
  });
});

describe('recovery writes', () => {
  it('a Temporary Access Pass is returned once, never readable again, and replaces the previous one', async () => {
    const created = await call('POST', `/v1.0/users/${victim.id}/authentication/temporaryAccessPassMethods`, {
      lifetimeInMinutes: 60,
      isUsableOnce: true,
    });
    expect(created.status).toBe(201);
    const pass = created.json.temporaryAccessPass as string;
    expect(pass.length).toBeGreaterThanOrEqual(8);
    expect(created.json).toMatchObject({ lifetimeInMinutes: 60, isUsableOnce: true, isUsable: true });
    const read = await call('GET', `/v1.0/users/${victim.id}/authentication/temporaryAccessPassMethods/${created.json.id as string}`);
    expect(read.json.temporaryAccessPass).toBeNull();
    expect(JSON.stringify(sim.tenant)).not.toContain(pass);
    expect(JSON.stringify(sim.requestLog)).not.toContain(pass);
    await call('POST', `/v1.0/users/${victim.id}/authentication/temporaryAccessPassMethods`, {});
    expect(
      sim.tenant.authenticationMethods.filter(
        (r) => r.userId === victim.id && r.method['@odata.type'].endsWith('temporaryAccessPassAuthenticationMethod'),
      ),
    ).toHaveLength(1);
    expect(
      (await call('POST', `/v1.0/users/${victim.id}/authentication/temporaryAccessPassMethods`, { lifetimeInMinutes: 5 })).status,
    ).toBe(400);
  });

  it('a password reset needs User-PasswordProfile.ReadWrite.All and a role that covers the target', async () => {
    const reset = { passwordProfile: { password: 'Xy7!kq2Lm#pz', forceChangePasswordNextSignIn: true } };
    expect((await call('PATCH', `/v1.0/users/${victim.id}`, reset)).status).toBe(204);
    // User Administrator does not cover an admin: Privileged Authentication Administrator does.
    expect((await call('PATCH', `/v1.0/users/${privileged.id}`, reset)).status).toBe(403);
    await call('POST', '/_sim/app-access', { directoryRoles: ['Privileged Authentication Administrator'] });
    expect((await call('PATCH', `/v1.0/users/${privileged.id}`, reset)).status).toBe(204);
    await call('POST', '/_sim/app-access', { directoryRoles: [] });
    expect((await call('PATCH', `/v1.0/users/${victim.id}`, reset)).status).toBe(403);
    await call('POST', '/_sim/app-access', {
      directoryRoles: ['User Administrator'],
      revoke: ['User-PasswordProfile.ReadWrite.All'],
      grant: ['User.ReadWrite.All'],
    });
    expect((await call('PATCH', `/v1.0/users/${victim.id}`, reset)).status).toBe(403);
    expect((await call('PATCH', `/v1.0/users/${victim.id}`, { accountEnabled: true })).status).toBe(204);
  });
});

describe('the story after eradication', () => {
  it('re-plants persistence and re-enables the account as someone else, with the audit naming who', async () => {
    expect((await call('POST', '/_sim/replant', {})).status).toBe(204);
    const rules = await call('GET', `/v1.0/users/${victim.id}/mailFolders/inbox/messageRules`);
    expect((rules.json.value as Array<{ id: string }>).map((r) => r.id)).toContain(SCENARIO_RETURN.inboxRule.id);

    sim.tenant.findUser(victim.id)!.accountEnabled = false;
    expect(
      (
        await call('POST', '/_sim/reenable', {
          user: victim.userPrincipalName,
          by: { userPrincipalName: SCENARIO_USERS.blake.userPrincipalName },
        })
      ).status,
    ).toBe(204);
    expect(sim.tenant.findUser(victim.id)!.accountEnabled).toBe(true);
    const audits = await call(
      'GET',
      `/v1.0/auditLogs/directoryAudits?$filter=${encodeURIComponent(`targetResources/any(t:t/id eq '${victim.id}')`)}`,
    );
    const enable = (
      audits.json.value as Array<{ activityDisplayName: string; initiatedBy: { user: { userPrincipalName: string } | null } }>
    ).find((a) => a.activityDisplayName === 'Enable account');
    expect(enable?.initiatedBy.user?.userPrincipalName).toBe(SCENARIO_USERS.blake.userPrincipalName);
  });
});
