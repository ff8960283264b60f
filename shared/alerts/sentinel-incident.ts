// Microsoft Sentinel incident, as the Logic Apps "Microsoft Sentinel incident" trigger delivers it to a
// playbook (incident resource under `object`), or as the Sentinel REST API returns the bare resource.
import { ValidationError } from '../errors';
import { field, fieldCI, isObject, list, path, text } from './json';
import type { AlertUser, NormalizedAlert } from './types';
import { dedupeUsers, toIp, toIsoTime, toSeverity, unique, userFromIdentifier } from './values';

const SHAPE = 'Sentinel incident';

export function isSentinelIncident(body: unknown): boolean {
  return incidentResource(body) !== undefined;
}

function incidentResource(body: unknown): unknown {
  const candidate = isObject(field(body, 'object')) ? field(body, 'object') : body;
  const type = text(field(candidate, 'type'))?.toLowerCase();
  const properties = field(candidate, 'properties');
  if (!isObject(properties)) return undefined;
  if (type === 'microsoft.securityinsights/incidents') return candidate;
  if (text(field(body, 'objectSchemaType'))?.toLowerCase() === 'incident') return candidate;
  return undefined;
}

/** An Account entity's user: the UPN as accountName@upnSuffix (never NTDomain), and/or the AAD object id. */
function accountUser(entity: unknown): AlertUser | undefined {
  const properties = field(entity, 'properties');
  const accountName = text(fieldCI(properties, 'accountName'));
  const upnSuffix = text(fieldCI(properties, 'upnSuffix'));
  const upn =
    userFromIdentifier(text(fieldCI(properties, 'userPrincipalName')))?.upn ??
    (accountName !== undefined && upnSuffix !== undefined ? userFromIdentifier(`${accountName}@${upnSuffix}`)?.upn : undefined) ??
    (accountName?.includes('@') ? userFromIdentifier(accountName)?.upn : undefined);
  const objectId = userFromIdentifier(text(fieldCI(properties, 'aadUserId')))?.objectId;
  if (upn === undefined && objectId === undefined) return undefined;
  return { upn, objectId };
}

function entityKind(entity: unknown): string | undefined {
  return text(field(entity, 'kind'))?.toLowerCase();
}

export function parseSentinelIncident(body: unknown, raw: string): NormalizedAlert {
  const incident = incidentResource(body);
  const properties = field(incident, 'properties');
  const name = text(field(incident, 'name'));
  const incidentNumber = text(field(properties, 'incidentNumber'));
  if (name === undefined) {
    throw new ValidationError(`${SHAPE}: missing incident name (object.name)`, 422, { shape: SHAPE, missing: 'object.name' });
  }
  const severityText = text(field(properties, 'severity'));
  const severity = toSeverity(severityText);
  if (severity === undefined) {
    throw new ValidationError(`${SHAPE}: missing or unknown severity (object.properties.severity)`, 422, {
      shape: SHAPE,
      missing: 'object.properties.severity',
    });
  }
  const entities = list(field(properties, 'relatedEntities'));
  const users = dedupeUsers(
    entities
      .filter((entity) => entityKind(entity) === 'account')
      .map(accountUser)
      .filter((user): user is AlertUser => user !== undefined),
  );
  if (users.length === 0) {
    throw new ValidationError(`${SHAPE}: no Account entity with a UPN or object id`, 422, {
      shape: SHAPE,
      missing: 'object.properties.relatedEntities[kind=Account].properties (accountName+upnSuffix or aadUserId)',
    });
  }
  const ips = unique(
    entities.filter((entity) => entityKind(entity) === 'ip').map((entity) => toIp(text(path(entity, 'properties', 'address')))),
  );
  const title = text(field(properties, 'title')) ?? 'Sentinel incident';
  return {
    source: 'sentinel-incident',
    alertKey: `sentinel-incident:${name.toLowerCase()}`,
    alertId: incidentNumber !== undefined ? `Sentinel incident #${incidentNumber}` : name,
    severity,
    title,
    detection: list(path(properties, 'additionalData', 'alertProductNames')).map(text).filter(Boolean).join(', ') || undefined,
    firstActivityAt: toIsoTime(text(field(properties, 'firstActivityTimeUtc'))),
    lastActivityAt: toIsoTime(text(field(properties, 'lastActivityTimeUtc'))),
    users,
    ips,
    userAgents: [],
    asns: [],
    raw,
  };
}
