// HUNT_BACKEND=log-analytics: sign-ins come from the Sentinel workspace (the simulator's SigninLogs
// stand-in) with user agent and ASN, so the window can start at a hosting-ASN sign-in the alert never
// named; a workspace that refuses us falls back to Graph, and the pack says so. (Its own file:
// configuration is read once per process.)
import { SCENARIO_ATTACK, SCENARIO_NETWORKS, SCENARIO_USERS, type TenantSimulator } from '../../dev/simulator';
import { useDiagnosisStack } from '../support/diagnosis-stack';

const diagnosisStack = useDiagnosisStack('diagnosis-la-test-key-0123456789', { HUNT_BACKEND: 'log-analytics' });
const diagnose = (alert: object) => diagnosisStack.current.diagnose(alert);
let simulator: TenantSimulator;

beforeAll(() => {
  simulator = diagnosisStack.current.stack.simulator!;
});

it('reads sign-ins from SigninLogs with user agent and ASN, and words reasons by the hosting ASN', async () => {
  simulator.clearRequestLog();
  const pack = await diagnose({
    user: SCENARIO_USERS.victim.userPrincipalName,
    alertId: 'la-001',
    severity: 'High',
    sourceIp: SCENARIO_NETWORKS.attacker.ipAddress,
  });
  expect(pack.diagnosis.sources.signIns).toMatchObject({ status: 'complete', items: 8 });
  expect(pack.diagnosis.sources.signIns.via).toMatch(/^Log Analytics SigninLogs \+ AADNonInteractiveUserSignInLogs/);
  expect(pack.diagnosis.window.anchor?.description).toBe(`sign-in from AS14061 (${SCENARIO_NETWORKS.attacker.ipAddress})`);
  expect(pack.diagnosis.window.attackerUserAgents).toEqual([SCENARIO_NETWORKS.attacker.userAgent]);
  const rule = pack.findings.find((f) => f.providerId === SCENARIO_ATTACK.inboxRule.id);
  expect(rule?.reasons).toContain(
    `created from ${SCENARIO_NETWORKS.attacker.ipAddress}, an attacker IP, 10 min after the first sign-in from AS14061 (${SCENARIO_NETWORKS.attacker.ipAddress})`,
  );
  // The diagnosis sign-in query (the hunt's queries follow it).
  const queries = simulator.requestLog.filter(
    (entry) =>
      entry.path.startsWith('/v1/workspaces/') && (entry.body as { query: string }).query.startsWith('union withsource=SignInTable'),
  );
  expect(queries).toHaveLength(1);
  expect((queries[0].body as { query: string }).query).toContain(`UserPrincipalName =~ '${SCENARIO_USERS.victim.userPrincipalName}'`);
  expect(simulator.requestLog.some((entry) => entry.path === '/v1.0/auditLogs/signIns')).toBe(false);
});

it('finds the window from a hosting-ASN sign-in when the alert names no IP (Graph alone could not)', async () => {
  const pack = await diagnose({ user: SCENARIO_USERS.casey.userPrincipalName, alertId: 'la-002', severity: 'High' });
  expect(pack.diagnosis.window.anchor?.description).toBe(`sign-in from AS14061 (${SCENARIO_NETWORKS.attacker.ipAddress})`);
  expect(pack.diagnosis.window.attackerIps).toEqual([SCENARIO_NETWORKS.attacker.ipAddress]);
  const signIn = pack.findings.find((f) => f.kind === 'sign_in');
  expect(signIn?.reasons).toContain('AS14061 is a hosting ASN');
});

it('falls back to Graph when the workspace refuses us, and says so', async () => {
  simulator.addFault({ method: 'POST', path: /^\/v1\/workspaces\//, status: 403, code: 'InsufficientAccessError' });
  try {
    const pack = await diagnose({
      user: SCENARIO_USERS.victim.userPrincipalName,
      alertId: 'la-003',
      severity: 'High',
      sourceIp: SCENARIO_NETWORKS.attacker.ipAddress,
    });
    expect(pack.diagnosis.sources.signIns).toMatchObject({ status: 'complete', items: 8 });
    expect(pack.diagnosis.sources.signIns.via).toMatch(/^Graph v1\.0/);
    expect(pack.diagnosis.sources.signIns.notes).toEqual([
      'Log Analytics unavailable: missing permission Log Analytics Reader on the workspace (Log Analytics 403 InsufficientAccessError): read from Graph instead (interactive sign-ins only, no user agent or ASN)',
    ]);
    expect(pack.diagnosis.window.anchor?.description).toBe(`suspicious sign-in (${SCENARIO_NETWORKS.attacker.ipAddress})`);
  } finally {
    simulator.clearFaults();
  }
});
