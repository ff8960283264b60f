import { ConfigError, parseConfig, RUNBOOK_HOSTING_ASNS } from '../../shared/config';

const base = { AzureWebJobsStorage: 'UseDevelopmentStorage=true' };

describe('parseConfig', () => {
  it('applies the documented defaults', () => {
    const config = parseConfig(base);
    expect(config.graph).toMatchObject({ baseUrl: 'https://graph.microsoft.com', auth: 'managed-identity' });
    expect(config.containmentMode).toBe('enforce');
    expect(config.minAutoContainSeverity).toBe('high');
    expect(config.blastRadius).toEqual({ max: 10, windowMinutes: 15 });
    expect(config.hostingAsns).toEqual(RUNBOOK_HOSTING_ASNS);
    expect(config.storage).toEqual({ kind: 'connection-string', connectionString: 'UseDevelopmentStorage=true' });
  });

  it('reads protected accounts case-insensitively from a comma or space separated list', () => {
    const config = parseConfig({
      ...base,
      PROTECTED_ACCOUNTS: 'BG-Admin@Contoso.example, 5B1F7C2E-8D3A-4F6B-9C1E-2A7D4E6F8B99 other@x.example',
    });
    expect([...config.protectedAccounts]).toEqual(['bg-admin@contoso.example', '5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b99', 'other@x.example']);
  });

  it.each([
    ['{5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b99}', 'a braced GUID'],
    ['bg-admin', 'a bare alias'],
    ['bg-admin@contoso.example.', 'a trailing dot'],
    ['bg-admin@contoso', 'a domain without a dot'],
    ['CONTOSO\\bg-admin', 'a down-level name'],
    ['bg admin@contoso.example', 'a space (split into a bare alias)'],
  ])('refuses the protected account %j (%s), naming the setting and the entry', (entry) => {
    const env = { ...base, PROTECTED_ACCOUNTS: `ok@contoso.example,${entry}` };
    expect(() => parseConfig(env)).toThrow(ConfigError);
    expect(() => parseConfig(env)).toThrow(/PROTECTED_ACCOUNTS: ".+" is neither a UPN/);
  });

  it('reads the storage timeout and the protected-entry check interval, with defaults', () => {
    expect(parseConfig(base)).toMatchObject({ storageTimeoutMs: 5000, protectedAccountsCheckMinutes: 15 });
    expect(parseConfig({ ...base, STORAGE_TIMEOUT_MS: '800', PROTECTED_ACCOUNTS_CHECK_MINUTES: '5' })).toMatchObject({
      storageTimeoutMs: 800,
      protectedAccountsCheckMinutes: 5,
    });
    expect(() => parseConfig({ ...base, STORAGE_TIMEOUT_MS: '0' })).toThrow(/STORAGE_TIMEOUT_MS/);
  });

  it('allows GRAPH_AUTH=none only for a loopback Graph', () => {
    expect(parseConfig({ ...base, GRAPH_AUTH: 'none', GRAPH_BASE_URL: 'http://127.0.0.1:4000/' }).graph.baseUrl).toBe(
      'http://127.0.0.1:4000',
    );
    expect(() => parseConfig({ ...base, GRAPH_AUTH: 'none' })).toThrow(/GRAPH_AUTH: "none" is allowed only/);
    expect(() => parseConfig({ ...base, GRAPH_AUTH: 'none', GRAPH_BASE_URL: 'http://127.0.0.1.evil.example' })).toThrow(/GRAPH_AUTH/);
  });

  it.each([
    [{ ...base, CONTAINMENT_MODE: 'yolo' }, 'CONTAINMENT_MODE'],
    [{ ...base, BLAST_RADIUS_MAX: '0' }, 'BLAST_RADIUS_MAX'],
    [{ ...base, BLAST_RADIUS_WINDOW_MINUTES: 'ten' }, 'BLAST_RADIUS_WINDOW_MINUTES'],
    [{ ...base, MIN_AUTO_CONTAIN_SEVERITY: 'severe' }, 'MIN_AUTO_CONTAIN_SEVERITY'],
    [{ ...base, GRAPH_BASE_URL: 'ftp://graph' }, 'GRAPH_BASE_URL'],
    [{ ...base, HOSTING_ASNS: '14061,AS16509' }, 'HOSTING_ASNS'],
    [{ ...base, HUNT_BACKEND: 'log-analytics' }, 'LOG_ANALYTICS_WORKSPACE_ID'],
    [{}, 'AzureWebJobsStorage'],
  ])('fails fast naming the bad setting (%j)', (env, setting) => {
    expect(() => parseConfig(env)).toThrow(ConfigError);
    expect(() => parseConfig(env)).toThrow(new RegExp(`\\b${setting}\\b`));
  });

  it('builds identity-based storage endpoints from the account name', () => {
    const config = parseConfig({ AzureWebJobsStorage__accountName: 'stsoc', AzureWebJobsStorage__clientId: 'abc' });
    expect(config.storage).toEqual({
      kind: 'identity',
      queueServiceUri: 'https://stsoc.queue.core.windows.net',
      tableServiceUri: 'https://stsoc.table.core.windows.net',
      clientId: 'abc',
    });
  });

  it('never echoes a setting value that might be a secret', () => {
    try {
      parseConfig({ AzureWebJobsStorage: '', GRAPH_AUTH: 'AccountKey=supersecret' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect((error as Error).message).not.toContain('supersecret');
    }
  });
});

describe('eradication settings', () => {
  const env = { AzureWebJobsStorage: 'UseDevelopmentStorage=true' };

  it('defaults: no automatic eradication, verification at T0 + 5, 15, 60 min, a 60-minute TAP', () => {
    expect(parseConfig(env).eradication).toEqual({ autoKinds: [], verifyAfterMinutes: [5, 15, 60], recoveryTapMinutes: 60 });
  });

  it('reads AUTO_ERADICATE kinds and VERIFY_AFTER_MINUTES in order, once each', () => {
    const config = parseConfig({ ...env, AUTO_ERADICATE: 'inbox_rule, authentication_method', VERIFY_AFTER_MINUTES: '60,0,15,15' });
    expect(config.eradication.autoKinds).toEqual(['inbox_rule', 'authentication_method']);
    expect(config.eradication.verifyAfterMinutes).toEqual([0, 15, 60]);
  });

  it.each([
    ['AUTO_ERADICATE', 'sign_in'],
    ['VERIFY_AFTER_MINUTES', '5,soon'],
    ['VERIFY_AFTER_MINUTES', '20000'],
    ['RECOVERY_TAP_MINUTES', '5'],
    ['RECOVERY_TAP_MINUTES', '50000'],
  ])('refuses %s=%s, naming it', (setting, value) => {
    expect(() => parseConfig({ ...env, [setting]: value })).toThrow(new RegExp(`\\b${setting}\\b`));
  });
});
