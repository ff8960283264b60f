// What every backend's hunt must conclude about the seeded campaign, checked the same way per backend.
import { CAMPAIGN_NETWORKS, CAMPAIGN_NOT_VICTIMS, CAMPAIGN_VICTIMS } from '../../dev/simulator/campaign';
import type { TenantSimulator } from '../../dev/simulator';
import type { Campaign } from '../../shared/campaign/types';
import { isGraphWrite } from './http';

export function suspiciousUpns(campaign: Campaign): string[] {
  return campaign.hits
    .filter((h) => h.verdict === 'suspicious')
    .map((h) => h.upn ?? h.userKey)
    .sort();
}

/** The five victims, the failed sign-in as not evidence, no shared-egress user anywhere. */
export function expectSeededCampaign(campaign: Campaign, victims: readonly { userPrincipalName: string }[] = CAMPAIGN_VICTIMS): void {
  expect(suspiciousUpns(campaign)).toEqual(victims.map((u) => u.userPrincipalName).sort());
  for (const user of CAMPAIGN_NOT_VICTIMS) {
    const hit = campaign.hits.find((h) => h.upn === user.userPrincipalName);
    if (hit) expect(hit.verdict).toBe('not_evidence');
  }
  expect(campaign.hits.some((h) => (h.upn ?? '').startsWith('staff'))).toBe(false);
  expect(campaign.hits.every((h) => !h.ips.includes(CAMPAIGN_NETWORKS.sharedEgress.ipAddress) || h.verdict === 'not_evidence')).toBe(true);
}

/** Graph writes (revoke, disable) the simulator received for these users. */
export function writesTo(simulator: TenantSimulator, users: readonly { id: string; userPrincipalName: string }[]) {
  return simulator.requestLog.filter(
    (e) => isGraphWrite(e) && users.some((u) => e.path.includes(u.id) || e.path.toLowerCase().includes(u.userPrincipalName)),
  );
}
