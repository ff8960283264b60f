// A Microsoft Defender XDR incident as Microsoft Graph returns it with its alerts expanded
// (GET /security/incidents/{id}?$expand=alerts): id, displayName, severity, status and alerts[], each a
// security alert v2 whose evidence names the users. Without the expanded alerts there is nobody to
// contain, and the refusal says how to ask for them.
// Key: `defender-incident:<id>`, which a Sentinel incident mirroring the same Defender incident shares.
import { acknowledgeClosed, type ParsedAlert } from './acknowledged';
import { AlertFacts, LIMITS } from './facts';
import { readDefenderAlert } from './defender-alert';
import { fieldCI, isObject, list, text } from './json';
import { defenderIncidentOrigin } from './origin';
import { alertRaised } from './raised';
import { missingField, requiredId, requiredSeverity, titleText } from './refusals';
import { cleanText, toIsoTime, unique } from './values';

const SHAPE = 'Defender incident';

export function isDefenderIncident(body: unknown): boolean {
  if (isObject(fieldCI(body, 'properties'))) return false; // a Sentinel (ARM) resource
  const type = text(fieldCI(body, '@odata.type'))?.toLowerCase() ?? '';
  if (/(^|[.#])(security\.)?incident$/.test(type)) return true;
  return (
    Array.isArray(fieldCI(body, 'alerts')) &&
    ['incidentWebUrl', 'redirectIncidentId', 'displayName'].some((key) => fieldCI(body, key) !== undefined)
  );
}

function times(alerts: readonly unknown[], key: string): number[] {
  return alerts
    .map((alert) => toIsoTime(text(fieldCI(alert, key))))
    .filter((time): time is string => time !== undefined)
    .map((time) => Date.parse(time));
}

export function parseDefenderIncident(body: unknown, raw: string): ParsedAlert {
  // Graph security incident status: active, inProgress, resolved, redirected, awaitingAction.
  const closed = acknowledgeClosed(SHAPE, fieldCI(body, 'status'), 'status', ['resolved']);
  if (closed !== undefined) return closed;
  const id = requiredId(SHAPE, fieldCI(body, 'id'), 'id', 'incident id');
  const severity = requiredSeverity(SHAPE, fieldCI(body, 'severity'), 'severity');
  const alerts = list(fieldCI(body, 'alerts')).slice(0, LIMITS.entities);
  if (alerts.length === 0) {
    throw missingField(SHAPE, 'alerts', "the incident's alerts (request the incident with $expand=alerts)");
  }
  const facts = new AlertFacts();
  // One evidence budget for the whole incident: LIMITS.entities items in all, not per alert.
  let budget: number = LIMITS.entities;
  for (const alert of alerts) {
    if (budget <= 0) break;
    budget -= readDefenderAlert(alert, facts, budget);
  }
  const users = facts.users(
    SHAPE,
    'no user evidence with a UPN or Entra object id in any alert (attacker-role evidence is never the victim)',
    'alerts[].evidence[userEvidence].userAccount (userPrincipalName or azureAdUserId)',
  );
  const first = times(alerts, 'firstActivityDateTime');
  const last = times(alerts, 'lastActivityDateTime');
  const firstActivityAt = first.length > 0 ? new Date(Math.min(...first)).toISOString() : undefined;
  const services = unique(alerts.map((alert) => cleanText(text(fieldCI(alert, 'serviceSource')), 60)));
  return {
    source: 'defender-incident',
    alertKey: `defender-incident:${id.toLowerCase()}`,
    alertId: `Defender incident ${id}`,
    severity,
    title: titleText(fieldCI(body, 'displayName')) ?? 'Defender incident',
    detection: services.length > 0 ? services.slice(0, 10).join(', ') : undefined,
    firstActivityAt,
    lastActivityAt: last.length > 0 ? new Date(Math.max(...last)).toISOString() : undefined,
    users,
    ips: facts.ips,
    userAgents: facts.userAgents,
    asns: facts.asns,
    raw,
    ...alertRaised('Defender incident createdDateTime', fieldCI(body, 'createdDateTime'), firstActivityAt),
    origin: { defenderIncident: defenderIncidentOrigin(id) },
  };
}
