// Caller authentication for authLevel 'function' routes: the key Azure would check, compared in
// constant time so response timing reveals nothing about how much of a guess was right.
import { createHash, timingSafeEqual } from 'node:crypto';

/** True only for a non-empty expected key that `provided` matches exactly. */
export function isValidFunctionKey(provided: string | undefined, expected: string): boolean {
  if (provided === undefined || expected.length === 0) return false;
  // Hashing first gives equal-length inputs, so the comparison does not leak the key's length either.
  return timingSafeEqual(sha256(provided), sha256(expected));
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
