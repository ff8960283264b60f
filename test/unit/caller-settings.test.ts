// The caller settings: token settings for people independent of the alert source's allowlist, the
// approval settings, the warnings at start, and the auth level each route is registered with agreeing
// with what shared/auth/callers.ts trusts the host to have checked.
import { authLevelFor, configWarnings, httpAuthLevel, parseConfig, takesAppTokens, type CallerRole } from '../../shared/config';

const base = { AzureWebJobsStorage: 'UseDevelopmentStorage=true' };
const TENANT = '9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d';
const tokens = { WEBHOOK_AUDIENCE: 'api://aitm-contain', WEBHOOK_TENANT_ID: TENANT };
const ROLES: CallerRole[] = ['alert-source', 'reader', 'approver'];

describe('approval settings', () => {
  it('default to user tokens with Incidents.Approve / Incidents.Read and no group restriction', () => {
    expect(parseConfig(base).approvals).toEqual({
      auth: 'token',
      approverRole: 'Incidents.Approve',
      readerRole: 'Incidents.Read',
      approverGroupIds: [],
    });
  });

  it('read APPROVER_ROLE, READER_ROLE, APPROVER_GROUP_IDS (lower-cased) and APPROVAL_AUTH', () => {
    const config = parseConfig({
      ...base,
      APPROVER_ROLE: 'SOC.Approve',
      READER_ROLE: 'SOC.Read',
      APPROVER_GROUP_IDS: '6A2C4E8F-0B1D-4F3A-9C5E-7D9F1B3A5C61',
      APPROVAL_AUTH: 'function-key',
    });
    expect(config.approvals).toEqual({
      auth: 'function-key',
      approverRole: 'SOC.Approve',
      readerRole: 'SOC.Read',
      approverGroupIds: ['6a2c4e8f-0b1d-4f3a-9c5e-7d9f1b3a5c61'],
    });
  });

  it.each([
    [{ APPROVAL_AUTH: 'keys' }, 'APPROVAL_AUTH'],
    [{ APPROVAL_AUTH: 'Function-Key' }, 'APPROVAL_AUTH'],
    [{ APPROVER_ROLE: 'Incidents Approve' }, 'APPROVER_ROLE'],
    [{ READER_ROLE: 'a,b' }, 'READER_ROLE'],
    [{ APPROVER_GROUP_IDS: 'soc-approvers' }, 'APPROVER_GROUP_IDS'],
    [{ WEBHOOK_AUDIENCE: 'api://x' }, 'WEBHOOK_TENANT_ID'],
    [{ WEBHOOK_TENANT_ID: TENANT }, 'WEBHOOK_AUDIENCE'],
    [{ WEBHOOK_ALLOWED_CALLERS: 'c0ffee00-1234-4abc-9def-0123456789ab' }, 'WEBHOOK_ALLOWED_CALLERS'],
    [{ ...tokens, WEBHOOK_TENANT_ID: 'contoso.onmicrosoft.com' }, 'WEBHOOK_TENANT_ID'],
  ])('refuse %p naming %s', (env, name) => {
    expect(() => parseConfig({ ...base, ...env })).toThrow(new RegExp(`${name}:`));
  });

  it('take token settings for people without an allowlist: contain keeps its function key', () => {
    const config = parseConfig({ ...base, ...tokens });
    expect(config.callerTokens).toMatchObject({ audience: 'api://aitm-contain', tenantId: TENANT });
    expect(takesAppTokens(config)).toBe(false);
    expect(takesAppTokens(parseConfig({ ...base, ...tokens, WEBHOOK_ALLOWED_CALLERS: 'c0ffee00-1234-4abc-9def-0123456789ab' }))).toBe(true);
  });
});

describe('configWarnings', () => {
  it('warns that approvals are impossible without token settings, naming them', () => {
    expect(configWarnings(parseConfig(base))).toEqual([
      expect.stringMatching(/no approvals are possible.*WEBHOOK_AUDIENCE and WEBHOOK_TENANT_ID/),
    ]);
  });

  it('warns that APPROVAL_AUTH=function-key is for a lab', () => {
    expect(configWarnings(parseConfig({ ...base, APPROVAL_AUTH: 'function-key' }))).toEqual([expect.stringMatching(/lab only/)]);
  });

  it('says nothing when people can be checked', () => {
    expect(configWarnings(parseConfig({ ...base, ...tokens }))).toEqual([]);
  });
});

describe('route auth levels', () => {
  it("contain is function-level unless allowed callers use app tokens; people's routes are anonymous unless APPROVAL_AUTH=function-key", () => {
    expect(ROLES.map((role) => httpAuthLevel(role, base))).toEqual(['function', 'anonymous', 'anonymous']);
    expect(ROLES.map((role) => httpAuthLevel(role, { ...base, ...tokens }))).toEqual(['function', 'anonymous', 'anonymous']);
    expect(ROLES.map((role) => httpAuthLevel(role, { ...base, ...tokens, WEBHOOK_ALLOWED_CALLERS: 'abc' }))).toEqual([
      'anonymous',
      'anonymous',
      'anonymous',
    ]);
    expect(ROLES.map((role) => httpAuthLevel(role, { ...base, APPROVAL_AUTH: 'function-key' }))).toEqual([
      'function',
      'function',
      'function',
    ]);
  });

  it.each([
    base,
    { ...base, ...tokens },
    { ...base, ...tokens, WEBHOOK_ALLOWED_CALLERS: 'c0ffee00-1234-4abc-9def-0123456789ab, 461e8683-5575-4561-ac7f-899cc907d62a' },
    { ...base, ...tokens, WEBHOOK_ALLOWED_CALLERS: ' ; ' },
    { ...base, APPROVAL_AUTH: 'function-key' },
    { ...base, ...tokens, WEBHOOK_ALLOWED_CALLERS: 'abc', APPROVAL_AUTH: 'function-key' },
  ])('the level read at registration agrees with the parsed configuration (%p)', (env) => {
    const config = parseConfig(env);
    for (const role of ROLES) {
      expect({ role, level: httpAuthLevel(role, env) }).toEqual({
        role,
        level: authLevelFor(role, { appTokenCallers: takesAppTokens(config), approvalAuth: config.approvals.auth }),
      });
    }
  });
});
