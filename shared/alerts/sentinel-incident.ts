// Microsoft Sentinel incident, as
//  - the Logic Apps "Microsoft Sentinel incident" trigger delivers it to a playbook (the incident
//    resource under `object`, with `objectSchemaType`, `workspaceInfo`, `workspaceId`), or
//  - the Sentinel REST API returns it (GET .../incidents/{id}: the bare resource), with its entities in
//    `properties.relatedEntities`, or merged in from .../incidents/{id}/entities as a top-level `entities`
//    array (or that whole response under `entities`).
// Key: an incident that Microsoft Defender XDR also holds (its `additionalData.providerIncidentUrl` points
// at the Defender portal, or its provider is Defender XDR) is keyed by the Defender incident id, so the
// Sentinel and Defender copies of one incident meet; any other incident by its Sentinel name (a GUID).
import { acknowledgeClosed, type ParsedAlert } from './acknowledged';
import { AlertFacts, LIMITS } from './facts';
import { field, fieldCI, isObject, list, path, text } from './json';
import { missingField, optionalId, requiredId, requiredSeverity, titleText } from './refusals';
import { alertRaised } from './raised';
import { defenderIncidentOrigin, sentinelIncidentResourceId } from './origin';
import { readSentinelEntities } from './sentinel-entities';
import { cleanText, toIsoTime, unique } from './values';

const SHAPE = 'Sentinel incident';

function isIncidentType(value: unknown): boolean {
  return text(fieldCI(value, 'type'))?.toLowerCase() === 'microsoft.securityinsights/incidents';
}

/** The incident resource: under `object` (Logic Apps trigger) or the body itself (REST). */
function incidentResource(body: unknown): { incident: unknown; prefix: string } | undefined {
  const object = field(body, 'object');
  if (isObject(object) && (isIncidentType(object) || text(field(body, 'objectSchemaType'))?.toLowerCase() === 'incident')) {
    return { incident: object, prefix: 'object.' };
  }
  if (isIncidentType(body)) return { incident: body, prefix: '' };
  return undefined;
}

export function isSentinelIncident(body: unknown): boolean {
  return incidentResource(body) !== undefined;
}

/** The Defender XDR incident id this Sentinel incident mirrors, when the payload says so. */
export function defenderIncidentId(properties: unknown): string | undefined {
  const url = text(path(properties, 'additionalData', 'providerIncidentUrl'));
  const fromUrl = url?.match(/^https:\/\/security\.microsoft\.(?:com|us)\/incidents\/(\d{1,20})(?:[/?#]|$)/i)?.[1];
  if (fromUrl !== undefined) return fromUrl;
  const provider = text(field(properties, 'providerName')) ?? '';
  if (/defender|microsoft 365 defender|m365d|microsoft xdr/i.test(provider)) return optionalId(field(properties, 'providerIncidentId'));
  return undefined;
}

function entityLists(body: unknown, incident: unknown): Array<readonly unknown[]> {
  const entities = field(body, 'entities');
  return [
    list(path(incident, 'properties', 'relatedEntities')),
    list(field(body, 'relatedEntities')),
    list(entities),
    list(field(entities, 'entities')),
  ];
}

export function parseSentinelIncident(body: unknown, raw: string): ParsedAlert {
  const { incident, prefix } = incidentResource(body) ?? { incident: body, prefix: '' };
  const properties = field(incident, 'properties');
  if (!isObject(properties)) throw missingField(SHAPE, `${prefix}properties`, 'incident properties');
  // The automation rule also fires on updates: closing the incident is one, and asks for nothing.
  const closed = acknowledgeClosed(SHAPE, fieldCI(properties, 'status'), `${prefix}properties.status`, ['closed']);
  if (closed !== undefined) return closed;
  const name = requiredId(SHAPE, field(incident, 'name'), `${prefix}name`, 'incident name');
  const severity = requiredSeverity(SHAPE, field(properties, 'severity'), `${prefix}properties.severity`);

  const facts = new AlertFacts();
  // One budget across the places entities may be: 500 in all, not 500 per list.
  let budget: number = LIMITS.entities;
  for (const entities of entityLists(body, incident)) {
    readSentinelEntities(entities.slice(0, budget), facts);
    budget -= Math.min(entities.length, budget);
  }
  const users = facts.users(
    SHAPE,
    'no Account entity with a UPN or object id',
    `${prefix}properties.relatedEntities[kind=Account].properties (accountName+upnSuffix, userPrincipalName or aadUserId)`,
  );

  const incidentNumber = optionalId(field(properties, 'incidentNumber'));
  const defenderId = defenderIncidentId(properties);
  const products = unique(
    list(path(properties, 'additionalData', 'alertProductNames'))
      .slice(0, 20)
      .map((product) => cleanText(text(product), 100)),
  );
  const firstActivityAt = toIsoTime(text(field(properties, 'firstActivityTimeUtc')));
  return {
    source: 'sentinel-incident',
    alertKey: defenderId !== undefined ? `defender-incident:${defenderId.toLowerCase()}` : `sentinel-incident:${name.toLowerCase()}`,
    alertId: incidentNumber !== undefined ? `Sentinel incident #${incidentNumber}` : name,
    severity,
    title: titleText(field(properties, 'title')) ?? 'Sentinel incident',
    detection: products.length > 0 ? products.join(', ') : undefined,
    firstActivityAt,
    lastActivityAt: toIsoTime(text(field(properties, 'lastActivityTimeUtc'))),
    users,
    ips: facts.ips,
    userAgents: facts.userAgents,
    asns: facts.asns,
    raw,
    ...alertRaised('Sentinel incident createdTimeUtc', field(properties, 'createdTimeUtc'), firstActivityAt),
    origin: {
      sentinelIncident: sentinelIncidentResourceId(body, incident, name),
      defenderIncident: defenderIncidentOrigin(defenderId),
    },
  };
}
