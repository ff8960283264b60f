// HUNT_BACKEND=defender: sign-ins come from Defender XDR advanced hunting (Graph POST
// /security/runHuntingQuery over AADSignInEventsBeta, the simulator's stand-in) with the user agent but no
// ASN (the table has no ASN column); a refused hunting query falls back to Graph, and the pack says so.
// (Its own file: configuration is read once per process.)
import { SCENARIO_NETWORKS, SCENARIO_USERS, type TenantSimulator } from '../../dev/simulator';
import { useDiagnosisStack } from '../support/diagnosis-stack';

const diagnosisStack = useDiagnosisStack('diagnosis-defender-test-key-0123456789', { HUNT_BACKEND: 'defender' });
const diagnose = (alert: object) => diagnosisStack.current.diagnose(alert);
let simulator: TenantSimulator;

beforeAll(() => {
  simulator = diagnosisStack.current.stack.simulator!;
});

it('reads sign-ins from Defender advanced hunting with the user agent, and judges by it', async () => {
  simulator.clearRequestLog();
  const pack = await diagnose({
    user: SCENARIO_USERS.victim.userPrincipalName,
    alertId: 'xdr-001',
    severity: 'High',
    sourceIp: SCENARIO_NETWORKS.attacker.ipAddress,
  });
  expect(pack.diagnosis.sources.signIns).toMatchObject({ status: 'complete', items: 8 });
  expect(pack.diagnosis.sources.signIns.via).toMatch(/^Defender advanced hunting AADSignInEventsBeta/);
  expect(pack.diagnosis.sources.signIns.notes).toBeUndefined();
  expect(pack.diagnosis.window.attackerUserAgents).toEqual([SCENARIO_NETWORKS.attacker.userAgent]);
  // No ASN from this source: the window is anchored by the alert's IP, not a hosting ASN.
  expect(pack.diagnosis.window.anchor?.description).toBe(`suspicious sign-in (${SCENARIO_NETWORKS.attacker.ipAddress})`);
  const signIns = pack.findings.filter((f) => f.kind === 'sign_in' && f.verdict === 'suspicious');
  expect(signIns.some((f) => f.reasons.includes('a user agent this user had not used before the window'))).toBe(true);
  const queries = simulator.requestLog.filter(
    (entry) => entry.path === '/v1.0/security/runHuntingQuery' && (entry.body as { Query: string }).Query.startsWith('AADSignInEventsBeta'),
  );
  expect(queries).toHaveLength(1);
  expect((queries[0].body as { Query: string }).Query).toContain(`AccountUpn =~ '${SCENARIO_USERS.victim.userPrincipalName}'`);
  expect(simulator.requestLog.some((entry) => entry.path === '/v1.0/auditLogs/signIns')).toBe(false);
});

it('falls back to Graph when runHuntingQuery is refused, and says so', async () => {
  simulator.addFault({ method: 'POST', path: '/v1.0/security/runHuntingQuery', status: 403, code: 'Forbidden' });
  try {
    const pack = await diagnose({
      user: SCENARIO_USERS.victim.userPrincipalName,
      alertId: 'xdr-002',
      severity: 'High',
      sourceIp: SCENARIO_NETWORKS.attacker.ipAddress,
    });
    expect(pack.diagnosis.sources.signIns).toMatchObject({ status: 'complete', items: 8 });
    expect(pack.diagnosis.sources.signIns.via).toMatch(/^Graph v1\.0/);
    expect(pack.diagnosis.sources.signIns.notes).toEqual([
      'Defender advanced hunting unavailable: missing permission ThreatHunting.Read.All (Graph 403 Forbidden): read from Graph instead (interactive sign-ins only, no user agent or ASN)',
    ]);
    expect(pack.diagnosis.window.attackerUserAgents).toEqual([]);
  } finally {
    simulator.clearFaults();
  }
});

it('the advanced hunting stand-in refuses a query it does not recognise with a 400', async () => {
  const response = await fetch(`${simulator.baseUrl}/v1.0/security/runHuntingQuery`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ Query: 'DeviceProcessEvents | take 10' }),
  });
  expect(response.status).toBe(400);
  const body = (await response.json()) as { error: { code: string; message: string } };
  expect(body.error.message).toMatch(/DeviceProcessEvents.*does not refer to any known table/);
});
