// The pivot hunt on HUNT_BACKEND=defender (Graph runHuntingQuery over the simulator's advanced hunting
// stand-in): EntraIdSignInEvents and CloudAppEvents find the seeded campaign exactly, victims are held for
// approval with nothing written to them, and the campaign says what advanced hunting cannot see.
import { CAMPAIGN_USERS, CAMPAIGN_VICTIMS } from '../../dev/simulator/campaign';
import { SCENARIO_NETWORKS, SCENARIO_USERS } from '../../dev/simulator';
import { expectSeededCampaign, writesTo } from '../support/campaign-expectations';
import { useHuntStack } from '../support/hunt-stack';

const hunt = useHuntStack('hunt-defender-test-key-0123456789', { HUNT_BACKEND: 'defender' });

it('finds the campaign, holds its victims, and records the blind spots', async () => {
  const [originId] = await hunt.current.contain({
    user: SCENARIO_USERS.victim.userPrincipalName,
    alertId: 'hunt-def-1',
    severity: 'High',
    sourceIp: SCENARIO_NETWORKS.attacker.ipAddress,
  });
  const campaign = await hunt.current.campaign((await hunt.current.incident(originId)).campaign!.id);
  expectSeededCampaign(campaign);
  const kai = campaign.hits.find((h) => h.upn === CAMPAIGN_USERS.kai.userPrincipalName);
  expect(kai?.asns).toEqual([]);
  const ua = campaign.pivots.find((p) => p.pivot.kind === 'userAgent');
  expect(ua?.via).toMatch(/no ASN column/);
  const consent = campaign.pivots.find((p) => p.pivot.kind === 'clientId');
  expect(consent).toMatchObject({ status: 'not_visible' });
  expect(consent?.detail).toMatch(/^Defender advanced hunting: advanced hunting has no Entra audit table/);
  const queries = hunt.current.stack
    .simulator!.requestLog.filter((e) => e.path === '/v1.0/security/runHuntingQuery')
    .map((e) => (e.body as { Query: string }).Query);
  expect(queries.some((q) => q.includes('EntraIdSignInEvents'))).toBe(true);
  expect(queries.some((q) => q.includes('CloudAppEvents'))).toBe(true);
  for (const link of campaign.incidents.filter((l) => l.role === 'victim')) expect(link.state).toBe('awaiting_approval');
  expect(writesTo(hunt.current.stack.simulator!, CAMPAIGN_VICTIMS)).toEqual([]);
});
