// Runbook 2.3-2.5 judged: OAuth consents and app role assignments, authentication methods and devices.
// Graph gives grants no timestamp and some methods none either, so they are dated from the directory
// audit ("Consent to application", "User registered security info"); devices registered in the window
// are found through the audit too (app-only callers cannot list a user's registered devices).
import { joinAnd, quote, shortTime } from './describe';
import type {
  AppRoleAssignmentEvidence,
  AuthenticationMethodEvidence,
  DeviceEvidence,
  DiagnosedUser,
  DirectoryAuditEvidence,
  Finding,
  GrantEvidence,
  SignInEvidence,
} from './types';
import { byTimeAndSource, isAttackerIp, strongest, type Judgment, type JudgmentContext } from './verdicts';

export interface DirectoryContext {
  audits?: readonly DirectoryAuditEvidence[];
  /** Why the directory audit is missing, when it is. */
  auditsUnavailable?: string;
  appRoleAssignments?: readonly AppRoleAssignmentEvidence[];
  signIns?: readonly SignInEvidence[];
}

function noAuditReason(directory: DirectoryContext, what: string, since: string): string {
  return directory.auditsUnavailable
    ? `${what} time unknown: the directory audit is ${directory.auditsUnavailable}`
    : `${what} time unknown: no matching directory audit record since ${shortTime(since)}`;
}

// ----- OAuth2 permission grants (2.3) -----

const CONSENT_ACTIVITIES = /^(consent to application|add delegated permission grant|add oauth2permissiongrant)$/i;

/** Scopes that read or send mail, reach files, change the directory or keep access: what AiTM apps ask for. */
const HIGH_IMPACT_SCOPE =
  /^(mail\.|mailboxsettings\.|files\.|sites\.|contacts\.|calendars\.|notes\.|chat\.|channelmessage\.|ews\.|full_access_as_user$|imap\.|pop\.|smtp\.|directory\.|user\.readwrite|application\.readwrite|approleassignment\.|rolemanagement\.|offline_access$)/i;

function consentAuditsFor(grant: GrantEvidence, audits: readonly DirectoryAuditEvidence[]): DirectoryAuditEvidence[] {
  return audits.filter(
    (audit) =>
      CONSENT_ACTIVITIES.test(audit.activityDisplayName) &&
      audit.result !== 'failure' &&
      audit.targets.some(
        (target) => target.id === grant.clientId || target.modifiedProperties.some((p) => (p.newValue ?? '').includes(grant.id)),
      ),
  );
}

function appNameFor(
  grant: GrantEvidence,
  audits: readonly DirectoryAuditEvidence[],
  assignments: readonly AppRoleAssignmentEvidence[],
): string | undefined {
  for (const audit of audits) {
    const target = audit.targets.find((t) => t.id === grant.clientId && t.displayName !== undefined);
    if (target?.displayName) return target.displayName;
  }
  return assignments.find((a) => a.resourceId === grant.clientId && a.resourceDisplayName !== undefined)?.resourceDisplayName;
}

export function judgeGrants(
  ctx: JudgmentContext,
  grants: readonly GrantEvidence[],
  directory: DirectoryContext,
  auditSince: string,
): Finding[] {
  const audits = directory.audits ?? [];
  const assignments = directory.appRoleAssignments ?? [];
  return grants.map((grant) => {
    const consents = consentAuditsFor(grant, audits).sort((a, b) => a.activityDateTime.localeCompare(b.activityDateTime));
    const name = appNameFor(grant, consents, assignments) ?? appNameFor(grant, audits, assignments);
    const highImpact = grant.scopes.filter((scope) => HIGH_IMPACT_SCOPE.test(scope));
    const scopeReason =
      highImpact.length > 0
        ? `high-impact scopes: ${joinAnd(highImpact)}`
        : `low-impact scopes only${grant.scopes.length > 0 ? ` (${grant.scopes.join(' ')})` : ''}`;
    let judged: Judgment;
    if (consents.length > 0) {
      judged = strongest(consents.map((audit) => byTimeAndSource(ctx, 'consented', audit.activityDateTime, audit.initiatorIp)));
    } else {
      const why = noAuditReason(directory, 'consent', auditSince);
      judged = highImpact.length > 0 ? { verdict: 'unknown', reasons: [why] } : { verdict: 'benign', reasons: [why] };
    }
    const appIds = new Set(
      consents.flatMap((audit) => [audit.details.AppId, audit.details.appId].filter((v): v is string => v !== undefined)),
    );
    const attackerUse = (directory.signIns ?? []).find(
      (s) => s.appId !== undefined && appIds.has(s.appId) && isAttackerIp(ctx, s.ipAddress),
    );
    const first = consents[0];
    return {
      kind: 'oauth_grant',
      providerId: grant.id,
      title: `Consent to ${name ?? `client ${grant.clientId}`}`,
      createdAt: first?.activityDateTime,
      createdAtFrom: first ? `directory audit ${quote(first.activityDisplayName)}` : undefined,
      verdict: judged.verdict,
      reasons: [
        ...(highImpact.length > 0 && judged.verdict === 'suspicious' ? [scopeReason] : []),
        ...judged.reasons,
        ...(attackerUse ? [`the attacker signed in to it from ${attackerUse.ipAddress} at ${shortTime(attackerUse.createdDateTime)}`] : []),
        ...(highImpact.length > 0 && judged.verdict === 'suspicious' ? [] : [scopeReason]),
        ...(grant.consentType === 'AllPrincipals' ? ['admin consent for all users'] : []),
      ],
      source: 'oauthGrants',
      actor: first?.initiatorIp ? { ip: first.initiatorIp } : undefined,
      details: { app: name, clientId: grant.clientId, scopes: grant.scopes, consentType: grant.consentType, resourceId: grant.resourceId },
      target: { type: 'oAuth2PermissionGrant', id: grant.id },
      raw: grant.raw,
    };
  });
}

// ----- app role assignments (3.2 lists them with the grants) -----

export function judgeAppRoleAssignments(ctx: JudgmentContext, assignments: readonly AppRoleAssignmentEvidence[]): Finding[] {
  return assignments.map((assignment) => {
    const judged =
      assignment.createdDateTime !== undefined
        ? byTimeAndSource(ctx, 'assigned', assignment.createdDateTime)
        : { verdict: 'unknown' as const, reasons: ['assignment time unknown: Graph sent no createdDateTime'] };
    return {
      kind: 'app_role_assignment',
      providerId: assignment.id,
      title: `App role assignment: ${assignment.resourceDisplayName ?? assignment.resourceId ?? 'unknown app'}`,
      createdAt: assignment.createdDateTime,
      verdict: judged.verdict,
      reasons: judged.reasons,
      source: 'appRoleAssignments',
      details: { app: assignment.resourceDisplayName, resourceId: assignment.resourceId, appRoleId: assignment.appRoleId },
      target: { type: 'appRoleAssignment', id: assignment.id },
      raw: assignment.raw,
    };
  });
}

// ----- authentication methods (2.4) -----

const REGISTRATION_ACTIVITIES = /(registered security info|registered all required security info|admin registered security info)/i;

/** Which method type a "registered security info" audit is about, from its resultReason. */
const METHOD_WORDS: ReadonlyArray<readonly [string, RegExp]> = [
  ['temporaryAccessPassAuthenticationMethod', /temporary access pass/i],
  ['fido2AuthenticationMethod', /fido|security key|passkey/i],
  ['windowsHelloForBusinessAuthenticationMethod', /windows hello/i],
  ['microsoftAuthenticatorAuthenticationMethod', /microsoft authenticator|authenticator app|notification/i],
  ['softwareOathAuthenticationMethod', /software oath|third-party|oath/i],
  ['emailAuthenticationMethod', /e-?mail/i],
  ['phoneAuthenticationMethod', /phone|sms|voice|call/i],
];

export function methodTypeOfAudit(audit: DirectoryAuditEvidence): string | undefined {
  const text = `${audit.resultReason ?? ''} ${Object.values(audit.details).join(' ')}`;
  return METHOD_WORDS.find(([, words]) => words.test(text))?.[0];
}

const METHOD_NAMES: Readonly<Record<string, string>> = {
  passwordAuthenticationMethod: 'Password',
  phoneAuthenticationMethod: 'Phone',
  emailAuthenticationMethod: 'Email',
  microsoftAuthenticatorAuthenticationMethod: 'Microsoft Authenticator',
  softwareOathAuthenticationMethod: 'Software OATH token',
  fido2AuthenticationMethod: 'FIDO2 security key',
  windowsHelloForBusinessAuthenticationMethod: 'Windows Hello for Business',
  temporaryAccessPassAuthenticationMethod: 'Temporary Access Pass',
  platformCredentialAuthenticationMethod: 'Platform credential',
};

function involvesUser(user: DiagnosedUser, audit: DirectoryAuditEvidence): boolean {
  const id = user.id;
  const upn = user.upn;
  return (
    (id !== undefined && (audit.initiatorUserId === id || audit.targets.some((t) => t.id === id))) ||
    (upn !== undefined && (audit.initiatorUpn === upn || audit.targets.some((t) => t.userPrincipalName === upn)))
  );
}

export function judgeAuthenticationMethods(
  ctx: JudgmentContext,
  methods: readonly AuthenticationMethodEvidence[],
  directory: DirectoryContext,
  auditSince: string,
): Finding[] {
  const registrations = (directory.audits ?? [])
    .filter(
      (audit) => REGISTRATION_ACTIVITIES.test(audit.activityDisplayName) && audit.result !== 'failure' && involvesUser(ctx.user, audit),
    )
    .sort((a, b) => b.activityDateTime.localeCompare(a.activityDateTime));
  return methods.map((method) => {
    const name = METHOD_NAMES[method.type] ?? method.type;
    let createdAt = method.createdDateTime;
    let createdAtFrom: string | undefined;
    let judged: Judgment;
    let ip: string | undefined;
    const extra: string[] = [];
    if (createdAt !== undefined) {
      judged = byTimeAndSource(ctx, method.type === 'passwordAuthenticationMethod' ? 'set' : 'registered', createdAt);
    } else {
      const sameType = registrations.filter((audit) => methodTypeOfAudit(audit) === method.type);
      const audit = sameType[0];
      if (audit !== undefined) {
        createdAt = audit.activityDateTime;
        ip = audit.initiatorIp;
        createdAtFrom = `directory audit ${quote(audit.activityDisplayName)}${audit.resultReason ? ` (${audit.resultReason})` : ''}`;
        judged = byTimeAndSource(ctx, 'registered', createdAt, ip);
        extra.push(`dated from the ${createdAtFrom}: Graph gives this method no createdDateTime`);
        if (methods.filter((m) => m.type === method.type && m.createdDateTime === undefined).length > 1)
          extra.push('matched to the audit by method type only');
      } else {
        judged = { verdict: 'unknown', reasons: [noAuditReason(directory, 'registration', auditSince)] };
      }
    }
    return {
      kind: 'authentication_method',
      providerId: method.id,
      title: `${name}${method.label ? ` ${method.label}` : ''}`,
      createdAt,
      createdAtFrom,
      verdict: judged.verdict,
      reasons: [...judged.reasons, ...extra],
      source: 'authenticationMethods',
      actor: ip ? { ip } : undefined,
      details: { type: method.type, label: method.label },
      target: { type: method.type, id: method.id },
      raw: method.raw,
    };
  });
}

// ----- devices (2.5) -----

const DEVICE_ACTIVITIES = /^(register device|add device|add registered owner to device|add registered users to device)$/i;

export interface DeviceRegistration {
  deviceId: string;
  displayName?: string;
  /** Earliest audit naming the device. */
  at: string;
  ip?: string;
  activities: string[];
}

/** Devices the directory audit shows being registered to (or by) the user: the route app-only callers have. */
export function deviceRegistrations(user: DiagnosedUser, audits: readonly DirectoryAuditEvidence[]): DeviceRegistration[] {
  const byDevice = new Map<string, DeviceRegistration>();
  const relevant = audits
    .filter((audit) => DEVICE_ACTIVITIES.test(audit.activityDisplayName) && audit.result !== 'failure' && involvesUser(user, audit))
    .sort((a, b) => a.activityDateTime.localeCompare(b.activityDateTime));
  for (const audit of relevant) {
    for (const target of audit.targets.filter((t) => (t.type ?? '').toLowerCase() === 'device')) {
      const known = byDevice.get(target.id);
      if (known) {
        known.activities.push(audit.activityDisplayName);
        known.ip ??= audit.initiatorIp;
      } else {
        byDevice.set(target.id, {
          deviceId: target.id,
          displayName: target.displayName,
          at: audit.activityDateTime,
          ip: audit.initiatorIp,
          activities: [audit.activityDisplayName],
        });
      }
    }
  }
  return [...byDevice.values()];
}

export function judgeDevices(
  ctx: JudgmentContext,
  registrations: readonly DeviceRegistration[],
  devices: readonly DeviceEvidence[],
): Finding[] {
  return registrations.map((registration) => {
    const device = devices.find((d) => d.id === registration.deviceId);
    const createdAt = device?.registrationDateTime ?? registration.at;
    const judged = byTimeAndSource(ctx, 'registered', createdAt, registration.ip);
    const posture =
      device && !device.missing
        ? [device.isCompliant === false ? 'not compliant' : undefined, device.isManaged === false ? 'not managed' : undefined].filter(
            (s) => s !== undefined,
          )
        : [];
    return {
      kind: 'device',
      providerId: registration.deviceId,
      title: `Device ${device?.displayName ?? registration.displayName ?? registration.deviceId}`,
      createdAt,
      createdAtFrom: device?.registrationDateTime ? undefined : `directory audit ${quote(registration.activities[0])}`,
      verdict: judged.verdict,
      reasons: [
        ...judged.reasons,
        ...(posture.length > 0 ? [joinAnd(posture)] : []),
        ...(device?.missing ? ['no longer in the directory: removed since'] : []),
        `found through the directory audit (${joinAnd([...new Set(registration.activities)])})`,
      ],
      source: 'devices',
      actor: registration.ip ? { ip: registration.ip } : undefined,
      details: {
        displayName: device?.displayName ?? registration.displayName,
        deviceId: device?.deviceId,
        trustType: device?.trustType,
        operatingSystem: device?.operatingSystem,
        isCompliant: device?.isCompliant,
        isManaged: device?.isManaged,
        missing: device?.missing ?? device === undefined,
      },
      target: { type: 'device', id: registration.deviceId },
      raw: device?.raw ?? null,
    };
  });
}
