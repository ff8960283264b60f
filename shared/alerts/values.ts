// Normalizers for the values alerts carry: severities, user identifiers, IP addresses, timestamps.
import { isIP } from 'node:net';
import type { Severity } from './severity';
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
// Entra ID allows only letters, digits and ' . - _ ! # ^ ~ before the @ of a UPN; anything else is not
// a user we could address, and it would end up in a Graph URL path.
const UPN =
  /^[A-Za-z0-9'._!#^~-]{1,113}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$/;

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

// Azure Monitor's older log alerts write "11/27/2026 7:30:00 PM"; Log Analytics rows often omit the zone.
// Both are UTC by their documentation, whatever the zone of the machine reading them.
const US_DATE_TIME = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2}):(\d{2})(?: ?([AP]M))?$/i;
const ISO_WITHOUT_ZONE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/;

function usDateTime(value: string): number {
  const match = US_DATE_TIME.exec(value);
  if (match === null) return Number.NaN;
  const [month, day, year, hour, minute, second] = match.slice(1, 7).map(Number);
  const meridiem = match[7]?.toUpperCase();
  if (month < 1 || month > 12 || day < 1 || day > 31 || minute > 59 || second > 59) return Number.NaN;
  if (meridiem !== undefined ? hour < 1 || hour > 12 : hour > 23) return Number.NaN;
  const hour24 = meridiem === undefined ? hour : (hour % 12) + (meridiem === 'PM' ? 12 : 0);
  return Date.UTC(year, month - 1, day, hour24, minute, second);
}

export function toIsoTime(value: string | undefined): string | undefined {
  if (value === undefined || value.length > 64) return undefined;
  const trimmed = value.trim();
  const time = US_DATE_TIME.test(trimmed)
    ? usDateTime(trimmed)
    : Date.parse(ISO_WITHOUT_ZONE.test(trimmed) ? `${trimmed.replace(' ', 'T')}Z` : trimmed);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}

/**
 * Merges users that share an object id or a UPN (case-insensitive: both are lower-cased on the way in),
 * keeping both identifiers and the order of first appearance. Two records are merged only when their
 * identifiers agree; contradictory data (one UPN, two object ids) stays as separate users.
 */
export function dedupeUsers(users: readonly AlertUser[]): AlertUser[] {
  const merged: AlertUser[] = [];
  const byUpn = new Map<string, AlertUser>();
  const byObjectId = new Map<string, AlertUser>();
  const remember = (user: AlertUser) => {
    if (user.upn !== undefined && !byUpn.has(user.upn)) byUpn.set(user.upn, user);
    if (user.objectId !== undefined && !byObjectId.has(user.objectId)) byObjectId.set(user.objectId, user);
  };
  const agrees = (a: AlertUser, b: AlertUser) =>
    (a.upn === undefined || b.upn === undefined || a.upn === b.upn) &&
    (a.objectId === undefined || b.objectId === undefined || a.objectId === b.objectId);
  for (const user of users) {
    const byName = user.upn !== undefined ? byUpn.get(user.upn) : undefined;
    const byId = user.objectId !== undefined ? byObjectId.get(user.objectId) : undefined;
    const target = [byName, byId].find((known) => known !== undefined && agrees(known, user));
    if (target === undefined) {
      const added = { ...user };
      merged.push(added);
      remember(added);
      continue;
    }
    target.upn ??= user.upn;
    target.objectId ??= user.objectId;
    const other = target === byName ? byId : byName;
    if (other !== undefined && other !== target && agrees(other, target)) {
      target.upn ??= other.upn;
      target.objectId ??= other.objectId;
      merged.splice(merged.indexOf(other), 1);
      if (other.upn !== undefined) byUpn.set(other.upn, target);
      if (other.objectId !== undefined) byObjectId.set(other.objectId, target);
    }
    remember(target);
  }
  return merged;
}

export function unique<T>(values: readonly (T | undefined)[]): T[] {
  return [...new Set(values.filter((value): value is T => value !== undefined))];
}

/** An autonomous system number from 14061, "14061" or "AS14061"; undefined otherwise. */
export function toAsn(value: unknown): number | undefined {
  const raw = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim().replace(/^AS/i, '') : '';
  if (!/^\d{1,10}$/.test(raw)) return undefined;
  const asn = Number(raw);
  return asn >= 1 && asn <= 4_294_967_295 ? asn : undefined;
}

// Lone surrogates and control characters cannot be stored or logged faithfully; they carry no meaning
// in a title or a user agent.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const CONTROL = /[\u0000-\u001f\u007f]+/g;

/** Text for people (titles, user agents): trimmed, control characters folded to spaces, capped. */
export function cleanText(value: string | undefined, maxChars: number): string | undefined {
  if (value === undefined) return undefined;
  // Cut early so a megabyte of junk costs no more than a line of text.
  const cleaned = value
    .slice(0, maxChars * 4)
    .replace(LONE_SURROGATE, '')
    .replace(CONTROL, ' ')
    .trim()
    .slice(0, maxChars)
    .replace(LONE_SURROGATE, '');
  return cleaned === '' ? undefined : cleaned;
}
