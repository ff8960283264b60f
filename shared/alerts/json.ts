// Safe readers over untrusted JSON: own properties only (so `__proto__`/`constructor` keys are plain
// data), and wrong types read as absent rather than throwing.
export type JsonObject = { readonly [key: string]: unknown };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function field(value: unknown, key: string): unknown {
  return isObject(value) && Object.prototype.hasOwnProperty.call(value, key) ? value[key] : undefined;
}

/** Reads a nested path; any missing or non-object step yields undefined. */
export function path(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) current = field(current, key);
  return current;
}

export function text(value: unknown): string | undefined {
  if (typeof value === 'string') {
    const trimmed = value.trim();
    return trimmed === '' ? undefined : trimmed;
  }
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

export function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Case-insensitive first-field lookup, for payloads whose casing varies between producers. */
export function fieldCI(value: unknown, key: string): unknown {
  if (!isObject(value)) return undefined;
  const exact = field(value, key);
  if (exact !== undefined) return exact;
  const wanted = key.toLowerCase();
  for (const candidate of Object.keys(value)) {
    if (candidate.toLowerCase() === wanted) return value[candidate];
  }
  return undefined;
}

/** The first of several candidate fields (each looked up case-insensitively) that is present. */
export function fieldAny(value: unknown, ...keys: string[]): unknown {
  for (const key of keys) {
    const found = fieldCI(value, key);
    if (found !== undefined && found !== null) return found;
  }
  return undefined;
}

/** A field name reduced to letters and digits, lower-cased: "Client IP Address" -> "clientipaddress". */
export function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export type EmbeddedJson = { ok: true; value: unknown } | { ok: false; reason: 'too_large' | 'malformed' };

/**
 * A value that producers send either as JSON or as a string holding JSON (SecurityAlert `Entities` and
 * `ExtendedProperties` are strings in the Log Analytics table). Strings are parsed only up to `maxChars`;
 * the result is read with the same own-property readers as the body, so it is no more trusted than it.
 */
export function embeddedJson(value: unknown, maxChars: number): EmbeddedJson {
  if (typeof value !== 'string') return { ok: true, value };
  const trimmed = value.trim();
  if (trimmed === '') return { ok: true, value: undefined };
  if (trimmed.length > maxChars) return { ok: false, reason: 'too_large' };
  try {
    return { ok: true, value: JSON.parse(trimmed) as unknown };
  } catch {
    return { ok: false, reason: 'malformed' };
  }
}
