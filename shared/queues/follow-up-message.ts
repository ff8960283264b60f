// Validation of follow-up queue messages on receipt: a message we cannot read is refused loudly
// (and ends in the poison queue) rather than acted on with guessed fields.
import { z } from 'zod';
import { ValidationError } from '../errors';
import type { FollowUpMessage } from '../runbook/ports';

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
    throw new ValidationError(`invalid follow-up message: ${result.error.issues.map((i) => `${i.path.join('.') || 'message'} ${i.message}`).join('; ')}`);
  }
  return result.data;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
