// The columns of the Sentinel (Log Analytics) and Defender XDR advanced hunting tables the project
// queries, as the Kusto analyzer and the simulator's stand-ins need them. Names and types follow
// Microsoft's table references (see ../shared/research/hunting.md): SigninLogs.ResultType and
// AutonomousSystemNumber are strings, EntraIdSignInEvents.ErrorCode is an int and it has no ASN column.

export type KustoType = 'string' | 'datetime' | 'int' | 'long' | 'dynamic' | 'bool' | 'real';

export type TableSchema = ReadonlyArray<readonly [string, KustoType]>;

const SIGN_IN_LOGS: TableSchema = [
  ['TimeGenerated', 'datetime'],
  ['CreatedDateTime', 'datetime'],
  ['Id', 'string'],
  ['UserPrincipalName', 'string'],
  ['UserId', 'string'],
  ['AppDisplayName', 'string'],
  ['AppId', 'string'],
  ['IPAddress', 'string'],
  ['UserAgent', 'string'],
  ['AutonomousSystemNumber', 'string'],
  ['ResultType', 'string'],
  ['ResultDescription', 'string'],
  ['RiskLevelDuringSignIn', 'string'],
  ['ClientAppUsed', 'string'],
  ['Location', 'string'],
];

const ENTRA_SIGN_IN_EVENTS: TableSchema = [
  ['Timestamp', 'datetime'],
  ['ReportId', 'string'],
  ['AccountUpn', 'string'],
  ['AccountObjectId', 'string'],
  ['Application', 'string'],
  ['ApplicationId', 'string'],
  ['IPAddress', 'string'],
  ['UserAgent', 'string'],
  ['ErrorCode', 'int'],
  ['ClientAppUsed', 'string'],
  ['LogonType', 'string'],
  ['RiskLevelAggregated', 'int'],
  ['Country', 'string'],
  ['City', 'string'],
];

/** Sentinel workspace tables. */
export const LOG_ANALYTICS_TABLES: Readonly<Record<string, TableSchema>> = {
  SigninLogs: SIGN_IN_LOGS,
  AADNonInteractiveUserSignInLogs: SIGN_IN_LOGS,
  OfficeActivity: [
    ['TimeGenerated', 'datetime'],
    ['UserId', 'string'],
    ['Operation', 'string'],
    ['OfficeWorkload', 'string'],
    ['ClientIP', 'string'],
    ['OfficeObjectId', 'string'],
    ['Parameters', 'string'],
  ],
  AuditLogs: [
    ['TimeGenerated', 'datetime'],
    ['Id', 'string'],
    ['OperationName', 'string'],
    ['Result', 'string'],
    ['InitiatedBy', 'dynamic'],
    ['TargetResources', 'dynamic'],
    ['AdditionalDetails', 'dynamic'],
  ],
};

/** Defender XDR advanced hunting tables. */
export const DEFENDER_TABLES: Readonly<Record<string, TableSchema>> = {
  EntraIdSignInEvents: ENTRA_SIGN_IN_EVENTS,
  AADSignInEventsBeta: ENTRA_SIGN_IN_EVENTS,
  CloudAppEvents: [
    ['Timestamp', 'datetime'],
    ['ActionType', 'string'],
    ['Application', 'string'],
    ['AccountObjectId', 'string'],
    ['AccountDisplayName', 'string'],
    ['IPAddress', 'string'],
    ['Isp', 'string'],
    ['UserAgent', 'string'],
    ['ObjectName', 'string'],
    ['RawEventData', 'dynamic'],
  ],
};
