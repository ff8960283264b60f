// The pivot hunt on HUNT_BACKEND=log-analytics (the simulator's HTTPS Sentinel stand-in, through
// @azure/monitor-query-logs), CAMPAIGN_CONTAINMENT=approve: the seeded campaign is found exactly, each
// victim is held with its evidence and nothing is written to them; the shared egress IP is reported and
// hunts nobody; a workspace that refuses falls back to Graph sign-ins and the campaign says so.
import { CAMPAIGN_NETWORKS, CAMPAIGN_USERS, CAMPAIGN_VICTIMS, SHARED_EGRESS_USERS } from '../../dev/simulator/campaign';
import { SCENARIO_NETWORKS, SCENARIO_USERS } from '../../dev/simulator';
import { expectSeededCampaign, writesTo } from '../support/campaign-expectations';
import { request } from '../support/http';
import { useHuntStack } from '../support/hunt-stack';

const hunt = useHuntStack('hunt-la-test-key-0123456789abcdef', { HUNT_BACKEND: 'log-analytics' });
let originId: string;
/** An IP no hunt of the campaign has seen yet. */
const UNSEEN_IP = '198.51.100.99';
let campaignId: string;

beforeAll(async () => {
  [originId] = await hunt.current.contain({
    user: SCENARIO_USERS.victim.userPrincipalName,
    alertId: 'hunt-la-1',
    severity: 'High',
    sourceIp: SCENARIO_NETWORKS.attacker.ipAddress,
  });
  const origin = await hunt.current.incident(originId);
  expect(origin.campaign?.id).toBeDefined();
  campaignId = origin.campaign!.id;
}, 240_000);

it('finds the five other victims, and not the failed sign-in', async () => {
  const campaign = await hunt.current.campaign(campaignId);
  expectSeededCampaign(campaign);
  const harper = campaign.hits.find((h) => h.upn === CAMPAIGN_USERS.harper.userPrincipalName);
  expect(harper?.reasons).toContainEqual(
    expect.stringMatching(/^only failed sign-ins \(1\) from 198\.51\.100\.23, an attacker IP: a failed sign-in is not a hit$/),
  );
  const gray = campaign.hits.find((h) => h.upn === CAMPAIGN_USERS.gray.userPrincipalName);
  expect(gray?.apps).toEqual(['Office 365 Exchange Online']);
  const kai = campaign.hits.find((h) => h.upn === CAMPAIGN_USERS.kai.userPrincipalName);
  expect(kai).toMatchObject({ ips: [CAMPAIGN_NETWORKS.secondHosting.ipAddress], asns: ['16509'] });
  expect(kai?.pivots).toEqual([`userAgent:${SCENARIO_NETWORKS.attacker.userAgent}`]);
  const jordan = campaign.hits.find((h) => h.upn === CAMPAIGN_USERS.jordan.userPrincipalName);
  expect(jordan?.reasons[0]).toMatch(/^New-InboxRule naming leak0314@protonmail\.example, the attacker's forwarding address/);
  expect(campaign.pivots.map((p) => `${p.pivot.kind}:${p.status}`)).toEqual(
    expect.arrayContaining(['ip:hunted', 'userAgent:hunted', 'address:hunted', 'clientId:hunted', 'phone:hunted']),
  );
});

it('holds each victim for an approver with its evidence, and writes nothing to them', async () => {
  const campaign = await hunt.current.campaign(campaignId);
  const victims = campaign.incidents.filter((l) => l.role === 'victim');
  expect(victims.map((v) => v.upn).sort()).toEqual(CAMPAIGN_VICTIMS.map((u) => u.userPrincipalName).sort());
  for (const link of victims) {
    const incident = await hunt.current.incident(link.incidentId);
    expect(incident).toMatchObject({ state: 'awaiting_approval', source: 'campaign', campaign: { id: campaignId } });
    expect(incident.reason).toMatch(/^CAMPAIGN_CONTAINMENT=approve: /);
  }
  expect(writesTo(hunt.current.stack.simulator!, CAMPAIGN_VICTIMS)).toEqual([]);
});

it('an analyst adds the shared egress IP: reported as shared, nobody hunted or held by it', async () => {
  const response = await request<{ pivots: Array<{ pivot: { value: string }; status: string; detail?: string }>; victims: unknown[] }>(
    `${hunt.current.stack.baseUrl}/api/incidents/${originId}/hunt`,
    {
      method: 'POST',
      headers: hunt.current.readerHeaders,
      body: JSON.stringify({ ips: [CAMPAIGN_NETWORKS.sharedEgress.ipAddress] }),
    },
  );
  expect(response.status).toBe(200);
  const egress = response.json.pivots.find((p) => p.pivot.value === CAMPAIGN_NETWORKS.sharedEgress.ipAddress);
  expect(egress).toMatchObject({ status: 'shared' });
  expect(egress?.detail).toContain(`used by ${SHARED_EGRESS_USERS} distinct users`);
  expect(response.json.victims).toEqual([]);
  expectSeededCampaign(await hunt.current.campaign(campaignId));
});

it('refuses extra pivots that are not IPs, user agents or addresses (422), and malformed bodies (400)', async () => {
  const post = (body: string) =>
    request<{ error: { message: string } }>(`${hunt.current.stack.baseUrl}/api/incidents/${originId}/hunt`, {
      method: 'POST',
      headers: hunt.current.readerHeaders,
      body,
    });
  const bad = await post(JSON.stringify({ ips: ['198.51.100.23', "1.2.3.4' or 1==1"] }));
  expect(bad.status).toBe(422);
  expect(bad.json.error.message).toContain('"ips[1]"');
  expect((await post('{"ips": ')).status).toBe(400);
  expect((await post(JSON.stringify({ domains: [] }))).status).toBe(400);
});

it('falls back to Graph sign-ins when the workspace refuses, and the campaign says so', async () => {
  const simulator = hunt.current.stack.simulator!;
  simulator.addFault({ method: 'POST', path: /^\/v1\/workspaces\//, status: 403, code: 'InsufficientAccessError' });
  try {
    const response = await request<{ pivots: Array<{ pivot: { value: string }; status: string; via: string }> }>(
      `${hunt.current.stack.baseUrl}/api/incidents/${originId}/hunt`,
      {
        method: 'POST',
        headers: hunt.current.readerHeaders,
        body: JSON.stringify({ ips: [UNSEEN_IP] }),
      },
    );
    expect(response.status).toBe(200);
    const pivot = response.json.pivots.find((p) => p.pivot.value === UNSEEN_IP);
    expect(pivot?.status).toBe('hunted');
    expect(pivot?.via).toMatch(/^Graph v1\.0 GET \/auditLogs\/signIns/);
    const campaign = await hunt.current.campaign(campaignId);
    expect(campaign.notes).toContainEqual(
      expect.stringMatching(/^Log Analytics refused \(403 InsufficientAccessError\): missing Log Analytics Reader/),
    );
  } finally {
    simulator.clearFaults();
  }
});
