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
  filter: auditFilter,
  paging: AUDIT_PAGING,
});

const TARGET_ANY = /^targetResources\/any\(\s*(\w+)\s*:\s*\1\/id\s+eq\s+'((?:[^']|'')*)'\s*\)$/i;
const INITIATOR = /^initiatedBy\/user\/(id|userPrincipalName)\s+eq\s+'((?:[^']|'')*)'$/i;

/**
 * activityDateTime clauses, `initiatedBy/user/id` or `/userPrincipalName eq`, and
 * `targetResources/any(t:t/id eq '...')` are evaluated, as Graph documents them; other clauses are
 * accepted but not applied, so callers get a superset and must still check what they asked for.
 */
function auditFilter(filter: string): (audit: DirectoryAudit) => boolean {
  const clauses = splitConjunction(filter);
  const window = clauses.filter((clause) => clauseField(clause).toLowerCase() === 'activitydatetime');
  const tests: Array<(audit: DirectoryAudit) => boolean> = window.length === 0 ? [] : [compileFilter(window.join(' and '), AUDIT_FILTER)];
  for (const clause of clauses) {
    const target = TARGET_ANY.exec(clause.trim());
    if (target) {
      const id = target[2].replace(/''/g, "'").toLowerCase();
      tests.push((audit) => audit.targetResources.some((t) => t.id.toLowerCase() === id));
    }
    const initiator = INITIATOR.exec(clause.trim());
    if (initiator) {
      const value = initiator[2].replace(/''/g, "'").toLowerCase();
      const byId = initiator[1].toLowerCase() === 'id';
      tests.push((audit) => (byId ? audit.initiatedBy.user?.id : audit.initiatedBy.user?.userPrincipalName)?.toLowerCase() === value);
    }
  }
  return (audit) => tests.every((test) => test(audit));
}

export const auditLogRoutes: readonly GraphRoute[] = [signIns, directoryAudits];
