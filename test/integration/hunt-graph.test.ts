// HUNT_BACKEND=none: the hunt reads Graph v1.0 sign-ins by IP (the reports API, interactive sign-ins), so
// it finds the victims who signed in from the attacker's IP, never the failed sign-in, and the campaign
// says what this backend cannot see (user agents, forwarding addresses, consents, phone numbers).
import { CAMPAIGN_USERS } from '../../dev/simulator/campaign';
import { SCENARIO_NETWORKS, SCENARIO_USERS } from '../../dev/simulator';
import { suspiciousUpns } from '../support/campaign-expectations';
import { useHuntStack } from '../support/hunt-stack';

const hunt = useHuntStack('hunt-graph-test-key-0123456789abc', { HUNT_BACKEND: 'none' });

it('finds sign-ins from the attacker IP through Graph and records its blind spots', async () => {
  const [originId] = await hunt.current.contain({
    user: SCENARIO_USERS.victim.userPrincipalName,
    alertId: 'hunt-graph-1',
    severity: 'High',
    sourceIp: SCENARIO_NETWORKS.attacker.ipAddress,
  });
  const campaign = await hunt.current.campaign((await hunt.current.incident(originId)).campaign!.id);
  const found = suspiciousUpns(campaign);
  expect(found).toEqual(expect.arrayContaining([SCENARIO_USERS.casey.userPrincipalName, CAMPAIGN_USERS.frankie.userPrincipalName]));
  expect(found).not.toContain(CAMPAIGN_USERS.harper.userPrincipalName);
  expect(found.some((upn) => upn.startsWith('staff'))).toBe(false);
  const ip = campaign.pivots.find((p) => p.pivot.kind === 'ip' && p.pivot.value === SCENARIO_NETWORKS.attacker.ipAddress);
  expect(ip?.via).toMatch(/^Graph v1\.0 GET \/auditLogs\/signIns\?\$filter=ipAddress eq \(interactive sign-ins only/);
  // Graph gives no user agent, so none comes from the pack either; the pack's other pivots cannot be hunted here.
  expect(campaign.pivots.some((p) => p.pivot.kind === 'userAgent')).toBe(false);
  for (const kind of ['address', 'clientId', 'phone']) {
    const pivot = campaign.pivots.find((p) => p.pivot.kind === kind);
    expect({ kind, status: pivot?.status }).toEqual({ kind, status: 'not_visible' });
  }
  // Sign-in searches go through the reports API Graph throttles at 5 per 10 s, shared with diagnosis.
  expect(
    hunt.current.stack.simulator!.requestLog.some(
      (e) => e.path === '/v1.0/auditLogs/signIns' && decodeURIComponent(e.query).includes("ipAddress eq '198.51.100.23'"),
    ),
  ).toBe(true);
});
