// Key authentication for authLevel 'function' routes, with Azure's model of keys: a host key opens
// every function-level route; a function key opens only its own function. Compared in constant time so
// response timing reveals nothing about how much of a guess was right, nor which key nearly matched.
import { createHash, timingSafeEqual } from 'node:crypto';

export interface HostKeys {
  /** Host keys (Azure's `default` and any others): open every function-level route. */
  host: readonly string[];
  /** Function keys by function name: each opens only that function. */
  functions: Readonly<Record<string, readonly string[]>>;
}

/** True only for a non-empty expected key that `provided` matches exactly. */
export function isValidFunctionKey(provided: string | undefined, expected: string): boolean {
  if (provided === undefined || expected.length === 0) return false;
  // Hashing first gives equal-length inputs, so the comparison does not leak the key's length either.
  return timingSafeEqual(sha256(provided), sha256(expected));
}

/** Whether `provided` opens function `name`: one of the host keys or one of that function's keys. */
export function opensFunction(provided: string | undefined, name: string, keys: HostKeys): boolean {
  const candidates = [...keys.host, ...(keys.functions[name] ?? [])];
  // Every candidate is compared, so the time taken does not say which one matched.
  let matched = false;
  for (const candidate of candidates) matched = isValidFunctionKey(provided, candidate) || matched;
  return matched;
}

/** Every key, for scrubbing them from logs. */
export function allKeys(keys: HostKeys): string[] {
  return [...keys.host, ...Object.values(keys.functions).flat()];
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
