// Graph `auditLogs`: sign-in logs and directory audits, the evidence diagnosis reads (runbook 2.1,
// and the timestamps of consent, security-info and device registration that Graph objects lack).
import { clauseField, compileFilter, FilterFields, splitConjunction } from '../filter';
import type { PagingLimits } from '../odata';
import { DirectoryAudit, propertyNames, SignIn } from '../resources';
import type { GraphRoute } from '../router';
import { collectionRoute } from './collection';

/** Graph's documented default and maximum page size for audit logs. */
const AUDIT_PAGING: PagingLimits = { defaultTop: 1000, maxTop: 1000 };

const SIGN_IN_FILTER: FilterFields<SignIn> = {
  userPrincipalName: { type: 'string', operators: ['eq'], get: (s) => s.userPrincipalName },
  userId: { type: 'string', operators: ['eq'], get: (s) => s.userId },
  ipAddress: { type: 'string', operators: ['eq'], get: (s) => s.ipAddress },
  createdDateTime: { type: 'dateTime', operators: ['eq', 'ge', 'le'], get: (s) => s.createdDateTime },
};

const signIns = collectionRoute<SignIn>({
  path: 'auditLogs/signIns',
  typeName: 'microsoft.graph.signIn',
  properties: propertyNames<SignIn>({
    id: true,
    createdDateTime: true,
    userDisplayName: true,
    userPrincipalName: true,
    userId: true,
    appId: true,
    appDisplayName: true,
    ipAddress: true,
    clientAppUsed: true,
    correlationId: true,
    conditionalAccessStatus: true,
    isInteractive: true,
    riskDetail: true,
    riskLevelAggregated: true,
    riskLevelDuringSignIn: true,
    riskState: true,
    riskEventTypes_v2: true,
    resourceDisplayName: true,
    resourceId: true,
    status: true,
    deviceDetail: true,
    location: true,
    appliedConditionalAccessPolicies: true,
  }),
  context: () => 'auditLogs/signIns',
  // Newest first, as Graph returns them.
  list: (ctx) => ctx.tenant.signIns.map((r) => r.signIn).sort((a, b) => b.createdDateTime.localeCompare(a.createdDateTime)),
  filter: (filter) => compileFilter(filter, SIGN_IN_FILTER),
  paging: AUDIT_PAGING,
});

const AUDIT_FILTER: FilterFields<DirectoryAudit> = {
  activityDateTime: { type: 'dateTime', operators: ['eq', 'ge', 'le'], get: (a) => a.activityDateTime },
};

const directoryAudits = collectionRoute<DirectoryAudit>({
  path: 'auditLogs/directoryAudits',
  typeName: 'microsoft.graph.directoryAudit',
  properties: propertyNames<DirectoryAudit>({
    id: true,
    category: true,
    correlationId: true,
    result: true,
    resultReason: true,
    activityDisplayName: true,
    activityDateTime: true,
    loggedByService: true,
    operationType: true,
    initiatedBy: true,
    targetResources: true,
    additionalDetails: true,
  }),
  context: () => 'auditLogs/directoryAudits',
  list: (ctx) => [...ctx.tenant.directoryAudits].sort((a, b) => b.activityDateTime.localeCompare(a.activityDateTime)),
  filter: timeWindowOnly,
  paging: AUDIT_PAGING,
});

/**
 * Only activityDateTime clauses are evaluated; other clauses (e.g. `targetResources/any(...)`) are
 * accepted but not applied, so callers get a superset and must still check targetResources themselves.
 */
function timeWindowOnly(filter: string): (audit: DirectoryAudit) => boolean {
  const window = splitConjunction(filter).filter((clause) => clauseField(clause).toLowerCase() === 'activitydatetime');
  return window.length === 0 ? () => true : compileFilter(window.join(' and '), AUDIT_FILTER);
}

export const auditLogRoutes: readonly GraphRoute[] = [signIns, directoryAudits];
