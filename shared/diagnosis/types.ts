// The vocabulary of Phase 2 (runbook 2.1-2.5, 5.3): the evidence each source yields once normalized, the
// attacker window, and the findings judged from them. Pure data; the judgment is in judge.ts.

/** Where evidence comes from; each is read independently and can fail on its own. */
export const SOURCE_NAMES = [
  'signIns',
  'directoryAudits',
  'mailboxAudit',
  'inboxRules',
  'oauthGrants',
  'appRoleAssignments',
  'authenticationMethods',
  'devices',
] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

/**
 * complete: every item read. truncated: read up to a limit, the rest is missing (the pack says so).
 * unavailable: refused for good (403 permission, 404 no mailbox) and recorded as such. pending: the
 * mailbox audit query is still running. failed: transient (retried by the queue) or an unexpected answer.
 */
export type SourceStatus = 'complete' | 'truncated' | 'unavailable' | 'pending' | 'failed';

export interface SourceOutcome {
  status: SourceStatus;
  /** What was read, e.g. "Graph v1.0 GET /auditLogs/signIns (interactive sign-ins only)". */
  via: string;
  items: number;
  /** For people: "unavailable: missing permission AuditLog.Read.All (Graph 403 Authorization_RequestDenied)". */
  detail?: string;
  httpStatus?: number;
  graphCode?: string;
  requestId?: string;
  /** A later attempt may succeed (throttling, service trouble); the queue retries the whole diagnosis. */
  transient?: boolean;
  /** Parts of the source that degraded without failing it, e.g. folder names that could not be read. */
  notes?: string[];
}

export type Verdict = 'suspicious' | 'benign' | 'unknown';

export const FINDING_KINDS = [
  'sign_in',
  'post_containment_activity',
  'inbox_rule',
  'oauth_grant',
  'app_role_assignment',
  'authentication_method',
  'device',
  'sent_message',
  'mail_items_accessed',
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

/** What eradication (Phase 3) needs to act on a finding: the Graph object and how it is addressed. */
export interface FindingTarget {
  /** e.g. "messageRule", "oAuth2PermissionGrant", "phoneAuthenticationMethod", "device". */
  type: string;
  id: string;
}

export interface Finding {
  kind: FindingKind;
  /** The provider's id for the object or record (Graph id, audit record id); findings are upserted by it. */
  providerId: string;
  /** One line for people: `Inbox rule "."`, `Consent to MailPort Sync`. */
  title: string;
  /** When the object was created or the activity happened, when known. */
  createdAt?: string;
  /** Where createdAt comes from when Graph does not carry it, e.g. "directory audit 'Consent to application'". */
  createdAtFrom?: string;
  verdict: Verdict;
  /** Human-readable, most telling first: "forwards to an external address (x); created 10 min after ...". */
  reasons: string[];
  source: SourceName;
  /** The IP (and user agent) the object was created or the activity done from, when the logs say. */
  actor?: { ip?: string; userAgent?: string };
  /** Key facts by name: recipients, scopes, forwarding addresses, counts. Small. */
  details: Readonly<Record<string, unknown>>;
  target?: FindingTarget;
  /** The evidence as the provider returned it; capped when stored. */
  raw: unknown;
}

// ----- normalized evidence -----

export interface SignInEvidence {
  id: string;
  createdDateTime: string;
  ipAddress?: string;
  /** Only from a hunting backend (SigninLogs); Graph v1.0 signIn has none. */
  userAgent?: string;
  /** Only from a hunting backend (SigninLogs AutonomousSystemNumber); Graph v1.0 signIn has none. */
  asn?: number;
  appId?: string;
  appDisplayName?: string;
  clientAppUsed?: string;
  /** status.errorCode 0. */
  succeeded: boolean;
  errorCode?: number;
  failureReason?: string;
  riskLevel?: string;
  location?: string;
  interactive?: boolean;
  raw: unknown;
}

export interface AuditTarget {
  id: string;
  type?: string;
  displayName?: string;
  userPrincipalName?: string;
  modifiedProperties: Array<{ name: string; oldValue?: string; newValue?: string }>;
}

export interface DirectoryAuditEvidence {
  id: string;
  activityDateTime: string;
  activityDisplayName: string;
  category?: string;
  result?: string;
  resultReason?: string;
  initiatorUserId?: string;
  initiatorUpn?: string;
  initiatorIp?: string;
  initiatorAppId?: string;
  targets: AuditTarget[];
  /** additionalDetails as key -> value (keys as sent). */
  details: Readonly<Record<string, string>>;
  raw: unknown;
}

export interface MailboxAuditEvidence {
  id: string;
  createdDateTime: string;
  operation: string;
  clientIp?: string;
  clientInfo?: string;
  sessionId?: string;
  /** Inbox rule operations: the rule's name and the cmdlet parameters (Name -> Value). */
  ruleName?: string;
  ruleParameters?: Readonly<Record<string, string>>;
  /** Send: the message's InternetMessageId and subject. */
  internetMessageId?: string;
  subject?: string;
  /** MailItemsAccessed: how many items the (aggregated) record covers, and the folders. */
  itemCount?: number;
  folders?: string[];
  accessType?: string;
  raw: unknown;
}

export interface InboxRuleEvidence {
  id: string;
  displayName: string;
  sequence?: number;
  isEnabled: boolean;
  /** Words the rule's conditions look for (subject, body, sender contains ...). */
  keywords: string[];
  /** True when the rule has no conditions at all: it applies to every message. */
  matchesEverything: boolean;
  forwardTo: string[];
  redirectTo: string[];
  forwardAsAttachmentTo: string[];
  delete: boolean;
  permanentDelete: boolean;
  moveToFolder?: string;
  copyToFolder?: string;
  markAsRead: boolean;
  stopProcessingRules: boolean;
  raw: unknown;
}

export interface GrantEvidence {
  id: string;
  /** The client's service principal object id (not its appId). */
  clientId: string;
  consentType?: string;
  principalId?: string;
  resourceId?: string;
  scopes: string[];
  raw: unknown;
}

export interface AppRoleAssignmentEvidence {
  id: string;
  appRoleId?: string;
  createdDateTime?: string;
  resourceId?: string;
  resourceDisplayName?: string;
  principalId?: string;
  raw: unknown;
}

export interface AuthenticationMethodEvidence {
  id: string;
  /** The @odata.type without its namespace, e.g. "phoneAuthenticationMethod". */
  type: string;
  createdDateTime?: string;
  /** What a person recognizes: a phone number, a device name, an email address. */
  label?: string;
  raw: unknown;
}

export interface DeviceEvidence {
  /** Directory object id. */
  id: string;
  deviceId?: string;
  displayName?: string;
  operatingSystem?: string;
  registrationDateTime?: string;
  trustType?: string;
  isCompliant?: boolean;
  isManaged?: boolean;
  accountEnabled?: boolean;
  /** The audit names it but the directory no longer has it (404): removed since. */
  missing?: boolean;
  raw: unknown;
}

export interface SentMessageEvidence {
  internetMessageId: string;
  found: boolean;
  subject?: string;
  recipients: string[];
}

/** The user as diagnosis addresses them. */
export interface DiagnosedUser {
  /** Object id, lower-cased, when known. */
  id?: string;
  upn?: string;
  displayName?: string;
}

/** Everything gathered for one diagnosis; a source that could not be read is absent (see its outcome). */
export interface Evidence {
  signIns?: SignInEvidence[];
  directoryAudits?: DirectoryAuditEvidence[];
  mailboxAudit?: MailboxAuditEvidence[];
  inboxRules?: InboxRuleEvidence[];
  oauthGrants?: GrantEvidence[];
  appRoleAssignments?: AppRoleAssignmentEvidence[];
  authenticationMethods?: AuthenticationMethodEvidence[];
  devices?: DeviceEvidence[];
  /** Folder id -> display name, for rules that move or copy messages. */
  folderNames?: ReadonlyMap<string, string>;
  /** InternetMessageId -> the sent message's recipients. */
  sentMessages?: ReadonlyMap<string, SentMessageEvidence>;
}

/** From the first suspicious sign-in to T0 (or, for an incident that was not contained, to the diagnosis). */
export interface AttackerWindow {
  start?: string;
  end: string;
  endsAt: 'T0' | 'diagnosis';
  /** The first suspicious sign-in, as people should read it: "sign-in from AS14061 (198.51.100.23)". */
  anchor?: { signInId: string; at: string; ip?: string; asn?: number; description: string };
  attackerIps: string[];
  attackerUserAgents: string[];
  /** IPs the user signed in from before the window: their own footprint. */
  knownIps: string[];
  /** Sign-in id -> why it is suspicious. */
  suspiciousSignIns: ReadonlyMap<string, string[]>;
  notes: string[];
}
