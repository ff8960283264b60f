// The simulator's hunting stand-ins over the seeded campaign: each project query is parsed by the Kusto
// analyzer and evaluated over tables derived from the one story, and a query the evaluator does not know
// is refused with a 400 rather than answered.
import { outputValue } from '../../dev/kusto/evaluate';
import { CAMPAIGN_NETWORKS, CAMPAIGN_USERS, seedCampaign, SHARED_EGRESS_USERS } from '../../dev/simulator/campaign';
import { GraphHttpError } from '../../dev/simulator/errors';
import { answerLogAnalyticsQuery, runKusto } from '../../dev/simulator/log-analytics';
import { SCENARIO_ATTACK, SCENARIO_NETWORKS, SCENARIO_USERS, seedScenario } from '../../dev/simulator/scenario';
import { SimulatedTenant } from '../../dev/simulator/tenant';
import { defenderQuery, HOSTING_ISPS, logAnalyticsQuery } from '../../shared/hunting/hunt-queries';

const NOW = new Date('2026-03-14T12:00:00Z');
const now = () => NOW;

function seeded(): SimulatedTenant {
  const tenant = new SimulatedTenant();
  seedScenario(tenant, NOW);
  seedCampaign(tenant, NOW);
  return tenant;
}

const tenant = seeded();
const attackerIp = SCENARIO_NETWORKS.attacker.ipAddress;
const attackerUa = SCENARIO_NETWORKS.attacker.userAgent;

function rows(query: string, workspace: 'log-analytics' | 'defender') {
  const table = runKusto(tenant, query, workspace, now);
  return table.rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, outputValue(v)])));
}

describe('Log Analytics stand-in', () => {
  it('4.1: users signing in from the attacker IP, interactive and not, with successes counted', () => {
    const found = rows(logAnalyticsQuery('ipSignIns', { ip: { string: attackerIp } }), 'log-analytics');
    const byUser = Object.fromEntries(found.map((r) => [r.UserPrincipalName as string, r.Successes]));
    expect(byUser).toEqual({
      [SCENARIO_USERS.victim.userPrincipalName]: 5,
      [SCENARIO_USERS.casey.userPrincipalName]: 1,
      [CAMPAIGN_USERS.frankie.userPrincipalName]: 1,
      [CAMPAIGN_USERS.gray.userPrincipalName]: 1,
      [CAMPAIGN_USERS.harper.userPrincipalName]: 0,
    });
    // Ordered by first sign-in, as the query says.
    expect(found.map((r) => r.FirstSeen)).toEqual([...found.map((r) => r.FirstSeen as string)].sort());
  });

  it('4.2: the attacker user agent from hosting ASNs finds the second hosting network', () => {
    const found = rows(
      logAnalyticsQuery('userAgentHosting', { ua: { string: attackerUa }, hostingAsns: { strings: ['16509', '14061'] } }),
      'log-analytics',
    );
    const kai = found.find((r) => r.UserPrincipalName === CAMPAIGN_USERS.kai.userPrincipalName);
    expect(kai).toMatchObject({ Successes: 1, IPs: [CAMPAIGN_NETWORKS.secondHosting.ipAddress], Asns: ['16509'] });
    expect(
      rows(logAnalyticsQuery('userAgentHosting', { ua: { string: attackerUa }, hostingAsns: { strings: ['1'] } }), 'log-analytics'),
    ).toEqual([]);
  });

  it('4.3: inbox rules naming the forwarding address, for both mailboxes', () => {
    const found = rows(logAnalyticsQuery('ruleAddress', { address: { string: SCENARIO_ATTACK.inboxRule.forwardTo } }), 'log-analytics');
    expect(found.map((r) => r.UserId)).toEqual([SCENARIO_USERS.victim.userPrincipalName, CAMPAIGN_USERS.jordan.userPrincipalName]);
    expect(found.every((r) => r.Operation === 'New-InboxRule')).toBe(true);
  });

  it('the shared-egress guard counts distinct users before the window', () => {
    const found = rows(
      logAnalyticsQuery('sharedIps', {
        ips: { strings: [attackerIp, CAMPAIGN_NETWORKS.sharedEgress.ipAddress] },
        windowStart: { datetime: '2026-03-14T08:00:00Z' },
      }),
      'log-analytics',
    );
    expect(Object.fromEntries(found.map((r) => [r.IPAddress, r.Users]))).toEqual({
      [CAMPAIGN_NETWORKS.sharedEgress.ipAddress]: SHARED_EGRESS_USERS,
    });
  });

  it('answers in the Query API shape, dynamic values as JSON text', () => {
    const body = answerLogAnalyticsQuery(
      tenant,
      { query: logAnalyticsQuery('ipSignIns', { ip: { string: attackerIp } }), timespan: 'P8D' },
      now,
    ) as { tables: Array<{ columns: Array<{ name: string; type: string }>; rows: unknown[][] }> };
    const [table] = body.tables;
    expect(table.columns.find((c) => c.name === 'Apps')?.type).toBe('dynamic');
    expect(table.columns.find((c) => c.name === 'FirstSeen')?.type).toBe('datetime');
    expect(typeof table.rows[0][table.columns.findIndex((c) => c.name === 'Apps')]).toBe('string');
  });

  it.each([
    ['a query that does not parse', 'SigninLogs | summarise n = count()', /KS/],
    ['an unknown column', 'SigninLogs | where Nope == 1', /KS142/],
    [
      'an operator it cannot evaluate',
      'SigninLogs | join kind=inner (OfficeActivity) on $left.UserPrincipalName == $right.UserId',
      /cannot evaluate/,
    ],
    ['a function it cannot evaluate', 'SigninLogs | where strlen(UserId) > 3', /cannot evaluate/],
  ])('refuses %s with a 400', (_, query, message) => {
    expect(() => runKusto(tenant, query, 'log-analytics', now)).toThrow(GraphHttpError);
    expect(() => runKusto(tenant, query, 'log-analytics', now)).toThrow(message);
  });
});

describe('Defender advanced hunting stand-in', () => {
  it('EntraIdSignInEvents from the attacker IP, success by ErrorCode == 0', () => {
    const found = rows(defenderQuery('ipSignIns', { ip: { string: attackerIp } }), 'defender');
    expect(found.find((r) => r.AccountUpn === CAMPAIGN_USERS.harper.userPrincipalName)?.Successes).toBe(0);
    expect(found.find((r) => r.AccountUpn === CAMPAIGN_USERS.gray.userPrincipalName)?.Successes).toBe(1);
  });

  it('the user agent from hosting ISPs (CloudAppEvents), and CloudAppEvents inbox rules', () => {
    const ua = rows(defenderQuery('userAgentHosting', { ua: { string: attackerUa }, hostingIsps: { strings: HOSTING_ISPS } }), 'defender');
    expect(ua.map((r) => r.AccountUpn)).toContain(CAMPAIGN_USERS.kai.userPrincipalName);
    const rules = rows(defenderQuery('ruleAddress', { address: { string: SCENARIO_ATTACK.inboxRule.forwardTo } }), 'defender');
    expect(rules.map((r) => r.AccountObjectId)).toEqual([SCENARIO_USERS.victim.id, CAMPAIGN_USERS.jordan.id]);
  });
});
