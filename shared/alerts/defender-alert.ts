// A Microsoft Defender XDR alert as Microsoft Graph returns it (security alert v2, GET
// /security/alerts_v2/{id}): id, providerAlertId, incidentId, severity, title, detectorId, serviceSource,
// first/lastActivityDateTime and evidence[] (see graph-evidence.ts).
// Key: `defender-alert:<providerAlertId>` (the id in the product that raised it, falling back to `id`):
// the same value Sentinel keeps as the SecurityAlert VendorOriginalId, so both copies meet.
import { acknowledgeClosed, type ParsedAlert } from './acknowledged';
import { AlertFacts, LIMITS } from './facts';
import { fieldCI, list, text } from './json';
import { readGraphEvidence } from './graph-evidence';
import { alertRaised } from './raised';
import { defenderAlertOrigin, defenderIncidentOrigin } from './origin';
import { optionalId, requiredId, requiredSeverity, titleText } from './refusals';
import { cleanText, toIsoTime } from './values';

const SHAPE = 'Defender alert';

function odataType(body: unknown): string {
  return text(fieldCI(body, '@odata.type'))?.toLowerCase() ?? '';
}

export function isDefenderAlert(body: unknown): boolean {
  if (/(^|[.#])security\.alert$/.test(odataType(body))) return true;
  return (
    Array.isArray(fieldCI(body, 'evidence')) &&
    ['detectorId', 'providerAlertId', 'serviceSource', 'alertWebUrl'].some((key) => fieldCI(body, key) !== undefined)
  );
}

/** Reads an alert's evidence (at most `budget` items) into `facts`; returns how many items it read. */
export function readDefenderAlert(alert: unknown, facts: AlertFacts, budget: number = LIMITS.entities): number {
  const evidence = list(fieldCI(alert, 'evidence')).slice(0, budget);
  readGraphEvidence(evidence, facts);
  return evidence.length;
}

export function parseDefenderAlert(body: unknown, raw: string): ParsedAlert {
  // Graph security alert status: new, inProgress, resolved (any classification).
  const closed = acknowledgeClosed(SHAPE, fieldCI(body, 'status'), 'status', ['resolved']);
  if (closed !== undefined) return closed;
  const id = requiredId(SHAPE, fieldCI(body, 'id'), 'id', 'alert id');
  const severity = requiredSeverity(SHAPE, fieldCI(body, 'severity'), 'severity');
  const facts = new AlertFacts();
  readDefenderAlert(body, facts);
  const users = facts.users(
    SHAPE,
    'no user evidence with a UPN or Entra object id (evidence[@odata.type=#microsoft.graph.security.userEvidence]; attacker-role evidence is never the victim)',
    'evidence[userEvidence].userAccount (userPrincipalName or azureAdUserId)',
  );
  const providerAlertId = optionalId(fieldCI(body, 'providerAlertId')) ?? id;
  const service = text(fieldCI(body, 'serviceSource'));
  const detectionSource = text(fieldCI(body, 'detectionSource'));
  const detector = optionalId(fieldCI(body, 'detectorId'));
  const firstActivityAt = toIsoTime(text(fieldCI(body, 'firstActivityDateTime')));
  return {
    source: 'defender-alert',
    alertKey: `defender-alert:${providerAlertId.toLowerCase()}`,
    alertId: id,
    severity,
    title: titleText(fieldCI(body, 'title')) ?? 'Defender alert',
    detection: cleanText(
      [
        [service, detectionSource].filter((part) => part !== undefined).join(' / '),
        detector !== undefined ? `detector ${detector}` : undefined,
      ]
        .filter((part) => part !== undefined && part !== '')
        .join(', '),
      200,
    ),
    firstActivityAt,
    lastActivityAt: toIsoTime(text(fieldCI(body, 'lastActivityDateTime'))),
    users,
    ips: facts.ips,
    userAgents: facts.userAgents,
    asns: facts.asns,
    raw,
    ...alertRaised('Defender alert createdDateTime', fieldCI(body, 'createdDateTime'), firstActivityAt),
    origin: {
      defenderAlert: defenderAlertOrigin(id),
      defenderIncident: defenderIncidentOrigin(optionalId(fieldCI(body, 'incidentId'))),
    },
  };
}
