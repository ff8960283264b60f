// JSON helpers shared by the routes and the request log: a plain-object guard and secret redaction.

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A copy of a request body safe to keep in the request log: every string under a key ending in
 * "password" (passwordProfile.password, newPassword, ...) becomes "[redacted]".
 */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (!isRecord(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => [key, /password$/i.test(key) && typeof v === 'string' ? '[redacted]' : redactSecrets(v)]),
  );
}
