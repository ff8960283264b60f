// The seeded AiTM story in the fictional wingtip-lab.example tenant: Avery Chen's session is stolen
// from a hosting-ASN IP, after which the attacker plants an inbox rule, an OAuth grant, an MFA phone and a
// device, and the same IP is used against a second user. Samples and tests depend on these exact values.
import { randomUUID } from 'node:crypto';
import type { AuditLogRecord, DirectoryAudit, Recipient, RiskLevel, SignIn } from './resources';
import { isoSeconds, SignInRecord, SimulatedTenant } from './tenant';

const DOMAIN = 'wingtip-lab.example';

/** The tenant the alerts come from: the Sentinel sample's aadTenantId. */
export const SCENARIO_TENANT = { id: '9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d', domain: DOMAIN } as const;

export const SCENARIO_USERS = {
  victim: { id: '5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b01', userPrincipalName: `avery.chen@${DOMAIN}`, displayName: 'Avery Chen' },
  blake: { id: '5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b02', userPrincipalName: `blake.morris@${DOMAIN}`, displayName: 'Blake Morris' },
  casey: { id: '5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b03', userPrincipalName: `casey.nguyen@${DOMAIN}`, displayName: 'Casey Nguyen' },
  hybrid: { id: '5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b04', userPrincipalName: `drew.patel@${DOMAIN}`, displayName: 'Drew Patel' },
  privileged: { id: '5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b05', userPrincipalName: `erin.lopez@${DOMAIN}`, displayName: 'Erin Lopez' },
  breakGlass: {
    id: '5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b99',
    userPrincipalName: `bg-admin-01@${DOMAIN}`,
    displayName: 'Break Glass Admin 01',
  },
} as const;

export type ScenarioUser = { readonly id: string; readonly userPrincipalName: string; readonly displayName: string };

/** Groups whose members containment must leave alone; the break-glass account is the canonical one. */
export const SCENARIO_GROUPS = {
  emergencyAccess: { id: '3f9e2d1c-0b4a-4e5f-8a7b-6c5d4e3f2a10', displayName: 'Emergency access accounts' },
} as const;

/**
 * The managed identity of the Sentinel automation that calls the webhook: the token issuer's default
 * caller (appid/azp is its client id, oid/sub its service principal's object id).
 */
export const SCENARIO_CALLER = {
  appId: '0c5e7a9b-1d3f-4b5d-8e7f-9a1b3c5d7e21',
  objectId: '4d6f8a0c-2e4a-4c6e-9f8a-0b2c4d6e8f32',
  displayName: 'sentinel-aitm-playbook',
} as const;

/**
 * The SOC analysts who sign in to the webhook's app registration (delegated user tokens) to read and
 * decide incidents: Sam holds the approver app role and is in the approvers' group; Riley may only read.
 * They sign in through the Azure CLI (its public client id), as `az account get-access-token` does.
 * They exist for the token issuer only, not in the simulated directory: containment never looks them up.
 */
export const SCENARIO_ANALYSTS = {
  approver: {
    objectId: '7e1a3c5d-9b2f-4d6e-8a1c-3e5f7a9b1c41',
    userPrincipalName: `sam.analyst@${DOMAIN}`,
    displayName: 'Sam Analyst',
    roles: ['Incidents.Approve'],
    groups: ['6a2c4e8f-0b1d-4f3a-9c5e-7d9f1b3a5c61'],
  },
  reader: {
    objectId: '7e1a3c5d-9b2f-4d6e-8a1c-3e5f7a9b1c42',
    userPrincipalName: `riley.reader@${DOMAIN}`,
    displayName: 'Riley Reader',
    roles: ['Incidents.Read'],
    groups: [] as string[],
  },
} as const;

/** The approvers' group named in the approver's `groups` claim (for APPROVER_GROUP_IDS). */
export const SCENARIO_APPROVER_GROUP_ID = SCENARIO_ANALYSTS.approver.groups[0];

/** Microsoft Azure CLI's public client id: the client app analysts' delegated tokens are issued to. */
export const AZURE_CLI_APP_ID = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';

export const SCENARIO_NETWORKS = {
  corporate: {
    ipAddress: '192.0.2.10',
    autonomousSystemNumber: 8075,
    location: {
      city: 'Seattle',
      state: 'Washington',
      countryOrRegion: 'US',
      geoCoordinates: { altitude: null, latitude: 47.6062, longitude: -122.3321 },
    },
    userAgent:
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0',
  },
  attacker: {
    ipAddress: '198.51.100.23',
    autonomousSystemNumber: 14061,
    location: {
      city: 'Amsterdam',
      state: 'Noord-Holland',
      countryOrRegion: 'NL',
      geoCoordinates: { altitude: null, latitude: 52.3676, longitude: 4.9041 },
    },
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36',
  },
} as const;

export type Network = {
  readonly ipAddress: string;
  readonly autonomousSystemNumber: number;
  readonly location: (typeof SCENARIO_NETWORKS)['corporate']['location'] | (typeof SCENARIO_NETWORKS)['attacker']['location'];
  readonly userAgent: string;
};

const MICROSOFT_GRAPH = {
  servicePrincipalId: 'f1e2d3c4-b5a6-4978-8a9b-0c1d2e3f4a5b',
  appId: '00000003-0000-0000-c000-000000000000',
  displayName: 'Microsoft Graph',
};

/** Everything the attacker leaves behind, and when, in minutes before now(). */
export const SCENARIO_ATTACK = {
  minutesBeforeNow: {
    attackerSignIn: 180,
    inboxRule: 170,
    consent: 160,
    mfaRegistration: 150,
    deviceRegistration: 140,
    campaignPivotSignIn: 120,
  },
  inboxRule: {
    id: 'AQAAAJ5dZqE=',
    displayName: '.',
    forwardTo: 'leak0314@protonmail.example',
    moveToFolderId: 'AAMkADRzc0ZlZWRzLXdpbmd0aXAtbGFiAC4AAAAAAAE=',
    moveToFolderName: 'RSS Feeds',
  },
  maliciousApp: {
    displayName: 'MailPort Sync',
    appId: 'a7c3e1f0-4b2d-4e8a-9f61-3d5c7b9e2a14',
    servicePrincipalId: 'e2b4d6f8-1a3c-4e5f-8a7b-9c0d1e2f3a45',
    grantId: 'xMpS7q2aQUyTzV9kRw4bHeQDNpSH5-lPk9HjD3Sarjk',
    scope: 'Mail.Read Mail.Send offline_access',
  },
  phoneMethod: { id: '3179e48a-750b-4051-897c-87b9720928f7', phoneNumber: '+1 5555550100', phoneType: 'mobile' },
  device: { id: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b01', deviceId: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c01', displayName: 'DESKTOP-AITM01' },
} as const;

/** The victim's legitimate, older footprint that diagnosis must leave alone. */
export const SCENARIO_BENIGN = {
  inboxRule: {
    id: 'AQAAAJ5dZqA=',
    displayName: 'Newsletters',
    moveToFolderId: 'AAMkADNld3NsZXR0ZXJzLXdpbmd0aXAtbGFiAC4AAAE=',
    moveToFolderName: 'Newsletters',
    minutesBeforeNow: 21 * 1440,
  },
  app: {
    displayName: 'Wingtip Expenses',
    appId: 'd5f7b9c1-3e5a-4b7d-9f1b-2c4e6a8b0d13',
    servicePrincipalId: 'c4e6a8b0-2d4f-4a6c-8e0a-1b3d5f7a9c02',
    grantId: 'qP3nW8cZ0kiBf1TgYy6sdeQDNpSH5-lPk9HjD3Sarjk',
    scope: 'User.Read openid profile',
    appRoleAssignmentId: 'LnbeQ8f0YkaH6zWj1ZpXbQ3tL1-xWcZPpRq7uNfm0aE',
    minutesBeforeNow: 45 * 1440,
  },
  authenticatorMethod: { id: '6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d', displayName: 'iPhone 14', minutesBeforeNow: 180 * 1440 },
  passwordMethod: { id: '28c10230-6103-485e-b985-444c60001490', minutesBeforeNow: 120 * 1440 },
  device: {
    id: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b02',
    deviceId: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c02',
    displayName: 'WTL-LT-0417',
    minutesBeforeNow: 400 * 1440,
  },
} as const;

/**
 * The victim's mailbox as the audit log and Graph mail see it: folders the rules move to, what the
 * attacker sent (one message to a colleague, one to an outside party: the BEC follow-up of runbook 5.3)
 * and read, next to the user's own mail. Offsets are minutes before now().
 */
export const SCENARIO_MAILBOX = {
  folders: {
    inbox: { id: 'AAMkADRpbmJveC13aW5ndGlwLWxhYgAuAAAAAAABAQ==', displayName: 'Inbox' },
    sentItems: { id: 'AAMkADRzZW50LXdpbmd0aXAtbGFiAC4AAAAAAAEB', displayName: 'Sent Items' },
    rssFeeds: { id: SCENARIO_ATTACK.inboxRule.moveToFolderId, displayName: SCENARIO_ATTACK.inboxRule.moveToFolderName },
    newsletters: { id: SCENARIO_BENIGN.inboxRule.moveToFolderId, displayName: SCENARIO_BENIGN.inboxRule.moveToFolderName },
  },
  attackerSends: [
    {
      minutesBeforeNow: 166,
      internetMessageId: '<PH0PR11MB4791A1B2C3D4E5F6@PH0PR11MB4791.namprd11.prod.outlook.example>',
      subject: 'Updated remittance details',
      to: 'blake.morris@wingtip-lab.example',
    },
    {
      minutesBeforeNow: 158,
      internetMessageId: '<PH0PR11MB4791F6E5D4C3B2A1@PH0PR11MB4791.namprd11.prod.outlook.example>',
      subject: 'Invoice 4471: new bank details',
      to: 'ap@northwind-traders.example',
    },
  ],
  benignSends: [
    {
      minutesBeforeNow: 300,
      internetMessageId: '<PH0PR11MB47910A0B0C0D0E0F@PH0PR11MB4791.namprd11.prod.outlook.example>',
      subject: 'Q3 expense report',
      to: 'casey.nguyen@wingtip-lab.example',
    },
  ],
  /** MailItemsAccessed: the attacker's sync right after the stolen session landed, and a later bind. */
  attackerReads: [
    { minutesBeforeNow: 178, items: 412, accessType: 'Sync', folder: '\\Inbox' },
    { minutesBeforeNow: 164, items: 23, accessType: 'Bind', folder: '\\Inbox' },
  ],
  benignReads: [
    { minutesBeforeNow: 600, items: 31, accessType: 'Bind', folder: '\\Inbox' },
    { minutesBeforeNow: 240, items: 12, accessType: 'Bind', folder: '\\Inbox' },
  ],
} as const;

export const APPS = {
  officeHome: { appId: '4765445b-32c6-49b0-83e6-1d93765276ca', appDisplayName: 'OfficeHome', resource: MICROSOFT_GRAPH },
  outlook: {
    appId: '00000002-0000-0ff1-ce00-000000000000',
    appDisplayName: 'Office 365 Exchange Online',
    resource: { appId: '00000002-0000-0ff1-ce00-000000000000', displayName: 'Office 365 Exchange Online' },
  },
  teams: { appId: '1fec8e78-bce4-4aaf-ab1b-5451cc387264', appDisplayName: 'Microsoft Teams', resource: MICROSOFT_GRAPH },
  mySignIns: { appId: '19db86c3-b2b9-44cc-b339-36da233a3be2', appDisplayName: 'My Signins', resource: MICROSOFT_GRAPH },
  authBroker: {
    appId: '29d9ed98-a469-4536-ade2-f981bc1d605e',
    appDisplayName: 'Microsoft Authentication Broker',
    resource: { appId: '01cb2876-7ebd-4aa4-9cc9-d28bd4d359a9', displayName: 'Device Registration Service' },
  },
  mailPortSync: {
    appId: SCENARIO_ATTACK.maliciousApp.appId,
    appDisplayName: SCENARIO_ATTACK.maliciousApp.displayName,
    resource: MICROSOFT_GRAPH,
  },
} as const;

export type App = (typeof APPS)[keyof typeof APPS];

export interface SignInSpec {
  user: ScenarioUser;
  minutesBeforeNow: number;
  network: Network;
  app: App;
  risk?: RiskLevel;
  failure?: { errorCode: number; failureReason: string };
  /** Default: every app but Outlook signs in interactively. */
  interactive?: boolean;
}

const { corporate, attacker } = SCENARIO_NETWORKS;
const { victim, blake, casey, hybrid, privileged } = SCENARIO_USERS;
const attack = SCENARIO_ATTACK.minutesBeforeNow;

const SIGN_INS: readonly SignInSpec[] = [
  { user: victim, minutesBeforeNow: 7170, network: corporate, app: APPS.outlook },
  { user: victim, minutesBeforeNow: 5730, network: corporate, app: APPS.teams },
  { user: victim, minutesBeforeNow: 4290, network: corporate, app: APPS.officeHome },
  {
    user: victim,
    minutesBeforeNow: 2860,
    network: corporate,
    app: APPS.officeHome,
    failure: { errorCode: 50126, failureReason: 'Error validating credentials due to invalid username or password.' },
  },
  { user: victim, minutesBeforeNow: 2850, network: corporate, app: APPS.officeHome },
  { user: victim, minutesBeforeNow: 1410, network: corporate, app: APPS.outlook },
  { user: victim, minutesBeforeNow: 600, network: corporate, app: APPS.teams },
  { user: victim, minutesBeforeNow: 240, network: corporate, app: APPS.outlook },
  { user: victim, minutesBeforeNow: attack.attackerSignIn, network: attacker, app: APPS.officeHome, risk: 'high' },
  { user: victim, minutesBeforeNow: 175, network: attacker, app: APPS.outlook, risk: 'medium' },
  { user: victim, minutesBeforeNow: attack.consent + 1, network: attacker, app: APPS.mailPortSync, risk: 'medium' },
  { user: victim, minutesBeforeNow: attack.mfaRegistration + 1, network: attacker, app: APPS.mySignIns, risk: 'medium' },
  { user: victim, minutesBeforeNow: attack.deviceRegistration + 1, network: attacker, app: APPS.authBroker, risk: 'medium' },
  { user: blake, minutesBeforeNow: 4260, network: corporate, app: APPS.officeHome },
  { user: blake, minutesBeforeNow: 2820, network: corporate, app: APPS.outlook },
  { user: blake, minutesBeforeNow: 1380, network: corporate, app: APPS.teams },
  { user: casey, minutesBeforeNow: 2790, network: corporate, app: APPS.outlook },
  { user: casey, minutesBeforeNow: 1350, network: corporate, app: APPS.officeHome },
  { user: casey, minutesBeforeNow: attack.campaignPivotSignIn, network: attacker, app: APPS.officeHome, risk: 'medium' },
  { user: hybrid, minutesBeforeNow: 1320, network: corporate, app: APPS.outlook },
  { user: privileged, minutesBeforeNow: 1300, network: corporate, app: APPS.officeHome },
];

export function seedScenario(tenant: SimulatedTenant, now: Date): void {
  const at = (minutesBeforeNow: number): string => isoSeconds(new Date(now.getTime() - minutesBeforeNow * 60_000));
  const daysAgo = (days: number): string => at(days * 1440);
  const { victim: v, breakGlass } = SCENARIO_USERS;
  const person = (u: ScenarioUser, jobTitle: string | null) => {
    const [givenName, surname] = u.displayName.split(' ');
    return { ...u, givenName, surname, jobTitle, officeLocation: 'Seattle', createdDateTime: daysAgo(400) };
  };
  const passwordSet = at(SCENARIO_BENIGN.passwordMethod.minutesBeforeNow);
  const sessionFields = { lastPasswordChangeDateTime: passwordSet, signInSessionsValidFromDateTime: passwordSet };

  tenant.addUser({ ...person(v, 'Accounts Payable Specialist'), ...sessionFields }, now);
  tenant.addUser({ ...person(blake, 'Procurement Manager'), ...sessionFields }, now);
  tenant.addUser({ ...person(casey, 'Financial Analyst'), ...sessionFields }, now);
  tenant.addUser({ ...person(hybrid, 'Site Engineer'), ...sessionFields, onPremisesSyncEnabled: true }, now);
  tenant.addUser({ ...person(privileged, 'IT Director'), ...sessionFields, directoryRoles: ['Global Administrator'] }, now);
  tenant.addUser(
    { ...breakGlass, createdDateTime: daysAgo(700), ...sessionFields, officeLocation: null, directoryRoles: ['Global Administrator'] },
    now,
  );
  tenant.addGroup({ ...SCENARIO_GROUPS.emergencyAccess, members: [breakGlass.userPrincipalName] });

  SIGN_INS.forEach((spec, index) => tenant.signIns.push(buildSignIn(spec, index + 1, at(spec.minutesBeforeNow))));
  tenant.signIns.sort((a, b) => b.signIn.createdDateTime.localeCompare(a.signIn.createdDateTime));

  seedMailbox(tenant, at);
  seedApplications(tenant, at);
  seedAuthenticationMethods(tenant, at);
  // Avery's own Authenticator is the default method: the attacker's phone can go without changing it.
  const seededVictim = tenant.findUser(v.id);
  if (seededVictim) seededVictim.defaultMethodId = SCENARIO_BENIGN.authenticatorMethod.id;
  seedDevices(tenant, at);
  seedDirectoryAudits(tenant, at);
  seedMailboxAudit(tenant, at);
}

export function buildSignIn(spec: SignInSpec, n: number, createdDateTime: string, idKind = '51a9'): SignInRecord {
  const risk = spec.risk ?? 'none';
  const fromAttacker = spec.network.autonomousSystemNumber !== corporate.autonomousSystemNumber;
  const managedLaptop = spec.user === victim && !fromAttacker;
  const signIn: SignIn = {
    id: seededGuid(idKind, n),
    createdDateTime,
    userDisplayName: spec.user.displayName,
    userPrincipalName: spec.user.userPrincipalName,
    userId: spec.user.id,
    appId: spec.app.appId,
    appDisplayName: spec.app.appDisplayName,
    ipAddress: spec.network.ipAddress,
    clientAppUsed: spec.app === APPS.authBroker ? 'Mobile Apps and Desktop clients' : 'Browser',
    correlationId: seededGuid(idKind === '51a9' ? 'c0a1' : 'c0b1', n),
    conditionalAccessStatus: spec.failure ? 'notApplied' : 'success',
    isInteractive: spec.interactive ?? spec.app !== APPS.outlook,
    riskDetail: 'none',
    riskLevelAggregated: risk,
    riskLevelDuringSignIn: risk,
    riskState: risk === 'none' ? 'none' : 'atRisk',
    riskEventTypes_v2: risk === 'high' ? ['anomalousToken', 'unfamiliarFeatures'] : risk === 'none' ? [] : ['unfamiliarFeatures'],
    resourceDisplayName: spec.app.resource.displayName,
    resourceId: spec.app.resource.appId,
    status: { errorCode: spec.failure?.errorCode ?? 0, failureReason: spec.failure?.failureReason ?? null, additionalDetails: null },
    deviceDetail: {
      deviceId: managedLaptop ? SCENARIO_BENIGN.device.deviceId : '',
      displayName: managedLaptop ? SCENARIO_BENIGN.device.displayName : '',
      operatingSystem: fromAttacker ? 'Linux' : 'Windows10',
      browser: fromAttacker ? 'Chrome 120.0.0' : 'Edge 120.0.0',
      isCompliant: managedLaptop,
      isManaged: managedLaptop,
      trustType: managedLaptop ? 'Azure AD joined' : '',
    },
    location: { ...spec.network.location, geoCoordinates: { ...spec.network.location.geoCoordinates } },
    appliedConditionalAccessPolicies: [],
  };
  return { signIn, userAgent: spec.network.userAgent, autonomousSystemNumber: spec.network.autonomousSystemNumber };
}

type At = (minutesBeforeNow: number) => string;

function seedMailbox(tenant: SimulatedTenant, at: At): void {
  const benign = SCENARIO_BENIGN.inboxRule;
  const planted = SCENARIO_ATTACK.inboxRule;
  tenant.messageRules.push(
    {
      userId: victim.id,
      createdDateTime: at(benign.minutesBeforeNow),
      clientIp: corporate.ipAddress,
      rule: {
        id: benign.id,
        displayName: benign.displayName,
        sequence: 1,
        isEnabled: true,
        hasError: false,
        isReadOnly: false,
        conditions: { senderContains: ['newsletter'] },
        actions: { moveToFolder: benign.moveToFolderId, stopProcessingRules: false },
      },
    },
    {
      userId: victim.id,
      createdDateTime: at(SCENARIO_ATTACK.minutesBeforeNow.inboxRule),
      clientIp: attacker.ipAddress,
      rule: {
        id: planted.id,
        displayName: planted.displayName,
        sequence: 2,
        isEnabled: true,
        hasError: false,
        isReadOnly: false,
        conditions: {},
        actions: {
          forwardTo: [{ emailAddress: { name: planted.forwardTo, address: planted.forwardTo } }],
          moveToFolder: planted.moveToFolderId,
          markAsRead: true,
          stopProcessingRules: true,
        },
      },
    },
  );
}

function seedApplications(tenant: SimulatedTenant, at: At): void {
  const benign = SCENARIO_BENIGN.app;
  const malicious = SCENARIO_ATTACK.maliciousApp;
  tenant.permissionGrants.push(
    {
      consentedDateTime: at(benign.minutesBeforeNow),
      grant: {
        id: benign.grantId,
        clientId: benign.servicePrincipalId,
        consentType: 'Principal',
        principalId: victim.id,
        resourceId: MICROSOFT_GRAPH.servicePrincipalId,
        scope: benign.scope,
      },
    },
    {
      consentedDateTime: at(SCENARIO_ATTACK.minutesBeforeNow.consent),
      grant: {
        id: malicious.grantId,
        clientId: malicious.servicePrincipalId,
        consentType: 'Principal',
        principalId: victim.id,
        resourceId: MICROSOFT_GRAPH.servicePrincipalId,
        scope: malicious.scope,
      },
    },
  );
  tenant.appRoleAssignments.push({
    assignment: {
      id: benign.appRoleAssignmentId,
      appRoleId: '00000000-0000-0000-0000-000000000000',
      createdDateTime: at(benign.minutesBeforeNow),
      deletedDateTime: null,
      principalDisplayName: victim.displayName,
      principalId: victim.id,
      principalType: 'User',
      resourceDisplayName: benign.displayName,
      resourceId: benign.servicePrincipalId,
    },
  });
}

function seedAuthenticationMethods(tenant: SimulatedTenant, at: At): void {
  const { passwordMethod, authenticatorMethod } = SCENARIO_BENIGN;
  const phone = SCENARIO_ATTACK.phoneMethod;
  const passwordSet = at(passwordMethod.minutesBeforeNow);
  const authenticatorAdded = at(authenticatorMethod.minutesBeforeNow);
  const phoneAdded = at(SCENARIO_ATTACK.minutesBeforeNow.mfaRegistration);
  tenant.authenticationMethods.push(
    {
      userId: victim.id,
      registeredDateTime: passwordSet,
      method: {
        '@odata.type': '#microsoft.graph.passwordAuthenticationMethod',
        id: passwordMethod.id,
        password: null,
        createdDateTime: passwordSet,
      },
    },
    {
      userId: victim.id,
      registeredDateTime: authenticatorAdded,
      method: {
        '@odata.type': '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod',
        id: authenticatorMethod.id,
        displayName: authenticatorMethod.displayName,
        deviceTag: 'SoftwareTokenActivated',
        phoneAppVersion: '6.8.3',
        createdDateTime: authenticatorAdded,
      },
    },
    {
      userId: victim.id,
      registeredDateTime: phoneAdded,
      method: {
        '@odata.type': '#microsoft.graph.phoneAuthenticationMethod',
        id: phone.id,
        phoneNumber: phone.phoneNumber,
        phoneType: phone.phoneType,
        smsSignInState: 'notAllowedByPolicy',
      },
    },
  );
}

function seedDevices(tenant: SimulatedTenant, at: At): void {
  const laptop = SCENARIO_BENIGN.device;
  const planted = SCENARIO_ATTACK.device;
  const plantedAt = at(SCENARIO_ATTACK.minutesBeforeNow.deviceRegistration);
  const owners = { registeredOwnerIds: [victim.id], registeredUserIds: [victim.id] };
  tenant.devices.push(
    {
      ...owners,
      device: {
        id: laptop.id,
        deviceId: laptop.deviceId,
        displayName: laptop.displayName,
        operatingSystem: 'Windows',
        operatingSystemVersion: '10.0.22631.3007',
        registrationDateTime: at(laptop.minutesBeforeNow),
        approximateLastSignInDateTime: at(240),
        trustType: 'AzureAd',
        accountEnabled: true,
        isCompliant: true,
        isManaged: true,
      },
    },
    {
      ...owners,
      device: {
        id: planted.id,
        deviceId: planted.deviceId,
        displayName: planted.displayName,
        operatingSystem: 'Windows',
        operatingSystemVersion: '10.0.19045.3803',
        registrationDateTime: plantedAt,
        approximateLastSignInDateTime: plantedAt,
        trustType: 'Workplace',
        accountEnabled: true,
        isCompliant: false,
        isManaged: false,
      },
    },
  );
}

function seedDirectoryAudits(tenant: SimulatedTenant, at: At): void {
  const malicious = SCENARIO_ATTACK.maliciousApp;
  const device = SCENARIO_ATTACK.device;
  const minutes = SCENARIO_ATTACK.minutesBeforeNow;
  const actor = (u: ScenarioUser, network: Network) => ({
    user: { id: u.id, displayName: null, userPrincipalName: u.userPrincipalName, ipAddress: network.ipAddress },
    app: null,
  });
  const userTarget = (u: ScenarioUser) => ({
    id: u.id,
    displayName: u.displayName,
    type: 'User' as const,
    userPrincipalName: u.userPrincipalName,
    modifiedProperties: [],
  });
  const deviceTarget = {
    id: device.id,
    displayName: device.displayName,
    type: 'Device' as const,
    userPrincipalName: null,
    modifiedProperties: [],
  };
  const common = (n: number, activityDateTime: string) => ({
    id: `Directory_${seededGuid('a0d1', n)}`,
    correlationId: seededGuid('c0a2', n),
    result: 'success' as const,
    activityDateTime,
  });

  tenant.directoryAudits.push(
    {
      ...common(1, at(6 * 1440)),
      category: 'UserManagement',
      resultReason: 'User registered Authenticator App with Notification and Code',
      activityDisplayName: 'User registered security info',
      loggedByService: 'Authentication Methods',
      operationType: 'Add',
      initiatedBy: actor(blake, corporate),
      targetResources: [userTarget(blake)],
      additionalDetails: [],
    },
    {
      ...common(2, at(minutes.consent)),
      category: 'ApplicationManagement',
      resultReason: '',
      activityDisplayName: 'Consent to application',
      loggedByService: 'Core Directory',
      operationType: 'Assign',
      initiatedBy: actor(victim, attacker),
      targetResources: [
        {
          id: malicious.servicePrincipalId,
          displayName: malicious.displayName,
          type: 'ServicePrincipal',
          userPrincipalName: null,
          modifiedProperties: [
            { displayName: 'ConsentContext.IsAdminConsent', oldValue: null, newValue: '"False"' },
            {
              displayName: 'ConsentAction.Permissions',
              oldValue: null,
              newValue: `"[] => [[Id: ${malicious.grantId}, ClientId: ${malicious.servicePrincipalId}, PrincipalId: ${victim.id}, ResourceId: ${MICROSOFT_GRAPH.servicePrincipalId}, ConsentType: Principal, Scope: ${malicious.scope}]]; "`,
            },
          ],
        },
      ],
      additionalDetails: [
        { key: 'User-Agent', value: attacker.userAgent },
        { key: 'AppId', value: malicious.appId },
      ],
    },
    {
      ...common(3, at(minutes.mfaRegistration)),
      category: 'UserManagement',
      resultReason: 'User registered Mobile Phone SMS',
      activityDisplayName: 'User registered security info',
      loggedByService: 'Authentication Methods',
      operationType: 'Add',
      initiatedBy: actor(victim, attacker),
      targetResources: [userTarget(victim)],
      additionalDetails: [],
    },
    {
      ...common(4, at(minutes.deviceRegistration)),
      category: 'Device',
      resultReason: '',
      activityDisplayName: 'Register device',
      loggedByService: 'Device Registration Service',
      operationType: 'Add',
      initiatedBy: actor(victim, attacker),
      targetResources: [deviceTarget],
      additionalDetails: [
        { key: 'Device Id', value: device.deviceId },
        { key: 'Device OS', value: 'Windows' },
        { key: 'Device Trust Type', value: 'Workplace' },
      ],
    },
    {
      ...common(5, at(minutes.deviceRegistration)),
      category: 'Device',
      resultReason: '',
      activityDisplayName: 'Add registered owner to device',
      loggedByService: 'Core Directory',
      operationType: 'Assign',
      initiatedBy: actor(victim, attacker),
      targetResources: [deviceTarget, userTarget(victim)],
      additionalDetails: [],
    },
  );
  tenant.directoryAudits.sort((a, b) => b.activityDateTime.localeCompare(a.activityDateTime));
}

function recipient(address: string): Recipient {
  return { emailAddress: { name: address, address } };
}

/** UAL CreationTime: whole seconds, no zone designator. */
function ualTime(iso: string): string {
  return iso.replace(/\.\d+Z$|Z$/, '');
}

interface ExchangeRecordSpec {
  n: number;
  at: string;
  operation: string;
  recordType: 'exchangeItem' | 'exchangeAdmin' | 'exchangeItemAggregated';
  network: Network;
  objectId: string | null;
  data: Record<string, unknown>;
}

const UAL_RECORD_TYPES = { exchangeAdmin: 1, exchangeItem: 2, exchangeItemAggregated: 50 } as const;

function exchangeRecord(tenant: SimulatedTenant, spec: ExchangeRecordSpec): AuditLogRecord {
  const id = seededGuid('ua1e', spec.n);
  const upn = victim.userPrincipalName;
  const item = spec.recordType !== 'exchangeAdmin';
  return {
    '@odata.type': '#microsoft.graph.security.auditLogRecord',
    id,
    createdDateTime: spec.at,
    auditLogRecordType: spec.recordType,
    operation: spec.operation,
    organizationId: tenant.tenantId,
    userType: 'regular',
    userId: upn,
    service: 'Exchange',
    objectId: spec.objectId,
    userPrincipalName: upn,
    clientIp: spec.network.ipAddress,
    administrativeUnits: [],
    auditData: {
      '@odata.type': '#microsoft.graph.security.auditData',
      CreationTime: ualTime(spec.at),
      Id: id,
      Operation: spec.operation,
      OrganizationId: tenant.tenantId,
      RecordType: UAL_RECORD_TYPES[spec.recordType],
      ResultStatus: item ? 'Succeeded' : 'True',
      UserKey: victim.id,
      UserType: 0,
      Version: 1,
      Workload: 'Exchange',
      // Exchange appends the client port; Graph's record-level clientIp does not.
      ClientIP: `${spec.network.ipAddress}:${50_000 + spec.n}`,
      UserId: upn,
      ...(item
        ? {
            ClientIPAddress: spec.network.ipAddress,
            ClientInfoString: `Client=OWA;${spec.network.userAgent}`,
            ExternalAccess: false,
            LogonType: 0,
            MailboxOwnerUPN: upn,
            SessionId: seededGuid(spec.network === attacker ? '5e55' : '5e50', 1),
          }
        : {
            ObjectId: spec.objectId,
            ExternalAccess: false,
            OriginatingServer: 'PH0PR11MB4791 (15.20.7000.000)',
            SessionId: seededGuid(spec.network === attacker ? '5e55' : '5e50', 1),
          }),
      ...spec.data,
    },
  };
}

function seedMailboxAudit(tenant: SimulatedTenant, at: At): void {
  const { folders, attackerSends, benignSends, attackerReads, benignReads } = SCENARIO_MAILBOX;
  const upn = victim.userPrincipalName;
  for (const folder of Object.values(folders)) {
    tenant.mailFolders.push({
      userId: victim.id,
      folder: {
        id: folder.id,
        displayName: folder.displayName,
        parentFolderId: 'AAMkADRyb290LXdpbmd0aXAtbGFiAC4AAAAAAAEA',
        childFolderCount: 0,
        unreadItemCount: 0,
        totalItemCount: 0,
        isHidden: false,
      },
    });
  }
  let n = 0;
  const planted = SCENARIO_ATTACK.inboxRule;
  const benignRule = SCENARIO_BENIGN.inboxRule;
  tenant.mailboxAudit.push(
    exchangeRecord(tenant, {
      n: ++n,
      at: at(benignRule.minutesBeforeNow),
      operation: 'New-InboxRule',
      recordType: 'exchangeAdmin',
      network: corporate,
      objectId: `${upn}\\${benignRule.displayName}`,
      data: {
        Parameters: [
          { Name: 'Name', Value: benignRule.displayName },
          { Name: 'From', Value: 'newsletter' },
          { Name: 'MoveToFolder', Value: benignRule.moveToFolderName },
        ],
      },
    }),
    exchangeRecord(tenant, {
      n: ++n,
      at: at(SCENARIO_ATTACK.minutesBeforeNow.inboxRule),
      operation: 'New-InboxRule',
      recordType: 'exchangeAdmin',
      network: attacker,
      objectId: `${upn}\\${planted.displayName}`,
      data: {
        Parameters: [
          { Name: 'Mailbox', Value: upn },
          { Name: 'Name', Value: planted.displayName },
          { Name: 'ForwardTo', Value: planted.forwardTo },
          { Name: 'MoveToFolder', Value: planted.moveToFolderName },
          { Name: 'MarkAsRead', Value: 'True' },
          { Name: 'StopProcessingRules', Value: 'True' },
        ],
      },
    }),
  );
  const sends = [
    ...attackerSends.map((send) => ({ ...send, network: attacker })),
    ...benignSends.map((send) => ({ ...send, network: corporate })),
  ];
  sends.forEach((send, i) => {
    const sentAt = at(send.minutesBeforeNow);
    const messageId = `AAMkADRzZW50LW1lc3NhZ2UtAAAA${String(i + 1).padStart(4, '0')}=`;
    tenant.messages.push({
      userId: victim.id,
      message: {
        id: messageId,
        internetMessageId: send.internetMessageId,
        subject: send.subject,
        sentDateTime: sentAt,
        from: recipient(upn),
        toRecipients: [recipient(send.to)],
        ccRecipients: [],
        bccRecipients: [],
        parentFolderId: folders.sentItems.id,
      },
    });
    tenant.mailboxAudit.push(
      exchangeRecord(tenant, {
        n: ++n,
        at: sentAt,
        operation: 'Send',
        recordType: 'exchangeItem',
        network: send.network,
        objectId: null,
        data: {
          Item: {
            Id: messageId,
            InternetMessageId: send.internetMessageId,
            Subject: send.subject,
            ParentFolder: { Path: '\\Sent Items' },
            SizeInBytes: 14_210,
          },
        },
      }),
    );
  });
  const reads = [
    ...attackerReads.map((read) => ({ ...read, network: attacker })),
    ...benignReads.map((read) => ({ ...read, network: corporate })),
  ];
  for (const read of reads) {
    tenant.mailboxAudit.push(
      exchangeRecord(tenant, {
        n: ++n,
        at: at(read.minutesBeforeNow),
        operation: 'MailItemsAccessed',
        recordType: 'exchangeItemAggregated',
        network: read.network,
        objectId: null,
        data: {
          OperationCount: read.items,
          OperationProperties: [
            { Name: 'MailAccessType', Value: read.accessType },
            { Name: 'IsThrottled', Value: 'False' },
          ],
          Folders: [{ Path: read.folder, FolderItems: [] }],
        },
      }),
    );
  }
  tenant.mailboxAudit.sort((a, b) => b.createdDateTime.localeCompare(a.createdDateTime));
}

/** Stable, recognisable ids so samples and tests can name seeded objects. */
export function seededGuid(kind: string, n: number): string {
  return `${kind}0000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

/** What the attacker plants when they come back after eradication (replantPersistence). */
export const SCENARIO_RETURN = {
  inboxRule: { id: 'AQAAAJ5dZqI=', displayName: '..', forwardTo: 'leak0314@protonmail.example' },
} as const;

/**
 * The attacker came back: a new forwarding rule in the victim's inbox, created now from the attacker's
 * IP, as a test needs after eradication removed the first one.
 */
export function replantPersistence(tenant: SimulatedTenant, now: Date, userIdOrUpn: string = victim.id): void {
  const user = tenant.findUser(userIdOrUpn);
  if (!user) throw new TypeError(`no user '${userIdOrUpn}' to re-plant persistence for`);
  const rule = SCENARIO_RETURN.inboxRule;
  if (tenant.messageRules.some((r) => r.userId === user.id && r.rule.id === rule.id)) return;
  tenant.messageRules.push({
    userId: user.id,
    createdDateTime: isoSeconds(now),
    clientIp: attacker.ipAddress,
    rule: {
      id: rule.id,
      displayName: rule.displayName,
      sequence: 3,
      isEnabled: true,
      hasError: false,
      isReadOnly: false,
      conditions: {},
      actions: { forwardTo: [recipient(rule.forwardTo)], markAsRead: true, stopProcessingRules: true },
    },
  });
}

/** Who re-enabled an account: a person (by UPN) or an app such as directory sync. */
export type Reenabler = { userPrincipalName: string } | { app: string };

/**
 * Someone else turns the account back on (a helpdesk colleague, or directory sync for a hybrid user),
 * and the directory audit says who: "Enable account" with AccountEnabled [false] -> [true].
 */
export function reenableAccount(tenant: SimulatedTenant, userIdOrUpn: string, by: Reenabler, now: Date): void {
  const user = tenant.findUser(userIdOrUpn);
  if (!user) throw new TypeError(`no user '${userIdOrUpn}' to re-enable`);
  user.accountEnabled = true;
  let initiatedBy: DirectoryAudit['initiatedBy'];
  if ('app' in by) {
    initiatedBy = { user: null, app: { appId: null, displayName: by.app, servicePrincipalId: null, servicePrincipalName: null } };
  } else {
    const actor = tenant.findUser(by.userPrincipalName);
    initiatedBy = {
      user: {
        id: actor?.id ?? randomUUID(),
        displayName: actor?.displayName ?? null,
        userPrincipalName: by.userPrincipalName,
        ipAddress: corporate.ipAddress,
      },
      app: null,
    };
  }
  tenant.directoryAudits.push({
    id: `Directory_${randomUUID()}`,
    category: 'UserManagement',
    correlationId: randomUUID(),
    result: 'success',
    resultReason: '',
    activityDisplayName: 'Enable account',
    activityDateTime: isoSeconds(now),
    loggedByService: 'Core Directory',
    operationType: 'Update',
    initiatedBy,
    targetResources: [
      {
        id: user.id,
        displayName: user.displayName,
        type: 'User',
        userPrincipalName: user.userPrincipalName,
        modifiedProperties: [{ displayName: 'AccountEnabled', oldValue: '[false]', newValue: '[true]' }],
      },
    ],
    additionalDetails: [],
  });
  tenant.directoryAudits.sort((a, b) => b.activityDateTime.localeCompare(a.activityDateTime));
}
