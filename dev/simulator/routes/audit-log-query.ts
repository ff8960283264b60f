// Graph `security/auditLog/queries`: the Purview audit search diagnosis reads the mailbox audit with
// (runbook 2.2). Asynchronous as on Graph: a query is created (notStarted), runs for the configured time
// (tenant.auditQueryBehaviour), then its records page like any collection. A query that matched more
// than the record limit keeps the first ones and says isRecordCountLimitExceeded.
import { randomUUID } from 'node:crypto';
import { badRequest, GraphHttpError } from '../errors';
import { isRecord } from '../json';
import { METADATA, nextLink, PagingLimits, takePage } from '../odata';
import type { AuditLogQuery, AuditLogQueryStatus, AuditLogRecord } from '../resources';
import type { GraphRoute } from '../router';
import type { AuditQueryRecord, SimulatedTenant } from '../tenant';

const RECORD_PAGING: PagingLimits = { defaultTop: 150, maxTop: 1000 };

const STRING_LISTS = [
  'recordTypeFilters',
  'serviceFilters',
  'operationFilters',
  'userPrincipalNameFilters',
  'ipAddressFilters',
  'objectIdFilters',
  'administrativeUnitIdFilters',
] as const;
const SETTABLE = new Set<string>([
  '@odata.type',
  'displayName',
  'filterStartDateTime',
  'filterEndDateTime',
  'keywordFilter',
  'serviceFilter',
  'status',
  ...STRING_LISTS,
]);

function stringList(body: Record<string, unknown>, name: string): string[] {
  const value = body[name];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string'))
    throw badRequest(`Invalid value for property '${name}': a collection of strings is expected.`);
  return value;
}

function dateTime(body: Record<string, unknown>, name: string): string | null {
  const value = body[name];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value)))
    throw badRequest(
      `Cannot convert the literal '${typeof value === 'string' ? value : JSON.stringify(value)}' to the expected type 'Edm.DateTimeOffset'.`,
    );
  return new Date(Date.parse(value)).toISOString();
}

function matches(record: AuditLogRecord, query: AuditLogQuery): boolean {
  const lower = (values: readonly string[]) => values.map((v) => v.toLowerCase());
  const at = Date.parse(record.createdDateTime);
  if (query.filterStartDateTime && at < Date.parse(query.filterStartDateTime)) return false;
  if (query.filterEndDateTime && at > Date.parse(query.filterEndDateTime)) return false;
  if (query.recordTypeFilters.length > 0 && !lower(query.recordTypeFilters).includes(record.auditLogRecordType.toLowerCase())) return false;
  if (query.operationFilters.length > 0 && !lower(query.operationFilters).includes(record.operation.toLowerCase())) return false;
  if (query.userPrincipalNameFilters.length > 0 && !lower(query.userPrincipalNameFilters).includes(record.userPrincipalName.toLowerCase()))
    return false;
  if (query.ipAddressFilters.length > 0 && !query.ipAddressFilters.includes(record.clientIp ?? '')) return false;
  if (query.serviceFilters.length > 0 && !lower(query.serviceFilters).includes(record.service.toLowerCase())) return false;
  return true;
}

/** The query's status at `nowMs`: it runs for completesAfterMs (tenant clock) after creation. */
export function statusOf(entry: AuditQueryRecord, nowMs: number): AuditLogQueryStatus {
  if (nowMs - entry.createdAtMs < entry.completesAfterMs) return 'running';
  return entry.outcome;
}

function findQuery(tenant: SimulatedTenant, id: string): AuditQueryRecord {
  const entry = tenant.auditQueries.find((q) => q.query.id === id);
  if (!entry) throw new GraphHttpError(404, 'ResourceNotFound', `The audit log query '${id}' was not found.`);
  return entry;
}

function view(entry: AuditQueryRecord, nowMs: number): object {
  return { '@odata.context': `${METADATA}#security/auditLog/queries/$entity`, ...entry.query, status: statusOf(entry, nowMs) };
}

const createQuery: GraphRoute = {
  method: 'POST',
  path: 'security/auditLog/queries',
  query: [],
  handle(ctx) {
    const body = ctx.body;
    if (!isRecord(body)) throw badRequest('Empty Payload. JSON content expected.');
    for (const key of Object.keys(body)) {
      if (!SETTABLE.has(key)) throw badRequest(`The property '${key}' does not exist on type 'microsoft.graph.security.auditLogQuery'.`);
    }
    const lists = Object.fromEntries(STRING_LISTS.map((name) => [name, stringList(body, name)])) as Record<
      (typeof STRING_LISTS)[number],
      string[]
    >;
    if (typeof body.serviceFilter === 'string') lists.serviceFilters = [...lists.serviceFilters, body.serviceFilter];
    const behaviour = ctx.tenant.auditQueryBehaviour;
    const query: AuditLogQuery = {
      '@odata.type': '#microsoft.graph.security.auditLogQuery',
      id: randomUUID(),
      displayName: typeof body.displayName === 'string' ? body.displayName : null,
      filterStartDateTime: dateTime(body, 'filterStartDateTime'),
      filterEndDateTime: dateTime(body, 'filterEndDateTime'),
      keywordFilter: typeof body.keywordFilter === 'string' ? body.keywordFilter : null,
      ...lists,
      status: 'notStarted',
      isRecordCountLimitExceeded: false,
      recordCountLimit: behaviour.recordCountLimit,
      approximateReturnedRecordCount: 0,
    };
    const matching = ctx.tenant.mailboxAudit
      .filter((record) => matches(record, query))
      .sort((a, b) => b.createdDateTime.localeCompare(a.createdDateTime));
    const records = matching.slice(0, behaviour.recordCountLimit);
    query.isRecordCountLimitExceeded = matching.length > behaviour.recordCountLimit;
    query.approximateReturnedRecordCount = records.length;
    ctx.tenant.auditQueries.push({
      query,
      createdAtMs: ctx.now().getTime(),
      completesAfterMs: behaviour.completesAfterMs,
      outcome: behaviour.outcome,
      records,
    });
    return { status: 201, body: { '@odata.context': `${METADATA}#security/auditLog/queries/$entity`, ...query } };
  },
};

const getQuery: GraphRoute = {
  method: 'GET',
  path: 'security/auditLog/queries/{queryId}',
  query: [],
  handle(ctx) {
    return { status: 200, body: view(findQuery(ctx.tenant, ctx.params.queryId), ctx.now().getTime()) };
  },
};

const listRecords: GraphRoute = {
  method: 'GET',
  path: 'security/auditLog/queries/{queryId}/records',
  query: ['$top', '$skiptoken'],
  handle(ctx) {
    const entry = findQuery(ctx.tenant, ctx.params.queryId);
    const status = statusOf(entry, ctx.now().getTime());
    if (status !== 'succeeded')
      throw badRequest(`The audit log query is ${status}; its records can be read once it has succeeded.`, 'BadRequest');
    const page = takePage(entry.records, ctx.query, RECORD_PAGING);
    const body: Record<string, unknown> = { '@odata.context': `${METADATA}#security/auditLog/queries('${entry.query.id}')/records` };
    if (page.next !== undefined) body['@odata.nextLink'] = nextLink(ctx.baseUrl, ctx.url, page.next);
    body.value = page.items;
    return { status: 200, body };
  },
};

export const auditLogQueryRoutes: readonly GraphRoute[] = [createQuery, getQuery, listRecords];
