// Every Bicep file under infra/ compiles and lints with the real Bicep CLI, with no error and no warning
// (bicepconfig.json turns off, with reasons, the rules we do not follow), and what the templates would
// deploy is checked: `bicep snapshot` evaluates a template offline for given parameters into the
// resources ARM would create, so the playbook's actions, the automation rules and the webhook URI are
// asserted as deployed, not as source text. CI installs the CLI with scripts/install-bicep.sh; where
// there is none (a laptop), these tests say so and are skipped, but with CI=true a missing CLI fails.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const IN_CI = /^(1|true)$/i.test(process.env.CI ?? '');

function findBicep(): string | undefined {
  const candidates = [
    process.env.BICEP_CLI,
    path.join(ROOT, '.tools/bin/bicep'),
    ...(process.env.PATH ?? '').split(path.delimiter).map((dir) => path.join(dir, 'bicep')),
    path.join(os.homedir(), '.azure/bin/bicep'), // where `az bicep install` puts it
  ];
  for (const candidate of candidates) {
    if (!candidate || !fs.existsSync(candidate)) continue;
    const probe = spawnSync(candidate, ['--version'], { encoding: 'utf8' });
    if (probe.status === 0 && /Bicep CLI version/.test(probe.stdout)) return candidate;
  }
  return undefined;
}

function bicepFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory() ? bicepFiles(path.join(dir, entry.name)) : entry.name.endsWith('.bicep') ? [path.join(dir, entry.name)] : [],
    )
    .sort();
}

interface Diagnostic {
  file: string;
  level: string;
  code: string;
  message: string;
}

/** Bicep prints diagnostics as `file(line,col) : Level code: message`. */
function diagnostics(output: string): Diagnostic[] {
  const found: Diagnostic[] = [];
  for (const line of output.split('\n')) {
    const match = /^(.*)\((\d+),(\d+)\) : (Error|Warning|Info) ([^:]+): (.*)$/.exec(line.trim());
    if (match) found.push({ file: `${path.relative(ROOT, match[1])}:${match[2]}`, level: match[4], code: match[5], message: match[6] });
  }
  return found;
}

interface Run {
  status: number | null;
  output: string;
}

/** Runs the CLI without blocking, so build and lint run side by side. */
function run(cli: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cli, args, { cwd: ROOT, env: { ...process.env, ...env } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, output }));
  });
}

const bicep = findBicep();
const INFRA = path.join(ROOT, 'infra');

// The made-up Azure the snapshots are evaluated in.
const SUBSCRIPTION = '00000000-0000-0000-0000-000000000001';
const TENANT = '44444444-4444-4444-4444-444444444444';
const SENTINEL_RG = 'rg-sentinel';
const APP_RG = 'rg-aitm';
const WORKSPACE_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${SENTINEL_RG}/providers/Microsoft.OperationalInsights/workspaces/law-sentinel`;
const SITE_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${APP_RG}/providers/Microsoft.Web/sites/func-aitm`;
const CONTAIN_URL = 'https://func-aitm.azurewebsites.net/api/contain';
const KEY_SECRET_URI = 'https://kv-aitm.vault.azure.net/secrets/contain-function-key';
const ANALYTIC_RULE = '22222222-2222-2222-2222-222222222222';
const OTHER_RULE = '55555555-5555-5555-5555-555555555555';
const SENTINEL_PARAMS = {
  workspaceName: 'law-sentinel',
  containUrl: CONTAIN_URL,
  callerIdentityResourceId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/${APP_RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-aitm-caller`,
  callerIdentityPrincipalId: '11111111-1111-1111-1111-111111111111',
  // One rule by id, one by full resource id: both end up as full ids.
  analyticRuleIds: [ANALYTIC_RULE, `${WORKSPACE_ID}/providers/Microsoft.SecurityInsights/alertRules/${OTHER_RULE}`],
  sentinelServicePrincipalId: '33333333-3333-3333-3333-333333333333',
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- evaluated ARM resources: any JSON shape
type Json = any;
interface Snapshot {
  predictedResources: Json[];
  diagnostics: unknown[];
}

/** The azd environment after step 1 (the outputs of infra/main.bicep), as the README's steps have it. */
const AZD_OUTPUTS = {
  SENTINEL_WORKSPACE: 'law-sentinel',
  CONTAIN_URL,
  CALLER_IDENTITY_RESOURCE_ID: SENTINEL_PARAMS.callerIdentityResourceId,
  CALLER_IDENTITY_PRINCIPAL_ID: SENTINEL_PARAMS.callerIdentityPrincipalId,
  FUNCTION_KEY_SECRET_URI: KEY_SECRET_URI,
  FUNCTION_IDENTITY_PRINCIPAL_ID: '66666666-6666-6666-6666-666666666666',
};

/** The parameter values infra/sentinel/main.bicepparam yields in an environment. */
async function sentinelParamsFrom(cli: string, env: Record<string, string>): Promise<Record<string, unknown>> {
  const clean = { WEBHOOK_AUDIENCE: '', HUNT_BACKEND: '', SENTINEL_ANALYTIC_RULE_IDS: '', SENTINEL_SERVICE_PRINCIPAL_ID: '', ...env };
  const result = await run(cli, ['build-params', path.join(INFRA, 'sentinel/main.bicepparam'), '--stdout'], clean);
  if (result.status !== 0) throw new Error(`bicep build-params infra/sentinel/main.bicepparam failed: ${result.output}`);
  const { parametersJson } = JSON.parse(result.output) as { parametersJson: string };
  const parameters = (JSON.parse(parametersJson) as { parameters: Record<string, { value: unknown }> }).parameters;
  return Object.fromEntries(Object.entries(parameters).map(([name, { value }]) => [name, value]));
}

/** Evaluates `template` (relative to infra/) with `params` in the made-up Azure: the resources it would deploy. */
async function snapshot(
  cli: string,
  dir: string,
  name: string,
  template: string,
  params: Record<string, unknown>,
  resourceGroup: string,
): Promise<Snapshot> {
  const file = path.join(dir, `${name}.bicepparam`);
  const lines = [`using '${path.relative(dir, path.join(INFRA, template)).split(path.sep).join('/')}'`];
  for (const [key, value] of Object.entries(params))
    lines.push(`param ${key} = ${JSON.stringify(value).replace(/'/g, "\\'").replace(/"/g, "'")}`);
  fs.writeFileSync(file, lines.join('\n') + '\n');
  const result = await run(cli, [
    'snapshot',
    file,
    '--mode',
    'overwrite',
    '--config',
    path.join(ROOT, 'bicepconfig.json'),
    '--subscription-id',
    SUBSCRIPTION,
    '--tenant-id',
    TENANT,
    '--resource-group',
    resourceGroup,
    '--location',
    'westeurope',
  ]);
  const out = path.join(dir, `${name}.snapshot.json`);
  if (result.status !== 0 || !fs.existsSync(out)) throw new Error(`bicep snapshot ${template} failed: ${result.output}`);
  const evaluated = JSON.parse(fs.readFileSync(out, 'utf8')) as Snapshot;
  if (evaluated.diagnostics.length > 0) throw new Error(`bicep snapshot ${template}: ${JSON.stringify(evaluated.diagnostics)}`);
  return evaluated;
}

function workflowOf(evaluated: Snapshot): Json {
  return evaluated.predictedResources.find((resource) => resource.type === 'Microsoft.Logic/workflows');
}

function workflowActions(evaluated: Snapshot): Record<string, Json> {
  return workflowOf(evaluated).properties.definition.actions as Record<string, Json>;
}

function isComment(action: Json): boolean {
  return action.type === 'ApiConnection' && action.inputs?.path === '/Incidents/Comment';
}

type RunStatus = 'Succeeded' | 'Failed' | 'TimedOut' | 'Skipped';

/**
 * A Logic Apps run over the workflow's runAfter graph: an action runs once its predecessors have
 * finished, if each ended in a status its runAfter lists, and is Skipped otherwise. An action that
 * runs ends as `outcomes` says (Succeeded by default); a Terminate that runs ends the run.
 */
function simulate(
  actions: Record<string, Json>,
  outcomes: Record<string, RunStatus>,
): { statuses: Record<string, RunStatus>; terminated?: string } {
  const statuses: Record<string, RunStatus> = {};
  let terminated: string | undefined;
  const pending = new Set(Object.keys(actions));
  while (pending.size > 0 && terminated === undefined) {
    const ready = [...pending].find((name) => Object.keys(actions[name].runAfter ?? {}).every((before) => before in statuses));
    if (!ready) throw new Error(`runAfter cycle or unknown predecessor among ${[...pending].join(', ')}`);
    pending.delete(ready);
    const runAfter = (actions[ready].runAfter ?? {}) as Record<string, RunStatus[]>;
    const runs = Object.entries(runAfter).every(([before, allowed]) => allowed.includes(statuses[before]));
    statuses[ready] = runs ? (outcomes[ready] ?? 'Succeeded') : 'Skipped';
    if (runs && actions[ready].type === 'Terminate') terminated = actions[ready].inputs.runStatus as string;
  }
  return { statuses, terminated };
}

/** An ARM template expression without its brackets. */
function expressionOf(value: unknown): string {
  const text = String(value);
  return text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : `'${text}'`;
}

/** Top-level arguments of an ARM function call's argument list (quotes and nesting respected). */
function splitArguments(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (const char of list) {
    if (char === "'") quoted = !quoted;
    if (!quoted && (char === '(' || char === '[')) depth += 1;
    if (!quoted && (char === ')' || char === ']')) depth -= 1;
    if (!quoted && depth === 0 && char === ',') {
      parts.push(current.trim());
      current = '';
      continue;
    }
    current += char;
  }
  parts.push(current.trim());
  return parts;
}

/** Every role assignment in every compiled template under `dir`, nested deployments included. */
function roleAssignments(dir: string): Array<{ file: string; resource: Json }> {
  const found: Array<{ file: string; resource: Json }> = [];
  const walk = (template: Json, file: string): void => {
    const resources: Json[] = Array.isArray(template.resources) ? template.resources : Object.values(template.resources ?? {});
    for (const resource of resources) {
      if (resource.type === 'Microsoft.Authorization/roleAssignments') found.push({ file, resource });
      if (resource.properties?.template) walk(resource.properties.template, file);
    }
  };
  const files = (sub: string): string[] =>
    fs
      .readdirSync(path.join(dir, sub), { withFileTypes: true })
      .flatMap((entry) =>
        entry.isDirectory()
          ? files(path.join(sub, entry.name))
          : entry.name.endsWith('.json') && !entry.name.includes('.snapshot')
            ? [path.join(sub, entry.name)]
            : [],
      );
  for (const file of files('')) walk(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')), file.split(path.sep).join('/'));
  return found;
}

/** The literal app settings in an evaluated app template: NAME -> value ('' means left out of the app). */
function appSettingsOf(evaluated: Snapshot): Record<string, string> {
  const config = evaluated.predictedResources.find((resource) => resource.type === 'Microsoft.Web/sites/config');
  const settings: Record<string, string> = {};
  for (const match of String(config.properties).matchAll(/createObject\('key', '(\w+)', 'value', '((?:[^']|'')*)'\)/g))
    settings[match[1]] = match[2].replace(/''/g, "'");
  return settings;
}

if (!bicep) {
  if (IN_CI) {
    test('the Bicep CLI is installed (CI runs scripts/install-bicep.sh)', () => {
      throw new Error('no Bicep CLI found (BICEP_CLI, .tools/bin/bicep, PATH, ~/.azure/bin); CI must compile and lint infra/');
    });
  } else {
    console.warn(
      'Bicep CLI not found: infra/ is not compiled or linted here. Run `npm run bicep:install` (needs the .NET SDK) or set BICEP_CLI.',
    );
    test.skip('bicep build and lint of infra/ (skipped: no Bicep CLI on this machine)', () => undefined);
  }
} else {
  describe(`Bicep CLI (${bicep})`, () => {
    let outDir: string;
    let build: Run;
    let lint: Run;
    let sentinelKey: Snapshot;
    let sentinelToken: Snapshot;
    let actionGroup: Snapshot;
    let app: Snapshot;
    let appAlwaysReady: Snapshot;
    let sentinelParamsKey: Record<string, unknown>;
    let sentinelParamsToken: Record<string, unknown>;

    beforeAll(async () => {
      outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aitm-bicep-'));
      const snapshots = path.join(outDir, 'snapshots');
      fs.mkdirSync(snapshots);
      [build, lint, sentinelKey, sentinelToken, actionGroup, app, appAlwaysReady] = await Promise.all([
        run(bicep, ['build', '--pattern', 'infra/**/*.bicep', '--outdir', outDir]),
        run(bicep, ['lint', '--pattern', 'infra/**/*.bicep']),
        snapshot(
          bicep,
          snapshots,
          'sentinel-key',
          'sentinel/main.bicep',
          { ...SENTINEL_PARAMS, callerAuth: 'function-key', functionKeySecretUri: KEY_SECRET_URI },
          SENTINEL_RG,
        ),
        snapshot(
          bicep,
          snapshots,
          'sentinel-token',
          'sentinel/main.bicep',
          { ...SENTINEL_PARAMS, callerAuth: 'managed-identity', webhookAudience: 'api://aitm-contain' },
          SENTINEL_RG,
        ),
        snapshot(bicep, snapshots, 'action-group', 'monitor/action-group.bicep', { functionAppName: 'func-aitm' }, APP_RG),
        snapshot(bicep, snapshots, 'app', 'main.bicep', { environmentName: 'test' }, APP_RG),
        snapshot(bicep, snapshots, 'app-always-ready', 'main.bicep', { environmentName: 'test', alwaysReadyHttpInstances: 1 }, APP_RG),
      ]);
      [sentinelParamsKey, sentinelParamsToken] = await Promise.all([
        sentinelParamsFrom(bicep, { ...AZD_OUTPUTS, SENTINEL_ANALYTIC_RULE_IDS: ` ${ANALYTIC_RULE}, ${OTHER_RULE} ,` }),
        sentinelParamsFrom(bicep, {
          ...AZD_OUTPUTS,
          WEBHOOK_AUDIENCE: 'api://aitm-contain',
          HUNT_BACKEND: 'log-analytics',
          SENTINEL_SERVICE_PRINCIPAL_ID: SENTINEL_PARAMS.sentinelServicePrincipalId,
        }),
      ]);
    }, 240_000);

    afterAll(() => {
      if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
    });

    test('there is Bicep to check', () => {
      expect(bicepFiles(INFRA).map((file) => path.relative(ROOT, file))).toEqual(
        expect.arrayContaining(['infra/main.bicep', 'infra/sentinel/main.bicep', 'infra/monitor/action-group.bicep']),
      );
    });

    test('bicep build: every file compiles, without errors or warnings', () => {
      expect(diagnostics(build.output)).toEqual([]);
      expect(build.status).toBe(0);
      for (const file of bicepFiles(INFRA)) {
        const compiled = path.join(outDir, path.relative(INFRA, file)).replace(/\.bicep$/, '.json');
        expect({ file: path.relative(ROOT, file), compiled: fs.existsSync(compiled) }).toEqual({
          file: path.relative(ROOT, file),
          compiled: true,
        });
      }
    });

    test('bicep lint: no errors or warnings', () => {
      expect(diagnostics(lint.output)).toEqual([]);
      expect(lint.status).toBe(0);
    });

    test('the compiled template sets every app setting of infra/main.bicep', () => {
      const compiled = fs.readFileSync(path.join(outDir, 'main.json'), 'utf8');
      const block = fs.readFileSync(path.join(INFRA, 'main.bicep'), 'utf8').split('\nvar appSettings = {\n')[1].split('\n}\n')[0];
      const names = [...block.matchAll(/^ {2}([A-Za-z_][A-Za-z0-9_]*): /gm)].map((match) => match[1]);
      expect(names.length).toBeGreaterThan(20);
      expect(names.filter((name) => !compiled.includes(`"${name}"`))).toEqual([]);
    });

    test('the playbook forwards the Sentinel incident trigger body to /api/contain, with the key it read from Key Vault', () => {
      const actions = workflowActions(sentinelKey);
      expect(workflowOf(sentinelKey).properties.definition.triggers.Microsoft_Sentinel_incident.inputs.path).toBe('/incident-creation');
      expect(actions.Contain.inputs).toMatchObject({ method: 'POST', uri: CONTAIN_URL, body: '@triggerBody()' });
      expect(actions.Contain.inputs.headers?.['x-functions-key']).toBe("@{body('Get_function_key')?['value']}");
      expect(actions.Get_function_key.inputs.uri).toBe(`${KEY_SECRET_URI}?api-version=7.4`);
      // The key never shows in the run history.
      expect(actions.Get_function_key.runtimeConfiguration?.secureData?.properties).toEqual(['inputs', 'outputs']);
      expect(actions.Contain.runtimeConfiguration?.secureData?.properties).toEqual(['inputs']);
    });

    describe.each([
      ['function key from Key Vault', () => sentinelKey],
      ['Entra ID token', () => sentinelToken],
    ])('playbook failure paths (%s)', (_mode, snapshotOf) => {
      const actions = () => workflowActions(snapshotOf());
      const comments = () => Object.keys(actions()).filter((name) => isComment(actions()[name]));
      const failable = () => Object.keys(actions()).filter((name) => !isComment(actions()[name]) && actions()[name].type !== 'Terminate');

      test("success: the webhook's answer is the one comment and the run succeeds", () => {
        const run = simulate(actions(), {});
        expect(comments().filter((name) => run.statuses[name] === 'Succeeded')).toEqual(['Comment_answer']);
        expect(run.terminated).toBeUndefined();
      });

      test('every action that can fail, failing or timing out, leads to exactly one comment saying what failed, and a failed run', () => {
        expect(failable().length).toBeGreaterThan(0);
        for (const action of failable()) {
          for (const outcome of ['Failed', 'TimedOut'] as const) {
            const run = simulate(actions(), { [action]: outcome });
            const posted = comments().filter((name) => run.statuses[name] === 'Succeeded');
            expect({ action, outcome, posted: posted.length, answer: posted.includes('Comment_answer') }).toEqual({
              action,
              outcome,
              posted: 1,
              answer: false,
            });
            expect({ action, outcome, message: actions()[posted[0]].inputs.body.message }).toEqual({
              action,
              outcome,
              message: expect.stringContaining(action === 'Get_function_key' ? 'Key Vault' : 'did not complete containment'),
            });
            expect({ action, outcome, terminated: run.terminated }).toEqual({ action, outcome, terminated: 'Failed' });
            // Even when the comment cannot be posted (connector down, role missing), the run ends Failed.
            const silent = simulate(actions(), { [action]: outcome, [posted[0]]: 'Failed' });
            expect({ action, outcome, terminated: silent.terminated }).toEqual({ action, outcome, terminated: 'Failed' });
          }
        }
      });

      test('no comment can carry the key: the secured Key Vault answer is read only for its status and error code', () => {
        for (const name of comments()) {
          const message = String(actions()[name].inputs.body.message);
          for (const use of message.matchAll(/(body|outputs)\('Get_function_key'\)(\?\['[a-zA-Z]+'\])?/g)) {
            expect({ name, use: use[0] }).toEqual({
              name,
              use: expect.stringMatching(/^(body\('Get_function_key'\)\?\['error'\]|outputs\('Get_function_key'\)\?\['statusCode'\])$/),
            });
          }
          expect(message).not.toMatch(/x-functions-key|\['value'\]|inputs\(/);
        }
      });
    });

    test('infra/sentinel/main.bicepparam takes the parameters from the environment (main.bicep outputs + Sentinel facts)', () => {
      expect(sentinelParamsKey).toEqual({
        workspaceName: 'law-sentinel',
        containUrl: CONTAIN_URL,
        callerIdentityResourceId: SENTINEL_PARAMS.callerIdentityResourceId,
        callerIdentityPrincipalId: SENTINEL_PARAMS.callerIdentityPrincipalId,
        callerAuth: 'function-key',
        functionKeySecretUri: KEY_SECRET_URI,
        webhookAudience: '',
        analyticRuleIds: [ANALYTIC_RULE, OTHER_RULE],
        sentinelServicePrincipalId: '',
        functionIdentityPrincipalId: '',
        // Sentinel Responder for write-back only when WRITE_BACK=sentinel (not set here).
        writeBackPrincipalId: '',
      });
      // With caller tokens the playbook sends a token; the hunt's reader role only for log-analytics.
      expect(sentinelParamsToken).toMatchObject({
        callerAuth: 'managed-identity',
        webhookAudience: 'api://aitm-contain',
        analyticRuleIds: [],
        sentinelServicePrincipalId: SENTINEL_PARAMS.sentinelServicePrincipalId,
        functionIdentityPrincipalId: AZD_OUTPUTS.FUNCTION_IDENTITY_PRINCIPAL_ID,
      });
    });

    test('automation rules: on incident creation and on alerts added, both only for the chosen analytics rules, both run the playbook', () => {
      const rules = sentinelKey.predictedResources.filter((resource) => resource.type === 'Microsoft.SecurityInsights/automationRules');
      const playbookId = workflowOf(sentinelKey).id;
      const fromChosenRules = {
        conditionType: 'Property',
        conditionProperties: {
          propertyName: 'IncidentRelatedAnalyticRuleIds',
          operator: 'Contains',
          propertyValues: [
            `${WORKSPACE_ID}/providers/Microsoft.SecurityInsights/alertRules/${ANALYTIC_RULE}`,
            `${WORKSPACE_ID}/providers/Microsoft.SecurityInsights/alertRules/${OTHER_RULE}`,
          ],
        },
      };
      const runPlaybook = [
        { order: 1, actionType: 'RunPlaybook', actionConfiguration: { logicAppResourceId: playbookId, tenantId: TENANT } },
      ];
      expect(rules.map((rule) => rule.properties.triggeringLogic.triggersWhen).sort()).toEqual(['Created', 'Updated']);
      for (const rule of rules) {
        expect(rule.id.startsWith(`${WORKSPACE_ID}/providers/Microsoft.SecurityInsights/automationRules/`)).toBe(true);
        expect(rule.properties.order).toBe(10);
        expect(rule.properties.actions).toEqual(runPlaybook);
        expect(rule.properties.triggeringLogic.isEnabled).toBe(true);
        expect(rule.properties.triggeringLogic.triggersOn).toBe('Incidents');
      }
      const created = rules.find((rule) => rule.properties.triggeringLogic.triggersWhen === 'Created');
      const updated = rules.find((rule) => rule.properties.triggeringLogic.triggersWhen === 'Updated');
      expect(created?.properties.triggeringLogic.conditions).toEqual([fromChosenRules]);
      // Only alerts added: the playbook's own comment is an update too, and must not start it again.
      expect(updated?.properties.triggeringLogic.conditions).toEqual([
        fromChosenRules,
        { conditionType: 'PropertyArrayChanged', conditionProperties: { arrayType: 'Alerts', changeType: 'Added' } },
      ]);
      expect(created?.name).not.toBe(updated?.name);
    });

    test('every role assignment is named guid(scope, principal, role), so it never collides with another grant', () => {
      const assignments = roleAssignments(outDir);
      expect(assignments.map((assignment) => assignment.file)).toEqual(
        expect.arrayContaining([
          'main.json',
          'sentinel/main.json',
          'sentinel/automation-rule.json',
          'sentinel/playbook.json',
          'app/storage.json',
        ]),
      );
      for (const { file, resource } of assignments) {
        const name = expressionOf(resource.name);
        const args = name.startsWith('guid(') && name.endsWith(')') ? splitArguments(name.slice('guid('.length, -1)) : [];
        const scope = resource.scope === undefined ? 'resourceGroup().id' : expressionOf(resource.scope);
        const role = /^subscriptionResourceId\('Microsoft\.Authorization\/roleDefinitions', (.+)\)$/.exec(
          expressionOf(resource.properties.roleDefinitionId),
        )?.[1];
        expect({ file, args }).toEqual({ file, args: [scope, expressionOf(resource.properties.principalId), role] });
      }
      // Evaluated: different principals get different names (a fixed name would repeat).
      const names = sentinelKey.predictedResources
        .filter((resource) => resource.type === 'Microsoft.Authorization/roleAssignments')
        .map((resource) => resource.name);
      expect(new Set(names).size).toBe(names.length);
      expect(names.length).toBe(2);
    });

    test("the action group's webhook carries a function key of contain, never a host key", () => {
      const receiver = actionGroup.predictedResources[0].properties.webhookReceivers[0];
      expect(receiver.serviceUri).toContain(`listKeys('${SITE_ID}/functions/contain', `);
      expect(receiver.serviceUri).toMatch(/\)\.default\)\]$/);
      expect(receiver.serviceUri).not.toMatch(/\/host\/|functionKeys|masterKey/);
    });

    test('always-ready HTTP instances are off by default, and alwaysReadyHttpInstances keeps that many of the HTTP group', () => {
      const scaleOf = (evaluated: Snapshot) =>
        evaluated.predictedResources.find((resource) => resource.type === 'Microsoft.Web/sites').properties.functionAppConfig
          .scaleAndConcurrency;
      expect(scaleOf(app).alwaysReady).toEqual([]);
      expect(scaleOf(appAlwaysReady).alwaysReady).toEqual([{ name: 'http', instanceCount: 1 }]);
      expect(scaleOf(appAlwaysReady).maximumInstanceCount).toBe(100);
    });

    test("the app template sets the approver settings, with the code's defaults", () => {
      const settings = appSettingsOf(app);
      expect(settings).toMatchObject({ APPROVER_ROLE: 'Incidents.Approve', READER_ROLE: 'Incidents.Read', APPROVAL_AUTH: 'token' });
      // Empty: left out of the app (function-app.bicep), so no group restriction unless one is given.
      expect(settings.APPROVER_GROUP_IDS).toBe('');
    });
  });
}
