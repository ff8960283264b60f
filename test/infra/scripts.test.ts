// infra/scripts/*.sh against a stand-in Azure CLI (fixtures/fake-az.js): dry run changes nothing,
// --apply changes only what is missing, a second run changes nothing, and the permission table the
// script grants from is the one the README shows.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const GRANT = path.join(ROOT, 'infra/scripts/grant-graph-permissions.sh');
const STORE_KEY = path.join(ROOT, 'infra/scripts/store-function-key.sh');
const PRINCIPAL = '11111111-2222-3333-4444-555555555555';
const GRAPH_SP = '99999999-0000-0000-0000-000000000000';
const PRIVILEGED_AUTH_ADMIN = '7be44c8a-adaf-4e2a-84d6-ab2649e08a13';
const USER_ADMIN = 'fe930be7-5e62-47db-91af-98c3a49a38b1';

/** phase -> permissions, from the table in the script (`--list`). */
function scriptPermissions(): Array<{ phase: string; permission: string; step: string }> {
  const source = fs.readFileSync(GRANT, 'utf8');
  const table = source.split('PERMISSIONS="')[1].split('"\n')[0];
  return table.split('\n').map((line) => {
    const [phase, permission, , step] = line.split('|');
    return { phase, permission, step };
  });
}

interface World {
  dir: string;
  state: string;
  log: string;
}

const worlds: string[] = [];
afterAll(() => {
  for (const dir of worlds) fs.rmSync(dir, { recursive: true, force: true });
});

function world(initial: Record<string, unknown> = {}): World {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aitm-scripts-'));
  worlds.push(dir);
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.writeFileSync(
    path.join(dir, 'bin/az'),
    `#!/bin/sh\nexec "${process.execPath}" "${path.join(__dirname, 'fixtures/fake-az.js')}" "$@"\n`,
    { mode: 0o755 },
  );
  const roles = [...new Set(scriptPermissions().map((p) => p.permission)), 'Mail.Read'].map((value, index) => ({
    value,
    id: `00000000-0000-0000-0000-${String(index + 1).padStart(12, '0')}`,
  }));
  const state = {
    graphSpId: GRAPH_SP,
    roles,
    principals: { [PRINCIPAL]: 'id-aitm-func-test' },
    assignments: [],
    roleAssignments: [],
    apps: { 'rg-aitm/func-aitm': {} },
    secrets: {},
    ...initial,
  };
  fs.writeFileSync(path.join(dir, 'state.json'), JSON.stringify(state));
  fs.writeFileSync(path.join(dir, 'calls.log'), '');
  return { dir, state: path.join(dir, 'state.json'), log: path.join(dir, 'calls.log') };
}

function run(w: World, script: string, args: string[], env: Record<string, string> = {}) {
  fs.writeFileSync(w.log, '');
  const result = spawnSync('bash', [script, ...args], {
    encoding: 'utf8',
    env: { PATH: `${path.join(w.dir, 'bin')}:${process.env.PATH}`, FAKE_AZ_STATE: w.state, FAKE_AZ_LOG: w.log, ...env },
  });
  const calls = fs
    .readFileSync(w.log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as string[]);
  const writes = calls.filter((call) => {
    const method = call[call.indexOf('--method') + 1];
    return (
      (call[0] === 'rest' && method !== 'GET') || call.slice(0, 4).some((word) => ['set', 'delete', 'update', 'create'].includes(word))
    );
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls, writes };
}

function stateOf(w: World) {
  return JSON.parse(fs.readFileSync(w.state, 'utf8')) as {
    roles: Array<{ value: string; id: string }>;
    assignments: Array<{ appRoleId: string; id: string }>;
    roleAssignments: Array<{ roleDefinitionId: string }>;
    apps: Record<string, { host?: Record<string, string>; functions?: Record<string, Record<string, string>> }>;
    secrets: Record<string, string>;
  };
}

function granted(w: World): string[] {
  const state = stateOf(w);
  return state.assignments.map((a) => state.roles.find((r) => r.id === a.appRoleId)?.value ?? a.appRoleId).sort();
}

const permissionsOf = (...phases: string[]) =>
  [
    ...new Set(
      scriptPermissions()
        .filter((p) => phases.includes(p.phase))
        .map((p) => p.permission),
    ),
  ].sort();

describe('grant-graph-permissions.sh', () => {
  test('dry run by default: reports what it would grant and changes nothing', () => {
    const w = world();
    const result = run(w, GRANT, ['--principal-id', PRINCIPAL]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/DRY RUN/);
    for (const permission of permissionsOf('contain')) expect(result.stdout).toContain(`grant    ${permission}`);
    expect(result.stdout).toMatch(/skipped +directory role Privileged Authentication Administrator/);
    expect(result.writes).toEqual([]);
    expect(granted(w)).toEqual([]);
  });

  test('--apply grants what the contain phase needs, once; a second run changes nothing', () => {
    const w = world();
    const first = run(w, GRANT, ['--apply'], { FUNCTION_IDENTITY_PRINCIPAL_ID: PRINCIPAL });
    expect(first.status).toBe(0);
    expect(granted(w)).toEqual(permissionsOf('contain'));
    expect(first.writes).toHaveLength(permissionsOf('contain').length);
    const second = run(w, GRANT, ['--apply'], { FUNCTION_IDENTITY_PRINCIPAL_ID: PRINCIPAL });
    expect(second.status).toBe(0);
    expect(second.writes).toEqual([]);
    expect(second.stdout).not.toMatch(/ grant /);
  });

  test('--phases all --privileged-role grants every phase and the directory role, idempotently', () => {
    const w = world();
    const first = run(w, GRANT, ['--principal-id', PRINCIPAL, '--phases', 'all', '--privileged-role', '--apply']);
    expect(first.status).toBe(0);
    expect(granted(w)).toEqual(permissionsOf('contain', 'diagnose', 'hunt', 'eradicate', 'writeback'));
    expect(stateOf(w).roleAssignments).toEqual([expect.objectContaining({ roleDefinitionId: PRIVILEGED_AUTH_ADMIN })]);
    const second = run(w, GRANT, ['--principal-id', PRINCIPAL, '--phases', 'all', '--privileged-role', '--apply']);
    expect(second.writes).toEqual([]);
    expect(second.stdout).toMatch(/ok +directory role Privileged Authentication Administrator/);
  });

  test('phases add up: diagnose brings contain along, and a later phase is granted on top', () => {
    const w = world();
    run(w, GRANT, ['--principal-id', PRINCIPAL, '--phases', 'diagnose', '--apply']);
    expect(granted(w)).toEqual(permissionsOf('contain', 'diagnose'));
    const more = run(w, GRANT, ['--principal-id', PRINCIPAL, '--phases', 'diagnose,eradicate', '--apply']);
    // The new permissions, and the User Administrator role password resets need app-only.
    expect(more.writes).toHaveLength(
      permissionsOf('contain', 'diagnose', 'eradicate').length - permissionsOf('contain', 'diagnose').length + 1,
    );
    expect(stateOf(w).roleAssignments).toEqual([expect.objectContaining({ roleDefinitionId: USER_ADMIN })]);
  });

  test('eradicate asks for the per-method permissions, never the broad UserAuthenticationMethod.ReadWrite.All', () => {
    const eradicate = permissionsOf('eradicate');
    expect(eradicate).toEqual(
      expect.arrayContaining([
        'UserAuthMethod-Phone.ReadWrite.All',
        'UserAuthMethod-TAP.ReadWrite.All',
        'User-PasswordProfile.ReadWrite.All',
        'Device.ReadWrite.All',
      ]),
    );
    expect(eradicate).not.toContain('UserAuthenticationMethod.ReadWrite.All');
    const w = world();
    const dry = run(w, GRANT, ['--principal-id', PRINCIPAL, '--phases', 'eradicate']);
    expect(dry.stdout).toMatch(/assign +directory role User Administrator/);
    expect(dry.writes).toEqual([]);
  });

  test('a permission the phases do not need is reported, and removed only with --prune --apply', () => {
    const w = world({
      assignments: [{ principalId: PRINCIPAL, resourceId: GRAPH_SP, appRoleId: 'placeholder', id: 'asg-mail' }],
    });
    const state = stateOf(w);
    state.assignments[0].appRoleId = state.roles.find((r) => r.value === 'Mail.Read')!.id;
    fs.writeFileSync(w.state, JSON.stringify(state));
    const report = run(w, GRANT, ['--principal-id', PRINCIPAL, '--apply']);
    expect(report.stdout).toMatch(/extra +Mail\.Read/);
    expect(granted(w)).toContain('Mail.Read');
    const dry = run(w, GRANT, ['--principal-id', PRINCIPAL, '--prune']);
    expect(dry.stdout).toMatch(/remove +Mail\.Read/);
    expect(dry.writes).toEqual([]);
    const prune = run(w, GRANT, ['--principal-id', PRINCIPAL, '--prune', '--apply']);
    expect(prune.writes).toEqual([expect.arrayContaining(['DELETE'])]);
    expect(granted(w)).toEqual(permissionsOf('contain'));
  });

  test('a permission name the tenant does not know fails loudly', () => {
    const w = world();
    const state = stateOf(w);
    state.roles = state.roles.filter((r) => r.value !== 'User.RevokeSessions.All');
    fs.writeFileSync(w.state, JSON.stringify(state));
    const result = run(w, GRANT, ['--principal-id', PRINCIPAL]);
    expect(result.status).toBe(2);
    expect(result.stdout).toMatch(/UNKNOWN +User\.RevokeSessions\.All/);
  });

  test('refuses to run without a valid principal id, or with an unknown phase', () => {
    const w = world();
    expect(run(w, GRANT, []).status).toBe(64);
    expect(run(w, GRANT, ['--principal-id', 'not-a-guid']).status).toBe(64);
    expect(run(w, GRANT, ['--principal-id', PRINCIPAL, '--phases', 'contain,everything']).status).toBe(64);
    expect(run(w, GRANT, ['--principal-id', '22222222-2222-3333-4444-555555555555']).status).not.toBe(0); // no such identity
  });

  test('the README permission table lists exactly the permissions the script grants', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const deploy = readme.slice(readme.indexOf('\n## Deploy to Azure'));
    const table = deploy.slice(deploy.indexOf('| Permission |'));
    const rows = [...table.split('\n\n')[0].matchAll(/^\| `([A-Za-z.-]+)` \| (\w+) \|/gm)].map((m) => `${m[2]} ${m[1]}`);
    expect(rows.sort()).toEqual(
      scriptPermissions()
        .map((p) => `${p.phase} ${p.permission}`)
        .sort(),
    );
  });
});

describe('store-function-key.sh', () => {
  const args = ['--resource-group', 'rg-aitm', '--app', 'func-aitm', '--vault', 'kv-aitm'];

  test('dry run creates nothing; --apply creates a function key of contain and stores it; a second run changes nothing', () => {
    const w = world();
    const dry = run(w, STORE_KEY, args);
    expect(dry.status).toBe(0);
    expect(dry.stdout).toMatch(/create +function key sentinel-playbook of contain/);
    expect(dry.writes).toEqual([]);
    const apply = run(w, STORE_KEY, [...args, '--apply']);
    expect(apply.status).toBe(0);
    const state = stateOf(w);
    const key = state.apps['rg-aitm/func-aitm'].functions?.contain?.['sentinel-playbook'];
    expect(key).toBe('generated-key-1');
    // A key that opens contain only: no host key was made (a host key opens approvals too).
    expect(state.apps['rg-aitm/func-aitm'].host ?? {}).toEqual({});
    expect(apply.writes.filter((call) => call[0] === 'functionapp')).toEqual([
      expect.arrayContaining(['function', 'keys', 'set', '--function-name', 'contain', '--key-name', 'sentinel-playbook']),
    ]);
    expect(state.secrets['kv-aitm/contain-function-key']).toBe(key);
    expect(apply.stdout + apply.stderr).not.toContain(key);
    // The key goes through a file, never on a command line.
    expect(apply.calls.flat().some((arg) => arg.includes(key ?? '?'))).toBe(false);
    const again = run(w, STORE_KEY, [...args, '--apply']);
    expect(again.writes).toEqual([]);
    expect(again.stdout).toMatch(/ok +secret contain-function-key holds the key/);
  });

  test('an existing function key is reused; --rotate replaces key and secret', () => {
    const w = world({ apps: { 'rg-aitm/func-aitm': { functions: { contain: { 'sentinel-playbook': 'existing-key' } } } } });
    run(w, STORE_KEY, [...args, '--apply'], { FUNCTION_KEY_SECRET_NAME: 'webhook-key' });
    expect(stateOf(w).secrets['kv-aitm/webhook-key']).toBe('existing-key');
    run(w, STORE_KEY, [...args, '--apply', '--rotate'], { FUNCTION_KEY_SECRET_NAME: 'webhook-key' });
    expect(stateOf(w).secrets['kv-aitm/webhook-key']).toBe('generated-key-1');
    expect(stateOf(w).apps['rg-aitm/func-aitm'].functions?.contain?.['sentinel-playbook']).toBe('generated-key-1');
  });

  test('the host key an earlier version made is replaced by the function key and then removed', () => {
    const w = world({
      apps: { 'rg-aitm/func-aitm': { host: { 'sentinel-playbook': 'old-host-key', default: 'host-default' } } },
      secrets: { 'kv-aitm/contain-function-key': 'old-host-key' },
    });
    const dry = run(w, STORE_KEY, args);
    expect(dry.stdout).toMatch(/remove +host key sentinel-playbook/);
    expect(dry.writes).toEqual([]);
    expect(run(w, STORE_KEY, [...args, '--apply']).status).toBe(0);
    const state = stateOf(w);
    expect(state.secrets['kv-aitm/contain-function-key']).toBe('generated-key-1');
    expect(state.apps['rg-aitm/func-aitm'].host).toEqual({ default: 'host-default' });
  });

  test('takes its defaults from the azd environment and refuses to guess without them', () => {
    const w = world();
    const env = { AZURE_RESOURCE_GROUP: 'rg-aitm', AZURE_FUNCTION_APP_NAME: 'func-aitm', KEY_VAULT_NAME: 'kv-aitm' };
    expect(run(w, STORE_KEY, ['--apply'], env).status).toBe(0);
    expect(run(w, STORE_KEY, []).status).toBe(64);
  });
});

describe('declare-app-roles.sh', () => {
  const DECLARE = path.join(ROOT, 'infra/scripts/declare-app-roles.sh');
  const APP = 'aaaaaaaa-1111-2222-3333-444444444444';
  const ANALYST = 'a1a1a1a1-0000-0000-0000-000000000001';
  const SOC_GROUP = 'b2b2b2b2-0000-0000-0000-000000000002';
  const declared = JSON.parse(fs.readFileSync(path.join(ROOT, 'infra/app-roles.json'), 'utf8')) as Array<{
    id: string;
    value: string;
    allowedMemberTypes: string[];
    isEnabled: boolean;
  }>;
  const approverId = declared.find((role) => role.value === 'Incidents.Approve')?.id;
  const readerId = declared.find((role) => role.value === 'Incidents.Read')?.id;
  const otherRole = {
    id: 'cccccccc-0000-0000-0000-000000000003',
    value: 'Something.Else',
    displayName: 'x',
    description: 'x',
    allowedMemberTypes: ['Application'],
    isEnabled: true,
  };

  function tenant(app: Record<string, unknown> = {}) {
    return world({
      appRegistrations: { [APP]: { appRoles: [otherRole], ...app } },
      users: { 'analyst@contoso.example': ANALYST, [ANALYST]: ANALYST },
      groups: { [SOC_GROUP]: SOC_GROUP },
    });
  }
  const registration = (w: World) =>
    (stateOf(w) as unknown as { appRegistrations: Record<string, { appRoles: typeof declared; spId?: string }> }).appRegistrations[APP];

  test('infra/app-roles.json declares the roles the app and the templates default to, for users', () => {
    expect(declared.map((role) => role.value).sort()).toEqual(['Incidents.Approve', 'Incidents.Read']);
    expect(declared.every((role) => role.isEnabled && role.allowedMemberTypes.join() === 'User')).toBe(true);
    const main = fs.readFileSync(path.join(ROOT, 'infra/main.bicep'), 'utf8');
    expect(main).toMatch(/^param approverRole string = 'Incidents\.Approve'$/m);
    expect(main).toMatch(/^param readerRole string = 'Incidents\.Read'$/m);
    expect(fs.readFileSync(DECLARE, 'utf8')).toContain(`APPROVER_ROLE_ID="${approverId}"`);
    expect(fs.readFileSync(DECLARE, 'utf8')).toContain(`READER_ROLE_ID="${readerId}"`);
  });

  test('dry run reports the roles, the service principal and the assignments it would make, and changes nothing', () => {
    const w = tenant();
    const dry = run(w, DECLARE, ['--app-id', APP, '--approver', 'analyst@contoso.example', '--reader-group', SOC_GROUP]);
    expect(dry.status).toBe(0);
    expect(dry.stdout).toMatch(/add +app role Incidents\.Approve/);
    expect(dry.stdout).toMatch(/add +app role Incidents\.Read/);
    expect(dry.stdout).toMatch(/create +service principal/);
    expect(dry.stdout).toMatch(/assign +Incidents\.Approve -> user analyst@contoso\.example/);
    expect(dry.stdout).toMatch(/assign +Incidents\.Read -> group/);
    expect(dry.writes).toEqual([]);
    expect(registration(w).appRoles).toEqual([otherRole]);
  });

  test("--apply declares both roles beside the app's other roles, assigns them, and a second run changes nothing", () => {
    const w = tenant();
    const apply = run(w, DECLARE, ['--app-id', APP, '--approver', 'analyst@contoso.example', '--reader-group', SOC_GROUP, '--apply']);
    expect(apply.status).toBe(0);
    const app = registration(w);
    expect(app.appRoles).toEqual([otherRole, ...declared]);
    expect(app.spId).toBeTruthy();
    const assignments = stateOf(w).assignments as unknown as Array<{ principalId: string; resourceId: string; appRoleId: string }>;
    expect(assignments.map(({ principalId, resourceId, appRoleId }) => ({ principalId, resourceId, appRoleId }))).toEqual([
      { principalId: ANALYST, resourceId: app.spId, appRoleId: approverId },
      { principalId: SOC_GROUP, resourceId: app.spId, appRoleId: readerId },
    ]);
    // The assignment is made on the app's service principal (appRoleAssignedTo).
    expect(apply.writes.filter((call) => call[0] === 'rest').map((call) => call[call.indexOf('--url') + 1])).toEqual([
      `https://graph.microsoft.com/v1.0/servicePrincipals/${app.spId}/appRoleAssignedTo`,
      `https://graph.microsoft.com/v1.0/servicePrincipals/${app.spId}/appRoleAssignedTo`,
    ]);
    const again = run(w, DECLARE, ['--app-id', APP, '--approver', ANALYST, '--reader-group', SOC_GROUP, '--apply']);
    expect(again.status).toBe(0);
    expect(again.writes).toEqual([]);
    expect(again.stdout).toMatch(/ok +app role Incidents\.Approve/);
    expect(again.stdout).toMatch(/ok +Incidents\.Approve -> user/);
  });

  test('role values follow APPROVER_ROLE / READER_ROLE; a disabled role of that value is enabled, not duplicated', () => {
    const disabled = {
      id: 'dddddddd-0000-0000-0000-000000000004',
      value: 'SOC.Approve',
      displayName: 'x',
      description: 'x',
      allowedMemberTypes: ['Application'],
      isEnabled: false,
    };
    const w = tenant({ appRoles: [otherRole, disabled] });
    const env = { APPROVER_ROLE: 'SOC.Approve', WEBHOOK_AUDIENCE: `api://${APP}` };
    const apply = run(w, DECLARE, ['--approver', 'analyst@contoso.example', '--apply'], env);
    expect(apply.status).toBe(0);
    expect(apply.stdout).toMatch(/enable +app role SOC\.Approve/);
    const roles = registration(w).appRoles;
    expect(roles.filter((role) => role.value === 'SOC.Approve')).toEqual([
      { ...disabled, isEnabled: true, allowedMemberTypes: ['Application', 'User'] },
    ]);
    expect(roles.map((role) => role.value)).toEqual(['Something.Else', 'SOC.Approve', 'Incidents.Read']);
    expect((stateOf(w).assignments as unknown as Array<{ appRoleId: string }>).map((a) => a.appRoleId)).toEqual([disabled.id]);
  });

  test('refuses to guess: no app id, a group by name, or a role value that is not one', () => {
    const w = tenant();
    expect(run(w, DECLARE, []).status).toBe(64);
    expect(run(w, DECLARE, ['--app-id', APP, '--approver-group', 'SOC analysts']).status).toBe(64);
    expect(run(w, DECLARE, ['--app-id', APP], { APPROVER_ROLE: 'Incidents Approve' }).status).toBe(64);
    expect(run(w, DECLARE, ['--app-id', APP], { APPROVER_ROLE: 'Incidents.Read' }).status).toBe(64);
    expect(run(w, DECLARE, ['--app-id', 'eeeeeeee-0000-0000-0000-000000000005']).status).not.toBe(0); // no such app
    expect(stateOf(w).assignments).toEqual([]);
  });
});
