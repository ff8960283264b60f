// An Azure Monitor alert in the common alert schema (`schemaId: "azureMonitorCommonAlertSchema"`,
// `data.essentials`, `data.alertContext`), as an action group's webhook or Logic App receives it. For us
// that is a log search alert over Sentinel tables (SigninLogs, AADUserRiskEvents, CloudAppEvents, ...);
// the user, IP, user agent and ASN come from
//  - `alertContext.condition.allOf[].dimensions[]` (scheduledQueryRules 2021-08-01+, monitoringService
//    "Log Alerts V2": the rule is split by UserPrincipalName / UserId / IPAddress ...),
//  - `alertContext.condition.allOf[].event` (monitoringService "Simple Log Alert"),
//  - `alertContext.SearchResults.tables[]` and `alertContext.Dimensions` (monitoringService
//    "Log Analytics", the older log alert API, when the results were embedded).
// A notification whose `monitorCondition` is "Resolved" asks for nothing: it is acknowledged (200, no
// state change). Key: `azure-monitor:<alert instance id>` from `essentials.alertId`, the same for a
// fired notification's retries and distinct per dimension combination.
import type { Severity } from './severity';
import { ValidationError } from '../errors';
import { acknowledge, type ParsedAlert } from './acknowledged';
import { AlertFacts, LIMITS } from './facts';
import { factRole } from './field-names';
import { fieldAny, fieldCI, isObject, list, path, text } from './json';
import { alertRaised } from './raised';
import { invalidField, missingField, requiredId, titleText } from './refusals';
import type { AlertUser } from './types';
import { cleanText, toIsoTime, unique, userFromIdentifier } from './values';

const SHAPE = 'Azure Monitor alert';
const COMMON_SCHEMA = 'azuremonitorcommonalertschema';

export function isAzureMonitorAlert(body: unknown): boolean {
  const schemaId = text(fieldCI(body, 'schemaId'))?.toLowerCase();
  if (schemaId !== undefined) return true;
  return isObject(path(body, 'data', 'essentials'));
}

/** Sev0 Critical and Sev1 Error are high; Sev2 Warning medium; Sev3 Informational low; Sev4 Verbose informational. */
const MONITOR_SEVERITY: Readonly<Record<string, Severity>> = {
  sev0: 'high',
  sev1: 'high',
  sev2: 'medium',
  sev3: 'low',
  sev4: 'informational',
};

function monitorSeverity(value: unknown): Severity {
  const raw = text(value);
  if (raw === undefined) throw missingField(SHAPE, 'data.essentials.severity', 'severity');
  const severity = MONITOR_SEVERITY[raw.toLowerCase().replace(/^(\d)$/, 'sev$1')];
  if (severity === undefined)
    throw invalidField(SHAPE, 'data.essentials.severity', `unknown severity "${raw.slice(0, 40)}" (expected Sev0 to Sev4)`);
  return severity;
}

/**
 * One result row, dimension combination or event: its user columns describe one person (a row with both
 * UserPrincipalName and UserId is one user with both identifiers, not two users).
 */
function readRecord(cells: ReadonlyArray<readonly [unknown, unknown]>, facts: AlertFacts): void {
  const found: AlertUser[] = [];
  for (const [name, value] of cells) {
    const column = text(name);
    const role = column === undefined ? undefined : factRole(column);
    if (role === 'user') {
      const user = userFromIdentifier(text(value));
      if (user !== undefined) found.push(user);
    } else if (role === 'ip') facts.addIp(text(value));
    else if (role === 'userAgent') facts.addUserAgent(value);
    else if (role === 'asn') facts.addAsn(value);
  }
  const upns = unique(found.map((user) => user.upn));
  const objectIds = unique(found.map((user) => user.objectId));
  if (upns.length <= 1 && objectIds.length <= 1) {
    facts.addUser({
      ...(upns[0] !== undefined ? { upn: upns[0] } : {}),
      ...(objectIds[0] !== undefined ? { objectId: objectIds[0] } : {}),
    });
  } else {
    for (const user of found) facts.addUser(user);
  }
}

/** `[{name, value}, ...]` pairs, as dimensions and simple-log-alert events carry them. */
function readPairs(pairs: unknown, facts: AlertFacts): void {
  readRecord(
    list(pairs)
      .slice(0, 200)
      .map((pair) => [fieldCI(pair, 'name'), fieldCI(pair, 'value')] as const),
    facts,
  );
}

/** Log Analytics query results: `{tables: [{columns: [{name, type}], rows: [[...]]}]}`. */
function readSearchResults(results: unknown, facts: AlertFacts): void {
  for (const table of list(fieldCI(results, 'tables')).slice(0, LIMITS.tables)) {
    const columns = list(fieldCI(table, 'columns'))
      .slice(0, 200)
      .map((column) => text(fieldCI(column, 'name')) ?? text(column));
    const wanted = columns.map((name, index) => ({ name, index })).filter(({ name }) => name !== undefined && factRole(name) !== undefined);
    if (wanted.length === 0) continue;
    for (const row of list(fieldCI(table, 'rows')).slice(0, LIMITS.rows)) {
      if (Array.isArray(row))
        readRecord(
          wanted.map(({ name, index }) => [name, row[index]] as const),
          facts,
        );
    }
  }
}

/** Why the notification asks for nothing, or undefined when it reports a firing alert. */
function resolvedBecause(essentials: unknown, body: unknown): string | undefined {
  if (text(fieldCI(essentials, 'monitorCondition'))?.toLowerCase() === 'resolved') return 'monitorCondition is Resolved';
  // Not in the common schema reference, but some relays flag a cleared alert this way.
  const fired = fieldAny(essentials, 'fired') ?? fieldCI(body, 'fired');
  if (fired === false || (typeof fired === 'string' && fired.trim().toLowerCase() === 'false')) return 'fired is false';
  return undefined;
}

export function parseAzureMonitorAlert(body: unknown, raw: string): ParsedAlert {
  const schemaId = text(fieldCI(body, 'schemaId'));
  if (schemaId !== undefined && schemaId.toLowerCase() !== COMMON_SCHEMA) {
    throw new ValidationError(
      `${SHAPE}: schemaId "${schemaId.slice(0, 60)}" is not supported; enable the common alert schema on the action group`,
      422,
      { shape: SHAPE, invalid: 'schemaId' },
    );
  }
  const data = fieldCI(body, 'data');
  const essentials = fieldCI(data, 'essentials');
  if (!isObject(essentials)) throw missingField(SHAPE, 'data.essentials', 'the essentials section');
  const rule = titleText(fieldCI(essentials, 'alertRule'));
  const resolved = resolvedBecause(essentials, body);
  if (resolved !== undefined) {
    return acknowledge(SHAPE, `${resolved}${rule !== undefined ? ` for rule "${rule}"` : ''}; nothing to contain`);
  }
  const alertId = requiredId(SHAPE, fieldCI(essentials, 'alertId'), 'data.essentials.alertId', 'alert id');
  const severity = monitorSeverity(fieldCI(essentials, 'severity'));

  const context = fieldCI(data, 'alertContext');
  const facts = new AlertFacts();
  const condition = fieldCI(context, 'condition');
  for (const criterion of list(fieldCI(condition, 'allOf')).slice(0, LIMITS.tables)) {
    readPairs(fieldCI(criterion, 'dimensions'), facts);
    for (const event of list(fieldCI(criterion, 'event')).slice(0, LIMITS.rows)) readPairs(event, facts);
  }
  readPairs(fieldCI(context, 'Dimensions'), facts);
  readSearchResults(fieldAny(context, 'SearchResults', 'SearchResult'), facts);

  const users = facts.users(
    SHAPE,
    'no user in the dimensions or search results (split the log search alert rule by UserPrincipalName, or UserId for the object id)',
    'data.alertContext.condition.allOf[].dimensions[name=UserPrincipalName|UserId] or data.alertContext.SearchResults',
  );
  const windowStart = fieldAny(condition, 'windowStartTime') ?? fieldCI(context, 'SearchIntervalStartTimeUtc');
  const windowEnd = fieldAny(condition, 'windowEndTime') ?? fieldCI(context, 'SearchIntervalEndTimeUtc');
  const guid = alertId.match(/\/alerts\/([0-9a-f-]{36})$/i)?.[1] ?? alertId;
  const firstActivityAt = toIsoTime(text(windowStart)) ?? toIsoTime(text(fieldCI(essentials, 'firedDateTime')));
  return {
    source: 'azure-monitor',
    alertKey: `azure-monitor:${guid.toLowerCase()}`,
    alertId: guid,
    severity,
    title: rule ?? 'Azure Monitor alert',
    detection: cleanText(
      [
        'Azure Monitor',
        text(fieldCI(essentials, 'monitoringService')) ?? text(fieldCI(essentials, 'signalType')),
        rule !== undefined ? `rule ${rule}` : undefined,
      ]
        .filter((part) => part !== undefined)
        .join(' / '),
      200,
    ),
    firstActivityAt,
    lastActivityAt: toIsoTime(text(windowEnd)),
    users,
    ips: facts.ips,
    userAgents: facts.userAgents,
    asns: facts.asns,
    raw,
    ...alertRaised('Azure Monitor firedDateTime', fieldCI(essentials, 'firedDateTime'), firstActivityAt),
  };
}
