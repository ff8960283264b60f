// Evidence builders for the diagnosis unit tests: a small AiTM story on a fixed clock, in Graph's own
// shapes, passed through the same normalizers production uses.
import {
  appRoleAssignmentFromGraph,
  authenticationMethodFromGraph,
  deviceFromGraph,
  directoryAuditFromGraph,
  grantFromGraph,
  inboxRuleFromGraph,
  mailboxAuditFromGraph,
  signInFromGraph,
} from '../../shared/diagnosis/normalize';
import type { PackInput } from '../../shared/diagnosis/judge';
import type {
  AppRoleAssignmentEvidence,
  AuthenticationMethodEvidence,
  DeviceEvidence,
  DirectoryAuditEvidence,
  GrantEvidence,
  InboxRuleEvidence,
  MailboxAuditEvidence,
  SignInEvidence,
} from '../../shared/diagnosis/types';

export const NOW = '2026-03-14T12:00:00.000Z';
export const T0 = '2026-03-14T11:59:00.000Z';
export const USER = { id: '5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b01', upn: 'avery.chen@wingtip-lab.example', displayName: 'Avery Chen' };
export const ATTACKER_IP = '198.51.100.23';
export const CORPORATE_IP = '192.0.2.10';
export const HOSTING_ASNS = [16509, 14618, 14061, 24940, 16276, 63949, 20473];

/** An ISO time `minutes` before NOW. */
export function ago(minutes: number): string {
  return new Date(Date.parse(NOW) - minutes * 60_000).toISOString();
}

function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`fixture ${what} did not normalize`);
  return value;
}

let counter = 0;
function id(prefix: string): string {
  counter++;
  return `${prefix}-${counter.toString().padStart(4, '0')}`;
}

export function signIn(minutesAgo: number, ip: string, extra: Record<string, unknown> = {}): SignInEvidence {
  return must(
    signInFromGraph({
      id: id('signin'),
      createdDateTime: ago(minutesAgo),
      ipAddress: ip,
      appId: '4765445b-32c6-49b0-83e6-1d93765276ca',
      appDisplayName: 'OfficeHome',
      status: { errorCode: 0, failureReason: null },
      riskLevelDuringSignIn: 'none',
      location: { city: ip === ATTACKER_IP ? 'Amsterdam' : 'Seattle', countryOrRegion: ip === ATTACKER_IP ? 'NL' : 'US' },
      ...extra,
    }),
    'sign-in',
  );
}

/** The user's morning from the office, then the attacker at 180 min from a hosting ASN. */
export function storySignIns(withAsn = false): SignInEvidence[] {
  const asn = (value: number) => (withAsn ? { autonomousSystemNumber: value } : {});
  return [
    signIn(1400, CORPORATE_IP, asn(8075)),
    signIn(600, CORPORATE_IP, asn(8075)),
    signIn(240, CORPORATE_IP, asn(8075)),
    signIn(180, ATTACKER_IP, { riskLevelDuringSignIn: 'high', ...asn(14061) }),
    signIn(175, ATTACKER_IP, asn(14061)),
  ];
}

export function audit(minutesAgo: number, activity: string, fields: Record<string, unknown> = {}): DirectoryAuditEvidence {
  return must(
    directoryAuditFromGraph({
      id: id('Directory'),
      activityDateTime: ago(minutesAgo),
      activityDisplayName: activity,
      result: 'success',
      initiatedBy: { user: { id: USER.id, userPrincipalName: USER.upn, ipAddress: ATTACKER_IP }, app: null },
      targetResources: [{ id: USER.id, type: 'User', userPrincipalName: USER.upn, modifiedProperties: [] }],
      additionalDetails: [],
      ...fields,
    }),
    'directory audit',
  );
}

export function mailboxRecord(
  minutesAgo: number,
  operation: string,
  ip: string,
  auditData: Record<string, unknown> = {},
): MailboxAuditEvidence {
  return must(
    mailboxAuditFromGraph({
      id: id('ual'),
      createdDateTime: ago(minutesAgo),
      operation,
      clientIp: ip,
      userPrincipalName: USER.upn,
      auditData: { Operation: operation, ...auditData },
    }),
    'mailbox audit record',
  );
}

export function newInboxRule(minutesAgo: number, name: string, ip: string, parameters: Array<[string, string]> = []): MailboxAuditEvidence {
  return mailboxRecord(minutesAgo, 'New-InboxRule', ip, {
    Parameters: [['Name', name], ...parameters].map(([Name, Value]) => ({ Name, Value })),
  });
}

export function rule(displayName: string, actions: Record<string, unknown>, conditions: Record<string, unknown> = {}): InboxRuleEvidence {
  return must(inboxRuleFromGraph({ id: id('rule'), displayName, sequence: 1, isEnabled: true, conditions, actions }), 'rule');
}

export function to(address: string) {
  return { emailAddress: { name: address, address } };
}

export function grant(clientId: string, scope: string): GrantEvidence {
  return must(
    grantFromGraph({ id: id('grant'), clientId, consentType: 'Principal', principalId: USER.id, resourceId: 'graph-sp', scope }),
    'grant',
  );
}

export function appRole(resourceId: string, resourceDisplayName: string, createdMinutesAgo: number): AppRoleAssignmentEvidence {
  return must(
    appRoleAssignmentFromGraph({
      id: id('approle'),
      resourceId,
      resourceDisplayName,
      principalId: USER.id,
      createdDateTime: ago(createdMinutesAgo),
    }),
    'app role',
  );
}

export function method(type: string, fields: Record<string, unknown> = {}): AuthenticationMethodEvidence {
  return must(authenticationMethodFromGraph({ '@odata.type': `#microsoft.graph.${type}`, id: id('method'), ...fields }), 'method');
}

export function device(objectId: string, registeredMinutesAgo: number, fields: Record<string, unknown> = {}): DeviceEvidence {
  return must(
    deviceFromGraph({
      id: objectId,
      displayName: 'DESKTOP-AITM01',
      registrationDateTime: ago(registeredMinutesAgo),
      trustType: 'Workplace',
      isCompliant: false,
      isManaged: false,
      ...fields,
    }),
    'device',
  );
}

/** A pack input with the story's clock and no evidence; tests add what they judge. */
export function packInput(evidence: PackInput['evidence'], overrides: Partial<PackInput> = {}): PackInput {
  return {
    user: USER,
    t0: T0,
    now: NOW,
    lookbackStart: ago(24 * 60),
    auditLookbackStart: ago(7 * 24 * 60),
    alertIps: [ATTACKER_IP],
    alertUserAgents: [],
    hostingAsns: HOSTING_ASNS,
    internalDomains: [],
    evidence,
    unavailable: {},
    ...overrides,
  };
}
