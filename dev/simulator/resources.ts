// Microsoft Graph v1.0 resource shapes the simulator serves, with the documented property names, so
// that what production code parses here is what it will parse from graph.microsoft.com.

export interface GraphUser {
  id: string;
  userPrincipalName: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  mail: string;
  jobTitle: string | null;
  mobilePhone: string | null;
  officeLocation: string | null;
  preferredLanguage: string | null;
  businessPhones: string[];
  userType: 'Member' | 'Guest';
  accountEnabled: boolean;
  onPremisesSyncEnabled: boolean | null;
  createdDateTime: string;
  lastPasswordChangeDateTime: string;
  signInSessionsValidFromDateTime: string;
}

export interface SignInLocation {
  city: string;
  state: string;
  countryOrRegion: string;
  geoCoordinates: { altitude: number | null; latitude: number; longitude: number };
}

export interface SignIn {
  id: string;
  createdDateTime: string;
  userDisplayName: string;
  userPrincipalName: string;
  userId: string;
  appId: string;
  appDisplayName: string;
  ipAddress: string;
  clientAppUsed: string;
  correlationId: string;
  conditionalAccessStatus: 'success' | 'failure' | 'notApplied';
  isInteractive: boolean;
  riskDetail: string;
  riskLevelAggregated: RiskLevel;
  riskLevelDuringSignIn: RiskLevel;
  riskState: 'none' | 'atRisk' | 'confirmedCompromised' | 'remediated' | 'dismissed';
  riskEventTypes_v2: string[];
  resourceDisplayName: string;
  resourceId: string;
  status: { errorCode: number; failureReason: string | null; additionalDetails: string | null };
  deviceDetail: {
    deviceId: string;
    displayName: string;
    operatingSystem: string;
    browser: string;
    isCompliant: boolean;
    isManaged: boolean;
    trustType: string;
  };
  location: SignInLocation;
  appliedConditionalAccessPolicies: unknown[];
}

export type RiskLevel = 'none' | 'low' | 'medium' | 'high' | 'hidden';

export interface Recipient {
  emailAddress: { name: string; address: string };
}

/** Graph omits predicates and actions that are not set, so every member is optional. */
export interface MessageRulePredicates {
  senderContains?: string[];
  subjectContains?: string[];
  bodyOrSubjectContains?: string[];
  fromAddresses?: Recipient[];
}

export interface MessageRuleActions {
  forwardTo?: Recipient[];
  redirectTo?: Recipient[];
  forwardAsAttachmentTo?: Recipient[];
  delete?: boolean;
  permanentDelete?: boolean;
  moveToFolder?: string;
  markAsRead?: boolean;
  stopProcessingRules?: boolean;
}

export interface MessageRule {
  id: string;
  displayName: string;
  sequence: number;
  isEnabled: boolean;
  hasError: boolean;
  isReadOnly: boolean;
  conditions: MessageRulePredicates;
  actions: MessageRuleActions;
}

export interface OAuth2PermissionGrant {
  id: string;
  /** Object id of the client's service principal, not its appId. */
  clientId: string;
  consentType: 'Principal' | 'AllPrincipals';
  principalId: string | null;
  resourceId: string;
  scope: string;
}

export interface AppRoleAssignment {
  id: string;
  appRoleId: string;
  createdDateTime: string;
  deletedDateTime: string | null;
  principalDisplayName: string;
  principalId: string;
  principalType: 'User' | 'Group' | 'ServicePrincipal';
  resourceDisplayName: string;
  resourceId: string;
}

export interface PasswordAuthenticationMethod {
  '@odata.type': '#microsoft.graph.passwordAuthenticationMethod';
  id: string;
  password: null;
  createdDateTime: string;
}

/** v1.0 has no createdDateTime on phone methods; the registration time lives only in the audit log. */
export interface PhoneAuthenticationMethod {
  '@odata.type': '#microsoft.graph.phoneAuthenticationMethod';
  id: string;
  phoneNumber: string;
  phoneType: 'mobile' | 'alternateMobile' | 'office';
  smsSignInState: string;
}

export interface MicrosoftAuthenticatorAuthenticationMethod {
  '@odata.type': '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod';
  id: string;
  displayName: string;
  deviceTag: string;
  phoneAppVersion: string;
  createdDateTime: string;
}

/** The pass itself is returned once, in the POST's answer; every later read has `temporaryAccessPass: null`. */
export interface TemporaryAccessPassAuthenticationMethod {
  '@odata.type': '#microsoft.graph.temporaryAccessPassAuthenticationMethod';
  id: string;
  temporaryAccessPass: string | null;
  createdDateTime: string;
  startDateTime: string;
  lifetimeInMinutes: number;
  isUsableOnce: boolean;
  isUsable: boolean;
  methodUsabilityReason: string;
}

export type AuthenticationMethod =
  | PasswordAuthenticationMethod
  | PhoneAuthenticationMethod
  | MicrosoftAuthenticatorAuthenticationMethod
  | TemporaryAccessPassAuthenticationMethod;

export interface Device {
  id: string;
  deviceId: string;
  displayName: string;
  operatingSystem: string;
  operatingSystemVersion: string;
  registrationDateTime: string;
  approximateLastSignInDateTime: string;
  trustType: 'Workplace' | 'AzureAd' | 'ServerAd';
  accountEnabled: boolean;
  isCompliant: boolean;
  isManaged: boolean;
}

export interface AuditUserIdentity {
  id: string;
  displayName: string | null;
  userPrincipalName: string;
  ipAddress: string | null;
}

/** An app that acted (directory sync, a script's service principal). */
export interface AuditAppIdentity {
  appId: string | null;
  displayName: string;
  servicePrincipalId: string | null;
  servicePrincipalName: string | null;
}

export interface ModifiedProperty {
  displayName: string;
  oldValue: string | null;
  newValue: string | null;
}

export interface TargetResource {
  id: string;
  displayName: string | null;
  type: 'User' | 'Device' | 'ServicePrincipal' | 'Application';
  userPrincipalName: string | null;
  modifiedProperties: ModifiedProperty[];
}

/** An activated directory role; `id` is the tenant's object id, `roleTemplateId` the built-in role's. */
export interface DirectoryRole {
  '@odata.type': '#microsoft.graph.directoryRole';
  id: string;
  displayName: string;
  description: string;
  roleTemplateId: string;
}

export interface DirectoryAudit {
  id: string;
  category: string;
  correlationId: string;
  result: 'success' | 'failure';
  resultReason: string;
  activityDisplayName: string;
  activityDateTime: string;
  loggedByService: string;
  operationType: string;
  initiatedBy: { user: AuditUserIdentity | null; app: AuditAppIdentity | null };
  targetResources: TargetResource[];
  additionalDetails: { key: string; value: string }[];
}

/** Every property name of T, checked by the compiler to be complete; drives `$select` validation. */
export function propertyNames<T>(names: Record<KeysOfUnion<T>, true>): readonly string[] {
  return Object.keys(names);
}

type KeysOfUnion<T> = T extends unknown ? keyof T : never;

/** A mail folder as `GET users/{id}/mailFolders/{id}` returns it. */
export interface MailFolder {
  id: string;
  displayName: string;
  parentFolderId: string;
  childFolderCount: number;
  unreadItemCount: number;
  totalItemCount: number;
  isHidden: boolean;
}

/** The message properties the simulator serves (a sent message in the mailbox). */
export interface Message {
  id: string;
  internetMessageId: string;
  subject: string;
  sentDateTime: string;
  from: Recipient;
  toRecipients: Recipient[];
  ccRecipients: Recipient[];
  bccRecipients: Recipient[];
  parentFolderId: string;
}

/** A unified audit log record as the Graph audit log query API returns it (microsoft.graph.security.auditLogRecord). */
export interface AuditLogRecord {
  '@odata.type': '#microsoft.graph.security.auditLogRecord';
  id: string;
  createdDateTime: string;
  auditLogRecordType: string;
  operation: string;
  organizationId: string;
  userType: 'regular' | 'admin' | 'system' | 'application';
  userId: string;
  service: string;
  objectId: string | null;
  userPrincipalName: string;
  clientIp: string | null;
  administrativeUnits: string[];
  /** The workload's own audit data (for Exchange, the unified audit log's AuditData). */
  auditData: Record<string, unknown>;
}

export type AuditLogQueryStatus = 'notStarted' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** microsoft.graph.security.auditLogQuery as the simulator answers it. */
export interface AuditLogQuery {
  '@odata.type': '#microsoft.graph.security.auditLogQuery';
  id: string;
  displayName: string | null;
  filterStartDateTime: string | null;
  filterEndDateTime: string | null;
  recordTypeFilters: string[];
  keywordFilter: string | null;
  serviceFilters: string[];
  operationFilters: string[];
  userPrincipalNameFilters: string[];
  ipAddressFilters: string[];
  objectIdFilters: string[];
  administrativeUnitIdFilters: string[];
  status: AuditLogQueryStatus;
  isRecordCountLimitExceeded: boolean;
  recordCountLimit: number;
  approximateReturnedRecordCount: number;
}
