// CAMPAIGN_CONTAINMENT=contain: two origin incidents of the same campaign hunt at the same time, and each
// other victim is contained exactly once, through the containment path and its safety gates: a protected
// user in the campaign is never touched.
import { CAMPAIGN_USERS, CAMPAIGN_VICTIMS } from '../../dev/simulator/campaign';
import { DEFAULT_LOCAL_SETTINGS } from '../../dev/stack';
import { SCENARIO_NETWORKS, SCENARIO_USERS } from '../../dev/simulator';
import { expectSeededCampaign, writesTo } from '../support/campaign-expectations';
import { useHuntStack } from '../support/hunt-stack';

const protectedVictim = CAMPAIGN_USERS.frankie;
const hunt = useHuntStack('hunt-contain-test-key-0123456789ab', {
  HUNT_BACKEND: 'log-analytics',
  CAMPAIGN_CONTAINMENT: 'contain',
  PROTECTED_ACCOUNTS: `${DEFAULT_LOCAL_SETTINGS.PROTECTED_ACCOUNTS},${protectedVictim.userPrincipalName}`,
});

it('contains every other victim exactly once when two origin incidents hunt at once; never the protected one', async () => {
  const alert = (alertId: string) => ({
    user: SCENARIO_USERS.victim.userPrincipalName,
    alertId,
    severity: 'High',
    sourceIp: SCENARIO_NETWORKS.attacker.ipAddress,
  });
  const [a, b] = await hunt.current.contain(alert('wave-a'), alert('wave-b'));
  const [first, second] = [await hunt.current.incident(a), await hunt.current.incident(b)];
  expect(first.campaign?.id).toBeDefined();
  expect(second.campaign?.id).toBe(first.campaign?.id);
  const campaign = await hunt.current.campaign(first.campaign!.id);
  expectSeededCampaign(campaign);

  const simulator = hunt.current.stack.simulator!;
  const contained = CAMPAIGN_VICTIMS.filter((u) => u.id !== protectedVictim.id);
  for (const user of contained) {
    const state = simulator.tenant.users.find((u) => u.id === user.id);
    expect({ user: user.userPrincipalName, revokeCount: state?.revokeCount, enabled: state?.accountEnabled }).toEqual({
      user: user.userPrincipalName,
      revokeCount: 1,
      enabled: false,
    });
  }
  const victims = campaign.incidents.filter((l) => l.role === 'victim');
  // One incident per victim, however many hunts found them.
  expect(victims.map((v) => v.upn).sort()).toEqual(CAMPAIGN_VICTIMS.map((u) => u.userPrincipalName).sort());
  for (const link of victims) {
    const incident = await hunt.current.incident(link.incidentId);
    // Contained (T0), then diagnosed by its own queued diagnosis.
    if (link.upn === protectedVictim.userPrincipalName) expect(incident.state).toBe('skipped_protected');
    else expect({ state: incident.state, t0: incident.t0 !== undefined }).toEqual({ state: 'diagnosed', t0: true });
  }
  expect(writesTo(simulator, [protectedVictim])).toEqual([]);
  expect(simulator.tenant.users.find((u) => u.id === protectedVictim.id)).toMatchObject({ accountEnabled: true, revokeCount: 0 });
});
