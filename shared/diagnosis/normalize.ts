// Turns what Graph (or a hunting backend) returned into the evidence types judgment works on. Every
// input is untrusted JSON: wrong types read as absent, nothing throws, and an item without an id is
// dropped (it could not be upserted or acted on). Times become ISO 8601 UTC strings.
import { field, isObject, list, path, text } from '../alerts/json';
import type {
  AppRoleAssignmentEvidence,
  AuditTarget,
  AuthenticationMethodEvidence,
  DeviceEvidence,
  DirectoryAuditEvidence,
  GrantEvidence,
  InboxRuleEvidence,
  MailboxAuditEvidence,
  SentMessageEvidence,
  SignInEvidence,
} from './types';

const MAX_LIST = 500;

/** An ISO 8601 UTC time, or undefined. A time without a zone (the unified audit log's CreationTime) is UTC. */
export function isoTime(value: unknown): string | undefined {
  const raw = text(value);
  if (raw === undefined || raw.length > 64) return undefined;
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(raw) || !/T\d/.test(raw) ? raw : `${raw}Z`;
  const ms = Date.parse(zoned);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** An IP without the port Exchange appends ("198.51.100.23:54321", "[2001:db8::1]:443"), lower-cased. */
export function normalizeIp(value: unknown): string | undefined {
  const raw = text(value);
  if (raw === undefined || raw.length > 64) return undefined;
  const bracketed = /^\[([0-9a-f:.]+)\](?::\d+)?$/i.exec(raw);
  if (bracketed) return bracketed[1].toLowerCase();
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(raw);
  if (v4WithPort) return v4WithPort[1];
  return raw.toLowerCase();
}

function bool(value: unknown): boolean {
  return value === true;
}

function optionalBool(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

function num(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value.trim());
  return undefined;
}

/** A non-empty string, trimmed; numbers and other types are not strings here. */
function stringOnly(value: unknown): string | undefined {
  return typeof value === 'string' ? text(value) : undefined;
}

function strings(value: unknown): string[] {
  return list(value)
    .slice(0, MAX_LIST)
    .flatMap((item) => stringOnly(item) ?? []);
}

function capped(value: string | undefined, max = 512): string | undefined {
  return value === undefined ? undefined : value.slice(0, max);
}

/** An email address from a Graph recipient ({emailAddress: {address}}) or a bare string. */
function address(recipient: unknown): string | undefined {
  const raw = stringOnly(path(recipient, 'emailAddress', 'address')) ?? stringOnly(field(recipient, 'address')) ?? stringOnly(recipient);
  return raw === undefined ? undefined : raw.toLowerCase().slice(0, 320);
}

/**
 * Graph documents some recipient properties as a collection and `redirectTo` as a single recipient in
 * older versions of the schema: accept an array, one object, or nothing.
 */
export function recipients(value: unknown): string[] {
  const items = Array.isArray(value) ? value.slice(0, MAX_LIST) : value === undefined || value === null ? [] : [value];
  return [...new Set(items.flatMap((item) => address(item) ?? []))];
}

export function signInFromGraph(value: unknown): SignInEvidence | undefined {
  const id = text(field(value, 'id'));
  const createdDateTime = isoTime(field(value, 'createdDateTime'));
  if (id === undefined || createdDateTime === undefined) return undefined;
  const errorCode = num(path(value, 'status', 'errorCode'));
  const city = text(path(value, 'location', 'city'));
  const country = text(path(value, 'location', 'countryOrRegion'));
  return {
    id,
    createdDateTime,
    ipAddress: normalizeIp(field(value, 'ipAddress')),
    // Not on Graph v1.0 signIn; present when a hunting backend or a future Graph version supplies them.
    userAgent: capped(text(field(value, 'userAgent')), 1024),
    asn: num(field(value, 'autonomousSystemNumber')),
    appId: text(field(value, 'appId')),
    appDisplayName: capped(text(field(value, 'appDisplayName'))),
    clientAppUsed: capped(text(field(value, 'clientAppUsed'))),
    // A missing status is not a success: only an explicit 0 is.
    succeeded: errorCode === 0,
    errorCode,
    failureReason: capped(text(path(value, 'status', 'failureReason'))),
    riskLevel: text(field(value, 'riskLevelDuringSignIn'))?.toLowerCase(),
    location: [city, country].filter((part) => part !== undefined).join(', ') || undefined,
    interactive: optionalBool(field(value, 'isInteractive')),
    raw: value,
  };
}

function targetFrom(value: unknown): AuditTarget | undefined {
  const id = text(field(value, 'id'));
  if (id === undefined) return undefined;
  return {
    id: id.toLowerCase(),
    // Graph's own examples spell it "Type" as well as "type".
    type: text(field(value, 'type')) ?? text(field(value, 'Type')),
    displayName: capped(text(field(value, 'displayName'))),
    userPrincipalName: text(field(value, 'userPrincipalName'))?.toLowerCase(),
    modifiedProperties: list(field(value, 'modifiedProperties'))
      .slice(0, 50)
      .flatMap((property) => {
        const name = text(field(property, 'displayName'));
        if (name === undefined) return [];
        return [
          { name, oldValue: capped(text(field(property, 'oldValue')), 4096), newValue: capped(text(field(property, 'newValue')), 4096) },
        ];
      }),
  };
}

export function directoryAuditFromGraph(value: unknown): DirectoryAuditEvidence | undefined {
  const id = text(field(value, 'id'));
  const activityDateTime = isoTime(field(value, 'activityDateTime'));
  const activityDisplayName = text(field(value, 'activityDisplayName'));
  if (id === undefined || activityDateTime === undefined || activityDisplayName === undefined) return undefined;
  const details: Record<string, string> = {};
  for (const detail of list(field(value, 'additionalDetails')).slice(0, 50)) {
    const key = text(field(detail, 'key'));
    const detailValue = text(field(detail, 'value'));
    if (key !== undefined && detailValue !== undefined && !Object.prototype.hasOwnProperty.call(details, key))
      details[key] = detailValue.slice(0, 1024);
  }
  return {
    id,
    activityDateTime,
    activityDisplayName: activityDisplayName.slice(0, 256),
    category: text(field(value, 'category')),
    result: text(field(value, 'result')),
    resultReason: capped(text(field(value, 'resultReason'))),
    initiatorUserId: text(path(value, 'initiatedBy', 'user', 'id'))?.toLowerCase(),
    initiatorUpn: text(path(value, 'initiatedBy', 'user', 'userPrincipalName'))?.toLowerCase(),
    initiatorIp: normalizeIp(path(value, 'initiatedBy', 'user', 'ipAddress')),
    initiatorAppId: text(path(value, 'initiatedBy', 'app', 'appId')),
    targets: list(field(value, 'targetResources'))
      .slice(0, 50)
      .flatMap((target) => targetFrom(target) ?? []),
    details,
    raw: value,
  };
}

/** [{Name, Value}] (cmdlet Parameters, OperationProperties) as a map; the first of a repeated name wins. */
function nameValues(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of list(value).slice(0, 100)) {
    const name = text(field(entry, 'Name')) ?? text(field(entry, 'name'));
    const entryValue = text(field(entry, 'Value')) ?? text(field(entry, 'value'));
    if (name !== undefined && entryValue !== undefined && !Object.prototype.hasOwnProperty.call(out, name))
      out[name] = entryValue.slice(0, 4096);
  }
  return out;
}

/** "Avery Chen\\." or "avery.chen@x\\Rule" -> the rule name after the last backslash. */
function ruleNameFromIdentity(identity: string | undefined): string | undefined {
  if (identity === undefined) return undefined;
  const name = identity.slice(identity.lastIndexOf('\\') + 1);
  return name === '' ? undefined : name;
}

const RULE_OPERATIONS = new Set([
  'new-inboxrule',
  'set-inboxrule',
  'updateinboxrules',
  'remove-inboxrule',
  'enable-inboxrule',
  'disable-inboxrule',
]);

export function isRuleOperation(operation: string): boolean {
  return RULE_OPERATIONS.has(operation.toLowerCase());
}

/** A unified audit log record from the Graph audit log query API (auditLogRecord with Exchange auditData). */
export function mailboxAuditFromGraph(value: unknown): MailboxAuditEvidence | undefined {
  const id = text(field(value, 'id'));
  const data = isObject(field(value, 'auditData')) ? field(value, 'auditData') : undefined;
  const createdDateTime = isoTime(field(value, 'createdDateTime')) ?? isoTime(field(data, 'CreationTime'));
  const operation = text(field(value, 'operation')) ?? text(field(data, 'Operation'));
  if (id === undefined || createdDateTime === undefined || operation === undefined) return undefined;
  const parameters = nameValues(field(data, 'Parameters'));
  const properties = nameValues(field(data, 'OperationProperties'));
  const folders = list(field(data, 'Folders'))
    .slice(0, 50)
    .flatMap((folder) => text(field(folder, 'Path')) ?? []);
  const folderItems = list(field(data, 'Folders')).reduce<number>((sum, folder) => sum + list(field(folder, 'FolderItems')).length, 0);
  const isRule = isRuleOperation(operation);
  return {
    id,
    createdDateTime,
    operation: operation.slice(0, 128),
    clientIp: normalizeIp(field(value, 'clientIp')) ?? normalizeIp(field(data, 'ClientIPAddress')) ?? normalizeIp(field(data, 'ClientIP')),
    clientInfo: capped(text(field(data, 'ClientInfoString')), 1024),
    sessionId: text(field(data, 'SessionId')),
    ruleName: isRule
      ? capped(
          parameters.Name ??
            properties.RuleName ??
            ruleNameFromIdentity(parameters.Identity) ??
            ruleNameFromIdentity(text(field(data, 'ObjectId'))),
          256,
        )
      : undefined,
    ruleParameters: isRule ? { ...parameters, ...properties } : undefined,
    internetMessageId: text(path(data, 'Item', 'InternetMessageId')),
    subject: capped(text(path(data, 'Item', 'Subject'))),
    itemCount: num(field(data, 'OperationCount')) ?? (folderItems > 0 ? folderItems : undefined),
    folders: folders.length > 0 ? folders : undefined,
    accessType: properties.MailAccessType,
    raw: value,
  };
}

export function inboxRuleFromGraph(value: unknown): InboxRuleEvidence | undefined {
  const id = text(field(value, 'id'));
  if (id === undefined) return undefined;
  const conditions = field(value, 'conditions');
  const actions = field(value, 'actions');
  const keywordFields = [
    'subjectContains',
    'bodyContains',
    'bodyOrSubjectContains',
    'senderContains',
    'recipientContains',
    'headerContains',
  ];
  const keywords = keywordFields.flatMap((name) => strings(field(conditions, name)));
  const conditionKeys = isObject(conditions)
    ? Object.entries(conditions).filter(
        ([key, v]) => !key.startsWith('@odata') && v !== null && v !== false && !(Array.isArray(v) && v.length === 0),
      )
    : [];
  return {
    id,
    displayName: (text(field(value, 'displayName')) ?? '').slice(0, 256),
    sequence: num(field(value, 'sequence')),
    // Graph always says; a rule whose state we cannot read is treated as live.
    isEnabled: field(value, 'isEnabled') !== false,
    keywords: [...new Set(keywords.map((keyword) => keyword.slice(0, 256)))],
    matchesEverything: conditionKeys.length === 0,
    forwardTo: recipients(field(actions, 'forwardTo')),
    redirectTo: recipients(field(actions, 'redirectTo')),
    forwardAsAttachmentTo: recipients(field(actions, 'forwardAsAttachmentTo')),
    delete: bool(field(actions, 'delete')),
    permanentDelete: bool(field(actions, 'permanentDelete')),
    moveToFolder: text(field(actions, 'moveToFolder')),
    copyToFolder: text(field(actions, 'copyToFolder')),
    markAsRead: bool(field(actions, 'markAsRead')),
    stopProcessingRules: bool(field(actions, 'stopProcessingRules')),
    raw: value,
  };
}

export function grantFromGraph(value: unknown): GrantEvidence | undefined {
  const id = text(field(value, 'id'));
  const clientId = text(field(value, 'clientId'));
  if (id === undefined || clientId === undefined) return undefined;
  const scope = typeof field(value, 'scope') === 'string' ? (field(value, 'scope') as string) : '';
  return {
    id,
    clientId: clientId.toLowerCase(),
    consentType: text(field(value, 'consentType')),
    principalId: text(field(value, 'principalId'))?.toLowerCase(),
    resourceId: text(field(value, 'resourceId'))?.toLowerCase(),
    scopes: [...new Set(scope.split(/\s+/).filter((s) => s.length > 0 && s.length <= 200))].slice(0, 200),
    raw: value,
  };
}

export function appRoleAssignmentFromGraph(value: unknown): AppRoleAssignmentEvidence | undefined {
  const id = text(field(value, 'id'));
  if (id === undefined) return undefined;
  return {
    id,
    appRoleId: text(field(value, 'appRoleId')),
    createdDateTime: isoTime(field(value, 'createdDateTime')),
    resourceId: text(field(value, 'resourceId'))?.toLowerCase(),
    resourceDisplayName: capped(text(field(value, 'resourceDisplayName'))),
    principalId: text(field(value, 'principalId'))?.toLowerCase(),
    raw: value,
  };
}

export function authenticationMethodFromGraph(value: unknown): AuthenticationMethodEvidence | undefined {
  const id = text(field(value, 'id'));
  const odataType = text(field(value, '@odata.type'));
  if (id === undefined) return undefined;
  const type = odataType?.replace(/^#?microsoft\.graph\./, '') ?? 'authenticationMethod';
  const label =
    text(field(value, 'phoneNumber')) ??
    text(field(value, 'emailAddress')) ??
    text(field(value, 'displayName')) ??
    text(field(value, 'model')) ??
    undefined;
  return { id, type: type.slice(0, 128), createdDateTime: isoTime(field(value, 'createdDateTime')), label: capped(label, 256), raw: value };
}

export function deviceFromGraph(value: unknown): DeviceEvidence | undefined {
  const id = text(field(value, 'id'));
  if (id === undefined) return undefined;
  return {
    id: id.toLowerCase(),
    deviceId: text(field(value, 'deviceId')),
    displayName: capped(text(field(value, 'displayName'))),
    operatingSystem: capped(text(field(value, 'operatingSystem'))),
    registrationDateTime: isoTime(field(value, 'registrationDateTime')),
    trustType: text(field(value, 'trustType')),
    isCompliant: optionalBool(field(value, 'isCompliant')),
    isManaged: optionalBool(field(value, 'isManaged')),
    accountEnabled: optionalBool(field(value, 'accountEnabled')),
    raw: value,
  };
}

/** A message found in the mailbox by its InternetMessageId: who it went to. */
export function sentMessageFromGraph(internetMessageId: string, value: unknown): SentMessageEvidence {
  if (!isObject(value)) return { internetMessageId, found: false, recipients: [] };
  return {
    internetMessageId,
    found: true,
    subject: capped(text(field(value, 'subject'))),
    recipients: [
      ...new Set([
        ...recipients(field(value, 'toRecipients')),
        ...recipients(field(value, 'ccRecipients')),
        ...recipients(field(value, 'bccRecipients')),
      ]),
    ],
  };
}

/** Applies a normalizer to a Graph collection, dropping what it cannot read. */
export function normalizeAll<T>(items: readonly unknown[], normalize: (value: unknown) => T | undefined): T[] {
  return items.flatMap((item) => normalize(item) ?? []);
}

/**
 * A row of SigninLogs or AADNonInteractiveUserSignInLogs (Log Analytics): what Graph v1.0 lacks is here,
 * the user agent and the ASN (a string column), and non-interactive sign-ins (token use) too.
 */
/** AADSignInEventsBeta's RiskLevelAggregated: 0 not set, 1 none, 10 low, 50 medium, 100 high. */
const DEFENDER_RISK: Readonly<Record<number, string>> = { 1: 'none', 10: 'low', 50: 'medium', 100: 'high' };

/** LogonType holds e.g. ["interactiveUser"] or ["nonInteractiveUser"]; anything else is not known. */
function defenderInteractive(logonType: unknown): boolean | undefined {
  const value = stringOnly(logonType)?.toLowerCase();
  if (value === undefined) return undefined;
  if (value.includes('noninteractive')) return false;
  if (value.includes('interactive')) return true;
  return undefined;
}

/** A Defender advanced hunting AADSignInEventsBeta row: the user agent, but no ASN column. */
export function signInFromDefender(row: unknown): SignInEvidence | undefined {
  const id = text(field(row, 'ReportId'));
  const createdDateTime = isoTime(field(row, 'Timestamp'));
  if (id === undefined || createdDateTime === undefined) return undefined;
  const errorCode = num(field(row, 'ErrorCode'));
  const risk = num(field(row, 'RiskLevelAggregated'));
  return {
    id,
    createdDateTime,
    ipAddress: normalizeIp(field(row, 'IPAddress')),
    userAgent: capped(stringOnly(field(row, 'UserAgent')), 1024),
    appId: stringOnly(field(row, 'ApplicationId')),
    appDisplayName: capped(stringOnly(field(row, 'Application'))),
    clientAppUsed: capped(stringOnly(field(row, 'ClientAppUsed'))),
    succeeded: errorCode === 0,
    errorCode,
    riskLevel: risk === undefined ? undefined : DEFENDER_RISK[risk],
    location: stringOnly(field(row, 'Country')),
    interactive: defenderInteractive(field(row, 'LogonType')),
    raw: row,
  };
}

export function signInFromLogAnalytics(row: unknown): SignInEvidence | undefined {
  const id = text(field(row, 'Id'));
  const createdDateTime = isoTime(field(row, 'CreatedDateTime')) ?? isoTime(field(row, 'TimeGenerated'));
  if (id === undefined || createdDateTime === undefined) return undefined;
  const resultType = text(field(row, 'ResultType'));
  const table = text(field(row, 'SignInTable'));
  return {
    id,
    createdDateTime,
    ipAddress: normalizeIp(field(row, 'IPAddress')),
    userAgent: capped(stringOnly(field(row, 'UserAgent')), 1024),
    asn: num(field(row, 'AutonomousSystemNumber')),
    appId: stringOnly(field(row, 'AppId')),
    appDisplayName: capped(stringOnly(field(row, 'AppDisplayName'))),
    clientAppUsed: capped(stringOnly(field(row, 'ClientAppUsed'))),
    succeeded: resultType === '0',
    errorCode: num(resultType),
    failureReason: capped(stringOnly(field(row, 'ResultDescription'))),
    riskLevel: stringOnly(field(row, 'RiskLevelDuringSignIn'))?.toLowerCase(),
    location: stringOnly(field(row, 'Location')),
    interactive: table === undefined ? optionalBool(field(row, 'IsInteractive')) : table === 'SigninLogs',
    raw: row,
  };
}
