// Validation of follow-up queue messages on receipt: a message we cannot read is refused loudly
// (and ends in the poison queue) rather than acted on with guessed fields.
import { z } from 'zod';
import { ValidationError } from '../errors';
import type { EradicateMessage, FollowUpMessage, VerifyMessage, WriteBackMessage } from '../runbook/ports';

const followUpMessage = z.object({
  version: z.literal(1),
  incidentId: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'must be a ULID'),
  userKey: z.string().min(1).max(256),
  upn: z.string().max(256).optional(),
  alertKey: z.string().min(1).max(1024),
  ips: z.array(z.string().max(64)).max(1000),
  userAgents: z.array(z.string().max(2048)).max(1000),
  t0: z.string().optional(),
});

export function parseFollowUpMessage(value: unknown): FollowUpMessage {
  const body = typeof value === 'string' ? safeJson(value) : value;
  const result = followUpMessage.safeParse(body);
  if (!result.success) {
    throw new ValidationError(
      `invalid follow-up message: ${result.error.issues.map((i) => `${i.path.join('.') || 'message'} ${i.message}`).join('; ')}`,
    );
  }
  return result.data;
}

const ULID = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'must be a ULID');
const eradicateMessage = z.object({ version: z.literal(1), incidentId: ULID, requestId: ULID });
const verifyMessage = z.object({
  version: z.literal(1),
  incidentId: ULID,
  afterMinutes: z
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 60),
});

function parseWith<T>(schema: z.ZodType<T>, what: string, value: unknown): T {
  const body = typeof value === 'string' ? safeJson(value) : value;
  const result = schema.safeParse(body);
  if (!result.success) {
    throw new ValidationError(
      `invalid ${what} message: ${result.error.issues.map((i) => `${i.path.join('.') || 'message'} ${i.message}`).join('; ')}`,
    );
  }
  return result.data;
}

export function parseEradicateMessage(value: unknown): EradicateMessage {
  return parseWith(eradicateMessage, 'eradicate', value);
}

export function parseVerifyMessage(value: unknown): VerifyMessage {
  return parseWith(verifyMessage, 'verify', value);
}

const writeBackMessage = z.object({ version: z.literal(1), incidentId: ULID, mark: z.enum(['T0', 'diagnosed', 'T1', 'T3']) });

export function parseWriteBackMessage(value: unknown): WriteBackMessage {
  return parseWith(writeBackMessage, 'write-back', value);
}

/** The incident a message of any of our queues is about, for poison handlers; undefined when unreadable. */
export function incidentIdOf(value: unknown): string | undefined {
  const body = typeof value === 'string' ? safeJson(value) : value;
  const result = z.object({ incidentId: ULID }).safeParse(body);
  return result.success ? result.data.incidentId : undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
