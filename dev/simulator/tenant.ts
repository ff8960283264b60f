// The simulated tenant's live in-memory state: users, groups and directory roles, plus the evidence an
// AiTM incident leaves behind. Graph-shaped objects are kept beside simulator-only facts (user agent,
// ASN, creation times Graph does not expose) so later stand-ins, such as Log Analytics SigninLogs, can
// serve them from here.
import { createHash, randomUUID } from 'node:crypto';
import type {
  AppRoleAssignment,
  AuditLogQuery,
  AuditLogRecord,
  AuthenticationMethod,
  Device,
  DirectoryAudit,
  DirectoryRole,
  GraphUser,
  MailFolder,
  Message,
  MessageRule,
  OAuth2PermissionGrant,
  SignIn,
} from './resources';
import { SecurityRecords } from './security-records';

export interface SimUser extends GraphUser {
  /** Simulator-only: how many times revokeSignInSessions was called. */
  revokeCount: number;
  /** Simulator-only: how many times a PATCH set passwordProfile. The password itself is never kept. */
  passwordResetCount: number;
  forceChangePasswordNextSignIn: boolean;
  /** Simulator-only: directory role display names held directly, e.g. "Global Administrator". */
  directoryRoles: string[];
  /**
   * Simulator-only: the user's default MFA method (v1.0 does not expose it). Graph refuses to delete it
   * while other methods are registered.
   */
  defaultMethodId?: string;
  /** Simulator-only: how many Temporary Access Passes were issued. The passes themselves are never kept. */
  temporaryAccessPassCount: number;
}

/**
 * What the calling app holds: the Graph application permissions granted to it and the Entra directory
 * roles assigned to it. Write routes answer 403 Authorization_RequestDenied when neither the least
 * privileged permission nor its broader alternative is held, or a role the write needs is missing.
 */
export interface AppAccess {
  permissions: Set<string>;
  directoryRoles: string[];
}

/** The permissions the project's permission script grants: a fresh simulator's app holds all of them. */
export const DEFAULT_APP_PERMISSIONS: readonly string[] = [
  'RoleManagement.Read.Directory',
  'User.RevokeSessions.All',
  'User.EnableDisableAccount.All',
  'User.Read.All',
  'MailboxSettings.ReadWrite',
  'DelegatedPermissionGrant.ReadWrite.All',
  'AppRoleAssignment.ReadWrite.All',
  'UserAuthMethod-Phone.ReadWrite.All',
  'UserAuthMethod-Email.ReadWrite.All',
  'UserAuthMethod-MicrosoftAuthApp.ReadWrite.All',
  'UserAuthMethod-Passkey.ReadWrite.All',
  'UserAuthMethod-SoftwareOATH.ReadWrite.All',
  'UserAuthMethod-WindowsHello.ReadWrite.All',
  'UserAuthMethod-TAP.ReadWrite.All',
  'UserAuthMethod-PlatformCred.ReadWrite.All',
  'Device.ReadWrite.All',
  'User-PasswordProfile.ReadWrite.All',
];

/** A security group. Members are user or group object ids; membership through nested groups counts. */
export interface SimGroup {
  id: string;
  displayName: string;
  memberIds: string[];
  /**
   * Role display names assigned to the group, which makes it role-assignable (isAssignableToRole):
   * its members hold these roles. Entra refuses groups as members of such a group.
   */
  directoryRoles?: string[];
}

export interface NewGroup {
  /** A GUID; generated when absent. */
  id?: string;
  displayName: string;
  /** User ids or UPNs, or ids of existing groups. */
  members: string[];
  directoryRoles?: string[];
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

export interface MailFolderRecord {
  userId: string;
  folder: MailFolder;
}

export interface MessageRecord {
  userId: string;
  message: Message;
}

/** A query made through the audit log query API, with the records it matched when it was created. */
export interface AuditQueryRecord {
  query: AuditLogQuery;
  /** Tenant-clock ms (SimulatorOptions.now) when created: the query runs for `completesAfterMs` from then. */
  createdAtMs: number;
  completesAfterMs: number;
  outcome: 'succeeded' | 'failed';
  records: AuditLogRecord[];
}

/** How the simulated Purview audit search behaves: how long queries run, and their record limit. */
export interface AuditQueryBehaviour {
  /** A query answers running until this long after it was created; default 0 (succeeded at the first poll). */
  completesAfterMs: number;
  /** More matching records than this: the query keeps the first ones and says isRecordCountLimitExceeded. */
  recordCountLimit: number;
  /** 'failed' makes new queries end failed. */
  outcome: 'succeeded' | 'failed';
}

/** A sign-in to add, with Graph's fields defaulted; the user agent and ASN are simulator-only facts. */
export interface NewSignIn {
  user: SimUser;
  createdDateTime: string;
  ipAddress: string;
  userAgent?: string;
  autonomousSystemNumber?: number;
  appDisplayName?: string;
  appId?: string;
  errorCode?: number;
  riskLevel?: SignIn['riskLevelDuringSignIn'];
  city?: string;
  countryOrRegion?: string;
}

export type NewUser = Partial<SimUser> & { userPrincipalName: string };

export class SimulatedTenant {
  /** Defender XDR alerts and incidents, Sentinel incidents: what write-back comments on. */
  readonly security = new SecurityRecords();
  readonly users: SimUser[] = [];
  readonly groups: SimGroup[] = [];
  /** PIM eligible role assignments (roleEligibilityScheduleInstances): a user or role-assignable group, and the role's name. */
  readonly roleEligibilities: Array<{ principalId: string; role: string }> = [];
  readonly signIns: SignInRecord[] = [];
  readonly messageRules: MessageRuleRecord[] = [];
  readonly permissionGrants: PermissionGrantRecord[] = [];
  readonly appRoleAssignments: AppRoleAssignmentRecord[] = [];
  readonly authenticationMethods: AuthenticationMethodRecord[] = [];
  readonly devices: DeviceRecord[] = [];
  readonly directoryAudits: DirectoryAudit[] = [];
  readonly mailFolders: MailFolderRecord[] = [];
  readonly messages: MessageRecord[] = [];
  /** The unified audit log's Exchange records (what the audit log query API searches). */
  readonly mailboxAudit: AuditLogRecord[] = [];
  readonly auditQueries: AuditQueryRecord[] = [];
  auditQueryBehaviour: AuditQueryBehaviour = { completesAfterMs: 0, recordCountLimit: 50_000, outcome: 'succeeded' };
  /** Password resets need User Administrator (non-admins) or Privileged Authentication Administrator (admins). */
  appAccess: AppAccess = { permissions: new Set(DEFAULT_APP_PERMISSIONS), directoryRoles: ['User Administrator'] };

  /** The tenant's id seeds its directory role object ids; the seeded simulator uses SCENARIO_TENANT.id. */
  constructor(readonly tenantId: string = randomUUID()) {}

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
    if (this.findUser(upn) || this.findUser(id) || this.findGroup(id)) throw new UserExistsError(upn);
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
      temporaryAccessPassCount: 0,
      ...withoutUndefined(user),
      userPrincipalName: upn,
      id,
    };
    this.users.push(added);
    return added;
  }

  /** Adds a sign-in with Graph's documented shape; ids are generated. Keeps the log newest first. */
  addSignIn(spec: NewSignIn): SignInRecord {
    const failed = spec.errorCode !== undefined && spec.errorCode !== 0;
    const risk = spec.riskLevel ?? 'none';
    const signIn: SignIn = {
      id: randomUUID(),
      createdDateTime: spec.createdDateTime,
      userDisplayName: spec.user.displayName,
      userPrincipalName: spec.user.userPrincipalName,
      userId: spec.user.id,
      appId: spec.appId ?? '4765445b-32c6-49b0-83e6-1d93765276ca',
      appDisplayName: spec.appDisplayName ?? 'OfficeHome',
      ipAddress: spec.ipAddress,
      clientAppUsed: 'Browser',
      correlationId: randomUUID(),
      conditionalAccessStatus: failed ? 'notApplied' : 'success',
      isInteractive: true,
      riskDetail: 'none',
      riskLevelAggregated: risk,
      riskLevelDuringSignIn: risk,
      riskState: risk === 'none' ? 'none' : 'atRisk',
      riskEventTypes_v2: [],
      resourceDisplayName: 'Microsoft Graph',
      resourceId: '00000003-0000-0000-c000-000000000000',
      status: { errorCode: spec.errorCode ?? 0, failureReason: failed ? 'Sign-in was blocked.' : null, additionalDetails: null },
      deviceDetail: {
        deviceId: '',
        displayName: '',
        operatingSystem: 'Windows10',
        browser: 'Edge 120.0.0',
        isCompliant: false,
        isManaged: false,
        trustType: '',
      },
      location: {
        city: spec.city ?? 'Seattle',
        state: '',
        countryOrRegion: spec.countryOrRegion ?? 'US',
        geoCoordinates: { altitude: null, latitude: 0, longitude: 0 },
      },
      appliedConditionalAccessPolicies: [],
    };
    const record: SignInRecord = { signIn, userAgent: spec.userAgent ?? '', autonomousSystemNumber: spec.autonomousSystemNumber ?? 0 };
    this.signIns.push(record);
    this.signIns.sort((a, b) => b.signIn.createdDateTime.localeCompare(a.signIn.createdDateTime));
    return record;
  }

  /** Object ids are GUIDs, compared case-insensitively. */
  findGroup(id: string): SimGroup | undefined {
    const key = id.toLowerCase();
    return this.groups.find((g) => g.id === key);
  }

  /** Throws TypeError for an unknown member, a non-GUID id, or a group nested in a role-assignable group. */
  addGroup(group: NewGroup): SimGroup {
    const id = (group.id ?? randomUUID()).toLowerCase();
    if (!GUID.test(id)) throw new TypeError(`group id '${id}' is not a GUID`);
    if (this.findGroup(id) || this.findUser(id)) throw new GroupExistsError(id);
    if (!group.displayName) throw new TypeError('a group needs a displayName');
    const memberIds = group.members.map((member) => {
      const resolved = this.findUser(member)?.id ?? this.findGroup(member)?.id;
      if (!resolved) throw new TypeError(`group member '${member}' is neither a user id or UPN nor an existing group id`);
      return resolved;
    });
    const roles = group.directoryRoles ?? [];
    if (roles.length > 0 && memberIds.some((memberId) => this.findGroup(memberId))) {
      throw new TypeError('a role-assignable group (one with directoryRoles) cannot have groups as members');
    }
    const added: SimGroup = { id, displayName: group.displayName, memberIds: [...new Set(memberIds)] };
    if (roles.length > 0) added.directoryRoles = [...roles];
    this.groups.push(added);
    return added;
  }

  /** Every group the object is a member of, directly or through nested groups (what Graph calls transitive). */
  transitiveGroupsOf(objectId: string): SimGroup[] {
    const found = new Map<string, SimGroup>();
    const pending = [objectId.toLowerCase()];
    while (pending.length > 0) {
      const memberId = pending.pop() as string;
      for (const group of this.groups) {
        // The visited check also keeps a hand-made membership cycle from looping forever.
        if (found.has(group.id) || !group.memberIds.some((m) => m.toLowerCase() === memberId)) continue;
        found.set(group.id, group);
        pending.push(group.id);
      }
    }
    return [...found.values()];
  }

  /** The roles a user holds directly and through role-assignable groups, each once. */
  directoryRolesOf(user: SimUser): DirectoryRole[] {
    const names = [...user.directoryRoles, ...this.transitiveGroupsOf(user.id).flatMap((g) => g.directoryRoles ?? [])];
    const roles = new Map<string, DirectoryRole>();
    for (const name of names) {
      const role = this.directoryRole(name);
      roles.set(role.roleTemplateId, role);
    }
    return [...roles.values()];
  }

  /** A directory role as activated in this tenant: its object id differs from the template id, as on Entra. */
  directoryRole(displayName: string): DirectoryRole {
    const known = ROLE_TEMPLATES[displayName];
    const roleTemplateId = known?.id ?? derivedGuid('roleTemplate', displayName.toLowerCase());
    return {
      '@odata.type': '#microsoft.graph.directoryRole',
      id: derivedGuid('directoryRole', this.tenantId.toLowerCase(), roleTemplateId),
      displayName,
      description: known?.description ?? `Simulated directory role '${displayName}'.`,
      roleTemplateId,
    };
  }
}

/** Built-in role template ids are the same in every tenant; these are the real ones. */
const ROLE_TEMPLATES: Readonly<Record<string, { id: string; description: string }>> = {
  'Global Administrator': {
    id: '62e90394-69f5-4237-9190-012177145e10',
    description: 'Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities.',
  },
  'Privileged Authentication Administrator': {
    id: '7be44c8a-adaf-4e2a-84d6-ab2649e08a13',
    description: 'Can access to view, set and reset authentication method information for any user (admin or non-admin).',
  },
  'Privileged Role Administrator': {
    id: 'e8611ab8-c189-46e8-94e1-60213ab1f814',
    description: 'Can manage role assignments in Microsoft Entra ID, and all aspects of Privileged Identity Management.',
  },
  'User Administrator': {
    id: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
    description: 'Can manage all aspects of users and groups, including resetting passwords for limited admins.',
  },
  'Security Administrator': {
    id: '194ae4cb-b126-40b2-bd5b-6091b380977d',
    description: 'Can read security information and reports, and manage configuration in Microsoft Entra ID and Office 365.',
  },
  'Exchange Administrator': {
    id: '29232cdf-9323-42fd-ade2-1d097af3e4de',
    description: 'Can manage all aspects of the Exchange product.',
  },
};

/** A GUID that is the same every time for the same inputs, so tests and samples can name it. */
function derivedGuid(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\n')).digest('hex');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export class GroupExistsError extends Error {
  constructor(id: string) {
    super(`A directory object with id '${id}' already exists`);
    this.name = 'GroupExistsError';
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
