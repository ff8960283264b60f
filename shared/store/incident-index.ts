// The incident list's index: Table Storage returns rows in key order, and incident partitions are
// ULIDs (oldest first), so listing newest first needs keys that sort the other way. One row per
// incident in the IncidentIndex table, written before the incident itself (an index row whose incident
// never got written is skipped when listing; an incident without its index row would be invisible):
//   PartitionKey "incidents", RowKey = inverted createdAt (13 digits of 9999999999999 - epoch ms) "-"
//   the incident's ULID with every character inverted, so the newest sorts first and ties in one
//   millisecond sort by id, newest first too; incidentId, createdAt. Keyed by createdAt rather than by
//   the ULID alone because `since` filters on createdAt: in key order it can stop the scan. (The id is
//   drawn at the claim, createdAt a little later, and a taken-over claim much later.)
// The continuation token is the last index key a page consumed, wrapped so callers treat it as opaque
// and validated on the way back in.
import type { TableEntity } from '@azure/data-tables';
import { ValidationError } from '../errors';

export const INCIDENT_INDEX_TABLE = 'IncidentIndex';
export const INDEX_PARTITION = 'incidents';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const INDEX_KEY = /^\d{13}-[0-9A-HJKMNP-TV-Z]{26}$/;
const LATEST_MS = 9_999_999_999_999;

/** Maps each ULID character c to the one at (31 - rank of c): a later ULID gets a smaller key. */
export function invertUlid(id: string): string {
  if (!ULID.test(id)) throw new RangeError(`not a ULID: ${id.slice(0, 40)}`);
  return [...id].map((char) => CROCKFORD[CROCKFORD.length - 1 - CROCKFORD.indexOf(char)]).join('');
}

export function indexKey(incidentId: string, createdAt: string): string {
  const ms = Date.parse(createdAt);
  const inverted = LATEST_MS - Math.min(Math.max(Number.isNaN(ms) ? 0 : ms, 0), LATEST_MS);
  return `${String(inverted).padStart(13, '0')}-${invertUlid(incidentId)}`;
}

export function encodeIndexRow(incidentId: string, createdAt: string): TableEntity<Record<string, unknown>> {
  return { partitionKey: INDEX_PARTITION, rowKey: indexKey(incidentId, createdAt), incidentId, createdAt };
}

export function encodeContinuationToken(lastKey: string): string {
  return Buffer.from(JSON.stringify({ v: 1, after: lastKey }), 'utf8').toString('base64url');
}

/** The index key a page ended at; anything this module did not issue is refused with 400. */
export function decodeContinuationToken(token: string): string {
  const invalid = new ValidationError('invalid continuationToken: pass back the one a previous page returned', 400);
  if (token.length > 200 || !/^[A-Za-z0-9_-]+$/.test(token)) throw invalid;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  const after = typeof parsed === 'object' && parsed !== null ? (parsed as { v?: unknown; after?: unknown }) : {};
  if (after.v !== 1 || typeof after.after !== 'string' || !INDEX_KEY.test(after.after)) throw invalid;
  return after.after;
}
