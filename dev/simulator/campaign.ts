// The phishing wave around Avery Chen's attacker, for the pivot hunt (runbook Phase 4): three other users
// signed in successfully from the attacker's IP (one only non-interactively, as token replay does), one
// tried and failed (not a victim), one has an inbox rule forwarding to the attacker's address, one was
// reached with the attacker's user agent from another hosting ASN, and an office egress IP thirty users
// share is the trap the shared-egress guard must not fall into. Casey Nguyen (scenario.ts) is the third
// user signing in from the attacker's IP.
import {
  APPS,
  buildSignIn,
  seededGuid,
  SCENARIO_ATTACK,
  SCENARIO_NETWORKS,
  SCENARIO_TENANT,
  SCENARIO_USERS,
  type Network,
  type ScenarioUser,
  type SignInSpec,
} from './scenario';
import { isoSeconds, type SimulatedTenant } from './tenant';

const DOMAIN = SCENARIO_TENANT.domain;

export const CAMPAIGN_USERS = {
  frankie: { id: '5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b11', userPrincipalName: `frankie.ross@${DOMAIN}`, displayName: 'Frankie Ross' },
  gray: { id: '5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b12', userPrincipalName: `gray.kim@${DOMAIN}`, displayName: 'Gray Kim' },
  harper: { id: '5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b13', userPrincipalName: `harper.diaz@${DOMAIN}`, displayName: 'Harper Diaz' },
  jordan: { id: '5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b14', userPrincipalName: `jordan.wu@${DOMAIN}`, displayName: 'Jordan Wu' },
  kai: { id: '5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b15', userPrincipalName: `kai.silva@${DOMAIN}`, displayName: 'Kai Silva' },
} as const;

/** The five other victims the hunt must find, and who it must not call one. */
export const CAMPAIGN_VICTIMS: readonly ScenarioUser[] = [
  SCENARIO_USERS.casey,
  CAMPAIGN_USERS.frankie,
  CAMPAIGN_USERS.gray,
  CAMPAIGN_USERS.jordan,
  CAMPAIGN_USERS.kai,
];
export const CAMPAIGN_NOT_VICTIMS: readonly ScenarioUser[] = [CAMPAIGN_USERS.harper];

export const CAMPAIGN_NETWORKS = {
  /** Another hosting network the attacker kit ran from (AS16509, Amazon). */
  secondHosting: { ...SCENARIO_NETWORKS.attacker, ipAddress: '203.0.113.77', autonomousSystemNumber: 16509 },
  /** The office's egress proxy: everyone signs in through it. */
  sharedEgress: { ...SCENARIO_NETWORKS.corporate, ipAddress: '192.0.2.200' },
} as const satisfies Record<string, Network>;

/** How many users signed in through the shared egress IP in the days before the attack. */
export const SHARED_EGRESS_USERS = 30;

export function seedCampaign(tenant: SimulatedTenant, now: Date): void {
  const at = (minutesBeforeNow: number): string => isoSeconds(new Date(now.getTime() - minutesBeforeNow * 60_000));
  const { attacker, corporate } = SCENARIO_NETWORKS;
  const created = at(400 * 1440);
  for (const user of Object.values(CAMPAIGN_USERS)) {
    const [givenName, surname] = user.displayName.split(' ');
    tenant.addUser(
      { ...user, givenName, surname, jobTitle: 'Accounts Payable Clerk', officeLocation: 'Seattle', createdDateTime: created },
      now,
    );
  }
  const { frankie, gray, harper, jordan, kai } = CAMPAIGN_USERS;
  const pivot = SCENARIO_ATTACK.minutesBeforeNow.campaignPivotSignIn;
  const specs: SignInSpec[] = [
    { user: frankie, minutesBeforeNow: 2700, network: corporate, app: APPS.officeHome },
    { user: frankie, minutesBeforeNow: pivot - 5, network: attacker, app: APPS.officeHome, risk: 'medium' },
    { user: gray, minutesBeforeNow: 2650, network: corporate, app: APPS.teams },
    { user: gray, minutesBeforeNow: pivot - 10, network: attacker, app: APPS.outlook, interactive: false },
    { user: harper, minutesBeforeNow: 2600, network: corporate, app: APPS.officeHome },
    {
      user: harper,
      minutesBeforeNow: pivot - 15,
      network: attacker,
      app: APPS.officeHome,
      failure: { errorCode: 50126, failureReason: 'Error validating credentials due to invalid username or password.' },
    },
    { user: jordan, minutesBeforeNow: 2550, network: corporate, app: APPS.outlook },
    { user: kai, minutesBeforeNow: 2500, network: corporate, app: APPS.officeHome },
    { user: kai, minutesBeforeNow: pivot - 20, network: CAMPAIGN_NETWORKS.secondHosting, app: APPS.officeHome, risk: 'medium' },
  ];
  // The egress IP's crowd: sign-ins through the office proxy over the days before the attack.
  for (let i = 1; i <= SHARED_EGRESS_USERS; i++) {
    const user = {
      id: seededGuid('e9e5', i),
      userPrincipalName: `staff${String(i).padStart(2, '0')}@${DOMAIN}`,
      displayName: `Staff ${i}`,
    };
    specs.push({ user, minutesBeforeNow: 1440 * (1 + (i % 5)) + i, network: CAMPAIGN_NETWORKS.sharedEgress, app: APPS.teams });
  }
  specs.forEach((spec, i) => tenant.signIns.push(buildSignIn(spec, i + 1, at(spec.minutesBeforeNow), '51b9')));
  tenant.signIns.sort((a, b) => b.signIn.createdDateTime.localeCompare(a.signIn.createdDateTime));

  // Jordan's mailbox got the same forwarding rule, created from the attacker's IP.
  const forwardTo = SCENARIO_ATTACK.inboxRule.forwardTo;
  const ruleAt = at(pivot - 25);
  const ruleId = 'AQAAAJ5dZqJ=';
  tenant.messageRules.push({
    userId: jordan.id,
    createdDateTime: ruleAt,
    clientIp: attacker.ipAddress,
    rule: {
      id: ruleId,
      displayName: '..',
      sequence: 1,
      isEnabled: true,
      hasError: false,
      isReadOnly: false,
      conditions: {},
      actions: { forwardTo: [{ emailAddress: { name: forwardTo, address: forwardTo } }], markAsRead: true, stopProcessingRules: true },
    },
  });
  const recordId = seededGuid('ua1f', 1);
  tenant.mailboxAudit.push({
    '@odata.type': '#microsoft.graph.security.auditLogRecord',
    id: recordId,
    createdDateTime: ruleAt,
    auditLogRecordType: 'exchangeAdmin',
    operation: 'New-InboxRule',
    organizationId: tenant.tenantId,
    userType: 'regular',
    userId: jordan.userPrincipalName,
    service: 'Exchange',
    objectId: `${jordan.userPrincipalName}\\..`,
    userPrincipalName: jordan.userPrincipalName,
    clientIp: attacker.ipAddress,
    administrativeUnits: [],
    auditData: {
      '@odata.type': '#microsoft.graph.security.auditData',
      CreationTime: ruleAt.replace(/Z$/, ''),
      Id: recordId,
      Operation: 'New-InboxRule',
      OrganizationId: tenant.tenantId,
      RecordType: 1,
      ResultStatus: 'True',
      UserKey: jordan.id,
      UserType: 0,
      Version: 1,
      Workload: 'Exchange',
      ClientIP: `${attacker.ipAddress}:50999`,
      UserId: jordan.userPrincipalName,
      ObjectId: `${jordan.userPrincipalName}\\..`,
      Parameters: [
        { Name: 'Name', Value: '..' },
        { Name: 'ForwardTo', Value: forwardTo },
        { Name: 'MarkAsRead', Value: 'True' },
        { Name: 'StopProcessingRules', Value: 'True' },
      ],
    },
  });
}

/** The most victims one seedCampaignVictims call adds: a Graph sign-ins page (1,000) must still hold them all. */
export const MAX_SEEDED_VICTIMS = 900;

/**
 * A campaign at scale: `count` more victims (`victim0001@...`, numbered from `first`), each with a normal
 * sign-in from the office days ago and a successful interactive sign-in from the scenario attacker's IP in
 * the minutes after Casey's (inside the attacker window, so the shared-egress guard, which counts users
 * before the window, never counts them).
 */
export function seedCampaignVictims(tenant: SimulatedTenant, now: Date, count: number, first = 1): ScenarioUser[] {
  if (!Number.isInteger(count) || count < 1 || count > MAX_SEEDED_VICTIMS) {
    throw new RangeError(`victims must be an integer from 1 to ${MAX_SEEDED_VICTIMS}`);
  }
  const at = (minutesBeforeNow: number): string => isoSeconds(new Date(now.getTime() - minutesBeforeNow * 60_000));
  const created = at(400 * 1440);
  const pivot = SCENARIO_ATTACK.minutesBeforeNow.campaignPivotSignIn;
  const users: ScenarioUser[] = [];
  for (let n = first; n < first + count; n++) {
    const number = String(n).padStart(4, '0');
    const user = { id: seededGuid('c4a1', n), userPrincipalName: `victim${number}@${DOMAIN}`, displayName: `Victim ${number}` };
    tenant.addUser(
      {
        ...user,
        givenName: 'Victim',
        surname: number,
        jobTitle: 'Accounts Payable Clerk',
        officeLocation: 'Seattle',
        createdDateTime: created,
      },
      now,
    );
    const specs: SignInSpec[] = [
      { user, minutesBeforeNow: 2400 + (n % 300), network: SCENARIO_NETWORKS.corporate, app: APPS.officeHome },
      { user, minutesBeforeNow: pivot - 1 - (n % 20), network: SCENARIO_NETWORKS.attacker, app: APPS.officeHome, risk: 'medium' },
    ];
    specs.forEach((spec, i) => tenant.signIns.push(buildSignIn(spec, n * 2 + i, at(spec.minutesBeforeNow), 'c4b2')));
    users.push(user);
  }
  tenant.signIns.sort((a, b) => b.signIn.createdDateTime.localeCompare(a.signIn.createdDateTime));
  return users;
}
