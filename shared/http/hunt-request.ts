// The body of POST /api/incidents/{id}/hunt: optional extra pivots {"ips": [], "userAgents": [],
// "addresses": []}. Malformed is 400; a value that is not an IP, a user agent or an address is 422 naming
// the field, and nothing is hunted.
import { pivotsFromAnalyst } from '../campaign/evidence-pivots';
import { normalizePivot, type Pivot, type PivotKind } from '../campaign/pivots';
import { ValidationError } from '../errors';

const FIELDS: Readonly<Record<string, PivotKind>> = { ips: 'ip', userAgents: 'userAgent', addresses: 'address' };
const MAX_PER_FIELD = 50;

export function parseHuntRequest(text: string): Pivot[] {
  if (text.trim() === '') return [];
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ValidationError('malformed JSON: expected {"ips": [], "userAgents": [], "addresses": []} or no body', 400);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ValidationError('the body must be a JSON object', 400);
  const extra: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(body)) {
    const kind = FIELDS[name];
    if (kind === undefined) throw new ValidationError(`unknown field "${name.slice(0, 40)}"; expected ips, userAgents, addresses`, 400);
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
      throw new ValidationError(`"${name}" must be an array of strings`, 400);
    if (value.length > MAX_PER_FIELD) throw new ValidationError(`"${name}": at most ${MAX_PER_FIELD} values`, 422, { invalid: name });
    (value as string[]).forEach((v, i) => {
      if (normalizePivot(kind, v) === undefined)
        throw new ValidationError(
          `"${name}[${i}]" is not a valid ${kind === 'ip' ? 'IP address' : kind === 'address' ? 'email address' : 'user agent'}`,
          422,
          { invalid: `${name}[${i}]` },
        );
    });
    extra[name] = value as string[];
  }
  return pivotsFromAnalyst(extra);
}
