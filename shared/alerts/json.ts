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
