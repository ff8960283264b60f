// The 422s every parser gives, worded the same way: "<shape>: <what is wrong> (<field path>)", with
// `shape` and `missing` or `invalid` in the details so a caller's automation can read them.
import type { Severity } from './severity';
import { ValidationError } from '../errors';
import { LIMITS } from './facts';
import { text } from './json';
import { cleanText, toSeverity } from './values';

export function missingField(shape: string, fieldPath: string, what: string): ValidationError {
  return new ValidationError(`${shape}: missing ${what} (${fieldPath})`, 422, { shape, missing: fieldPath });
}

export function invalidField(shape: string, fieldPath: string, what: string): ValidationError {
  return new ValidationError(`${shape}: ${what} (${fieldPath})`, 422, { shape, invalid: fieldPath });
}

/** A provider id we key on: present, at most LIMITS.idChars, printable. */
export function requiredId(shape: string, value: unknown, fieldPath: string, what: string): string {
  const raw = text(value);
  if (raw === undefined) throw missingField(shape, fieldPath, what);
  const id = cleanText(raw, LIMITS.idChars + 1);
  if (id === undefined || id.length > LIMITS.idChars || id !== raw) {
    throw invalidField(shape, fieldPath, `${what} is not a usable id (printable, at most ${LIMITS.idChars} characters)`);
  }
  return id;
}

/** An optional provider id: the same rules, but absent or unusable reads as absent. */
export function optionalId(value: unknown): string | undefined {
  const raw = text(value);
  if (raw === undefined) return undefined;
  const id = cleanText(raw, LIMITS.idChars + 1);
  return id !== undefined && id.length <= LIMITS.idChars && id === raw ? id : undefined;
}

/** Informational / Low / Medium / High (any case); anything else is refused rather than guessed. */
export function requiredSeverity(shape: string, value: unknown, fieldPath: string): Severity {
  const raw = text(value);
  if (raw === undefined) throw missingField(shape, fieldPath, 'severity');
  const severity = toSeverity(raw);
  if (severity === undefined) {
    throw invalidField(shape, fieldPath, `unknown severity "${raw.slice(0, 40)}" (expected Informational, Low, Medium or High)`);
  }
  return severity;
}

export function titleText(value: unknown): string | undefined {
  return cleanText(text(value), LIMITS.titleChars);
}
