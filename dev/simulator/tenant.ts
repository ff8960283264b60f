// The simulated tenant's live in-memory state: users plus the evidence an AiTM incident leaves behind.
// Graph-shaped objects are kept beside simulator-only facts (user agent, ASN, creation times Graph
// does not expose) so later stand-ins, such as Log Analytics SigninLogs, can serve them from here.
import { randomUUID } from 'node:crypto';
import type {
  AppRoleAssignment,
  AuthenticationMethod,
  Device,
  DirectoryAudit,
  GraphUser,
  MessageRule,
  OAuth2PermissionGrant,
  SignIn,
} from './resources';

export interface SimUser extends GraphUser {
  /** Simulator-only: how many times revokeSignInSessions was called. */
  revokeCount: number;
  /** Simulator-only: how many times a PATCH set passwordProfile. The password itself is never kept. */
  passwordResetCount: number;
  forceChangePasswordNextSignIn: boolean;
  /** Simulator-only: directory role display names, e.g. "Global Administrator". */
  directoryRoles: string[];
}

export interface SignInRecord {
  signIn: SignIn;
  /** Not on the v1.0 signIn resource, but on SigninLogs (UserAgent, AutonomousSystemNumber). */
  userAgent: string;
  autonomousSystemNumber: number;
}

export interface MessageRuleRecord {
  userId: string;
  rule: MessageRule;
  /** Not on the Graph resource; the mailbox audit (New-InboxRule) has it. */
  createdDateTime: string;
  clientIp: string;
}

export interface PermissionGrantRecord {
  grant: OAuth2PermissionGrant;
  /** v1.0 grants carry no timestamp; the "Consent to application" audit does. */
  consentedDateTime: string;
}

export interface AppRoleAssignmentRecord {
  assignment: AppRoleAssignment;
}

export interface AuthenticationMethodRecord {
  userId: string;
  method: AuthenticationMethod;
  registeredDateTime: string;
}

export interface DeviceRecord {
  device: Device;
  registeredOwnerIds: string[];
  registeredUserIds: string[];
}

export type NewUser = Partial<SimUser> & { userPrincipalName: string };

export class SimulatedTenant {
  readonly users: SimUser[] = [];
  readonly signIns: SignInRecord[] = [];
  readonly messageRules: MessageRuleRecord[] = [];
  readonly permissionGrants: PermissionGrantRecord[] = [];
  readonly appRoleAssignments: AppRoleAssignmentRecord[] = [];
  readonly authenticationMethods: AuthenticationMethodRecord[] = [];
  readonly devices: DeviceRecord[] = [];
  readonly directoryAudits: DirectoryAudit[] = [];

  /** Graph addresses users by object id or UPN, both case-insensitively. */
  findUser(idOrUpn: string): SimUser | undefined {
    const key = idOrUpn.toLowerCase();
    return this.users.find((u) => u.id.toLowerCase() === key || u.userPrincipalName.toLowerCase() === key);
  }

  addUser(user: NewUser, now: Date): SimUser {
    const upn = user.userPrincipalName;
    const at = upn.indexOf('@');
    if (at < 1 || at === upn.length - 1) throw new TypeError(`userPrincipalName '${upn}' is not of the form alias@domain`);
    const id = user.id ?? randomUUID();
    if (!GUID.test(id)) throw new TypeError(`user id '${id}' is not a GUID`);
    if (this.findUser(upn) || this.findUser(id)) throw new UserExistsError(upn);
    const created = isoSeconds(now);
    const alias = upn.slice(0, at);
    const added: SimUser = {
      displayName: alias,
      givenName: null,
      surname: null,
      mail: upn,
      jobTitle: null,
      mobilePhone: null,
      officeLocation: null,
      preferredLanguage: 'en-US',
      businessPhones: [],
      userType: 'Member',
      accountEnabled: true,
      onPremisesSyncEnabled: null,
      createdDateTime: created,
      lastPasswordChangeDateTime: created,
      signInSessionsValidFromDateTime: created,
      revokeCount: 0,
      passwordResetCount: 0,
      forceChangePasswordNextSignIn: false,
      directoryRoles: [],
      ...withoutUndefined(user),
      userPrincipalName: upn,
      id,
    };
    this.users.push(added);
    return added;
  }
}

export class UserExistsError extends Error {
  constructor(userPrincipalName: string) {
    super(`A user with userPrincipalName or id matching '${userPrincipalName}' already exists`);
    this.name = 'UserExistsError';
  }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An explicit `undefined` in a partial must not wipe out a default. */
function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Graph timestamps carry whole seconds: 2026-03-14T09:00:00Z. */
export function isoSeconds(date: Date): string {
  return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
