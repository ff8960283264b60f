// Microsoft Sentinel entities, in both of the forms they travel in:
//  - the REST / Logic Apps form (`kind: "Account"`, camelCase fields under `properties`), as in an
//    incident's `relatedEntities` or the Incidents - List Entities response;
//  - the SecurityAlert form (`Type: "account"`, PascalCase fields at the top level, `$id` on each entity
//    and `{"$ref": "<id>"}` where an entity repeats), as in SecurityAlert.Entities and the alert trigger.
// Entities nest (a cloud-logon-session holds its Account, a process its user); nested entities are read
// too, as Sentinel itself flattens them. Account entities give users; Ip entities give IPs and ASNs.
import { AlertFacts, hasAttackerRole, LIMITS } from './facts';
import { field, fieldAny, fieldCI, isObject, text } from './json';
import type { AlertUser } from './types';
import { userFromIdentifier } from './values';

/** The user an Account entity names: its UPN (never built from NTDomain or DnsDomain) and/or its Entra object id. */
export function accountUser(properties: unknown): AlertUser | undefined {
  const upnField = userFromIdentifier(text(fieldAny(properties, 'userPrincipalName', 'upn')))?.upn;
  const name = text(fieldAny(properties, 'accountName', 'name'));
  const suffix = text(fieldCI(properties, 'upnSuffix'));
  const composed =
    name !== undefined && suffix !== undefined && !name.includes('@') ? userFromIdentifier(`${name}@${suffix}`)?.upn : undefined;
  // Some producers put the whole UPN in the name.
  const nameAsUpn = name?.includes('@') ? userFromIdentifier(name)?.upn : undefined;
  const upn = upnField ?? composed ?? nameAsUpn;
  const objectId = userFromIdentifier(text(fieldCI(properties, 'aadUserId')))?.objectId;
  if (upn === undefined && objectId === undefined) return undefined;
  return objectId === undefined ? { upn } : upn === undefined ? { objectId } : { upn, objectId };
}

interface EntityView {
  kind: string | undefined;
  properties: unknown;
}

function view(entity: unknown): EntityView {
  const kind = text(field(entity, 'kind'));
  if (kind !== undefined) {
    const properties = field(entity, 'properties');
    return { kind: kind.toLowerCase(), properties: isObject(properties) ? properties : entity };
  }
  return { kind: text(fieldCI(entity, 'type'))?.toLowerCase(), properties: entity };
}

function refOf(value: unknown): string | undefined {
  return isObject(value) ? text(field(value, '$ref')) : undefined;
}

/** Keys no producer uses for an entity attribute; whatever a sender puts under them is not walked. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Child values of an object or array worth looking into for nested entities. */
function children(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.slice(0, LIMITS.entities);
  if (!isObject(value)) return [];
  return Object.keys(value)
    .filter((key) => !PROTOTYPE_KEYS.has(key))
    .slice(0, 200)
    .map((key) => value[key])
    .filter((child) => typeof child === 'object' && child !== null);
}

/**
 * Reads up to LIMITS.entities entities (and what they contain, within LIMITS.entityNodes objects and
 * LIMITS.entityDepth levels) into `facts`.
 */
export function readSentinelEntities(entities: readonly unknown[], facts: AlertFacts): void {
  const top = entities.slice(0, LIMITS.entities);

  // Pass 1: every `$id` anywhere in the entity trees, so `$ref`s resolve whichever order they come in.
  const byId = new Map<string, unknown>();
  let budget = LIMITS.entityNodes;
  const pending: Array<{ value: unknown; depth: number }> = top.map((value) => ({ value, depth: 0 }));
  while (pending.length > 0 && budget-- > 0) {
    const { value, depth } = pending.pop()!;
    const id = isObject(value) ? text(field(value, '$id')) : undefined;
    if (id !== undefined && !byId.has(id)) byId.set(id, value);
    if (depth >= LIMITS.entityDepth) continue;
    for (const child of children(value)) {
      if (pending.length >= LIMITS.entityNodes) break;
      pending.push({ value: child, depth: depth + 1 });
    }
  }
  const resolve = (value: unknown): unknown => {
    let current = value;
    for (let hops = 0; hops < 4; hops++) {
      const ref = refOf(current);
      if (ref === undefined) return current;
      current = byId.get(ref);
    }
    return undefined;
  };

  // Pass 2: classify each distinct entity once.
  const seen = new Set<unknown>();
  budget = LIMITS.entityNodes;
  const queue: Array<{ value: unknown; depth: number }> = top.map((value) => ({ value: resolve(value), depth: 0 }));
  for (let index = 0; index < queue.length && budget-- > 0; index++) {
    const { value: entity, depth } = queue[index];
    if (!isObject(entity) || seen.has(entity)) continue;
    seen.add(entity);
    const { kind, properties } = view(entity);
    const attacker = hasAttackerRole(fieldCI(entity, 'roles')) || hasAttackerRole(fieldCI(properties, 'roles'));
    if (kind === 'account') {
      if (!attacker) facts.addUser(accountUser(properties));
    } else if (kind === 'ip') {
      facts.addIp(text(fieldCI(properties, 'address')));
      facts.addAsn(fieldCI(fieldCI(properties, 'location'), 'asn'));
    }
    facts.addUserAgent(fieldCI(properties, 'userAgent'));
    if (depth >= LIMITS.entityDepth) continue;
    for (const child of children(entity)) {
      for (const item of Array.isArray(child) ? child.slice(0, LIMITS.entities) : [child]) {
        if (queue.length >= LIMITS.entityNodes) break;
        queue.push({ value: resolve(item), depth: depth + 1 });
      }
    }
  }
}
