// Normalizers for the values alerts carry: severities, user identifiers, IP addresses, timestamps.
import { isIP } from 'node:net';
import type { Severity } from '../config';
import type { AlertUser } from './types';

const SEVERITY_WORDS: Readonly<Record<string, Severity>> = {
  informational: 'informational',
  info: 'informational',
  low: 'low',
  medium: 'medium',
  high: 'high',
  critical: 'high',
};

export function toSeverity(value: string | undefined): Severity | undefined {
  return value === undefined ? undefined : SEVERITY_WORDS[value.toLowerCase()];
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Deliberately narrow: a UPN is name@domain with no spaces, quotes or path characters, because it
// ends up in a Graph URL path.
const UPN = /^[A-Za-z0-9.!#$%&'*+=?^_`{|}~-]{1,113}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$/;

export function isObjectId(value: string): boolean {
  return GUID.test(value);
}

export function isUpn(value: string): boolean {
  return value.length <= 256 && UPN.test(value) && !value.includes('/');
}

/** A user from an identifier that may be a UPN or an object id; undefined when it is neither. */
export function userFromIdentifier(value: string | undefined): AlertUser | undefined {
  if (value === undefined) return undefined;
  if (isObjectId(value)) return { objectId: value.toLowerCase() };
  if (isUpn(value)) return { upn: value.toLowerCase() };
  return undefined;
}

export function toIp(value: string | undefined): string | undefined {
  return value !== undefined && isIP(value) !== 0 ? value : undefined;
}

export function toIsoTime(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}

/** Merges users that share an object id or a UPN (case-insensitive), keeping both identifiers. */
export function dedupeUsers(users: readonly AlertUser[]): AlertUser[] {
  const merged: AlertUser[] = [];
  for (const user of users) {
    const same = merged.find(
      (known) =>
        (user.objectId !== undefined && known.objectId === user.objectId) ||
        (user.upn !== undefined && known.upn === user.upn),
    );
    if (same) {
      same.objectId ??= user.objectId;
      same.upn ??= user.upn;
    } else {
      merged.push({ ...user });
    }
  }
  return merged;
}

export function unique<T>(values: readonly (T | undefined)[]): T[] {
  return [...new Set(values.filter((value): value is T => value !== undefined))];
}
