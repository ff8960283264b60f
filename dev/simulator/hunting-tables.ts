// The Sentinel (Log Analytics) and Defender advanced hunting tables of the simulated tenant, derived from
// its one seeded story: sign-ins become SigninLogs / AADNonInteractiveUserSignInLogs and
// EntraIdSignInEvents (AADSignInEventsBeta, the name it replaced), the mailbox audit becomes
// OfficeActivity and CloudAppEvents, directory audits become AuditLogs. Columns follow dev/kusto/schemas.ts.
import { DEFENDER_TABLES, LOG_ANALYTICS_TABLES } from '../kusto/schemas';
import { tableOf, type Table } from '../kusto/evaluate';
import type { RiskLevel } from './resources';
import type { SignInRecord, SimulatedTenant } from './tenant';

const RISK: Readonly<Partial<Record<RiskLevel, number>>> = { none: 1, low: 10, medium: 50, high: 100 };

/** ISP names CloudAppEvents gives the networks of the story (Defender has no ASN column). */
const ISP_BY_ASN: Readonly<Record<number, string>> = {
  8075: 'Microsoft Corporation',
  14061: 'DigitalOcean, LLC',
  16509: 'Amazon.com, Inc.',
};

function signInLogsRow(record: SignInRecord): Record<string, unknown> {
  const s = record.signIn;
  return {
    TimeGenerated: s.createdDateTime,
    CreatedDateTime: s.createdDateTime,
    Id: s.id,
    UserPrincipalName: s.userPrincipalName,
    UserId: s.userId,
    AppDisplayName: s.appDisplayName,
    AppId: s.appId,
    IPAddress: s.ipAddress,
    UserAgent: record.userAgent,
    // A string column in SigninLogs.
    AutonomousSystemNumber: record.autonomousSystemNumber ? String(record.autonomousSystemNumber) : '',
    ResultType: String(s.status.errorCode),
    ResultDescription: s.status.failureReason ?? '',
    RiskLevelDuringSignIn: s.riskLevelDuringSignIn,
    ClientAppUsed: s.clientAppUsed,
    Location: s.location.countryOrRegion,
  };
}

function signInEventsRow(record: SignInRecord): Record<string, unknown> {
  const s = record.signIn;
  return {
    Timestamp: s.createdDateTime,
    ReportId: s.id,
    AccountUpn: s.userPrincipalName,
    AccountObjectId: s.userId,
    Application: s.appDisplayName,
    ApplicationId: s.appId,
    IPAddress: s.ipAddress,
    UserAgent: record.userAgent,
    ErrorCode: s.status.errorCode,
    ClientAppUsed: s.clientAppUsed,
    LogonType: s.isInteractive ? '["interactiveUser"]' : '["nonInteractiveUser"]',
    RiskLevelAggregated: RISK[s.riskLevelAggregated] ?? 0,
    Country: s.location.countryOrRegion,
    City: s.location.city,
  };
}

/** The tables a Sentinel workspace holds for this tenant. */
export function logAnalyticsTables(tenant: SimulatedTenant): (name: string) => Table | undefined {
  return (name) => {
    const schema = LOG_ANALYTICS_TABLES[name];
    if (!schema) return undefined;
    switch (name) {
      case 'SigninLogs':
      case 'AADNonInteractiveUserSignInLogs': {
        const interactive = name === 'SigninLogs';
        return tableOf(schema, tenant.signIns.filter((r) => r.signIn.isInteractive === interactive).map(signInLogsRow));
      }
      case 'OfficeActivity':
        return tableOf(
          schema,
          tenant.mailboxAudit
            .filter((r) => r.auditLogRecordType === 'exchangeAdmin')
            .map((r) => ({
              TimeGenerated: r.createdDateTime,
              UserId: r.userPrincipalName,
              Operation: r.operation,
              OfficeWorkload: 'Exchange',
              ClientIP: r.auditData.ClientIP ?? r.clientIp,
              OfficeObjectId: r.objectId,
              // A JSON string of [{Name, Value}] in OfficeActivity.
              Parameters: JSON.stringify(r.auditData.Parameters ?? []),
            })),
        );
      default:
        return tableOf(
          schema,
          tenant.directoryAudits.map((a) => ({
            TimeGenerated: a.activityDateTime,
            Id: a.id,
            OperationName: a.activityDisplayName,
            Result: a.result,
            InitiatedBy: a.initiatedBy,
            TargetResources: a.targetResources,
            AdditionalDetails: a.additionalDetails,
          })),
        );
    }
  };
}

/** The tables Defender XDR advanced hunting holds for this tenant. */
export function defenderTables(tenant: SimulatedTenant): (name: string) => Table | undefined {
  return (name) => {
    const schema = DEFENDER_TABLES[name];
    if (!schema) return undefined;
    if (name !== 'CloudAppEvents') return tableOf(schema, tenant.signIns.map(signInEventsRow));
    const logins = tenant.signIns.map((r) => ({
      Timestamp: r.signIn.createdDateTime,
      ActionType: 'UserLoggedIn',
      Application: 'Microsoft 365',
      AccountObjectId: r.signIn.userId,
      AccountDisplayName: r.signIn.userDisplayName,
      IPAddress: r.signIn.ipAddress,
      Isp: ISP_BY_ASN[r.autonomousSystemNumber] ?? '',
      UserAgent: r.userAgent,
      ObjectName: '',
      RawEventData: { Operation: 'UserLoggedIn', ResultStatus: r.signIn.status.errorCode === 0 ? 'Success' : 'Failed' },
    }));
    const mailbox = tenant.mailboxAudit
      .filter((r) => r.auditLogRecordType === 'exchangeAdmin')
      .map((r) => ({
        Timestamp: r.createdDateTime,
        ActionType: r.operation,
        Application: 'Microsoft Exchange Online',
        AccountObjectId: typeof r.auditData.UserKey === 'string' ? r.auditData.UserKey : '',
        AccountDisplayName: r.userPrincipalName,
        IPAddress: r.clientIp ?? '',
        Isp: '',
        UserAgent: '',
        ObjectName: r.objectId ?? '',
        RawEventData: r.auditData,
      }));
    return tableOf(schema, [...logins, ...mailbox]);
  };
}
