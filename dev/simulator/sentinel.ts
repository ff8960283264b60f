// The Microsoft Sentinel REST stand-in (Azure Resource Manager): incident comments, the one Sentinel route
// write-back uses. PUT .../Microsoft.SecurityInsights/incidents/{id}/comments/{commentId}?api-version=...
// with {"properties": {"message": "..."}} creates (201) or updates (200) the comment; GET .../comments
// lists them. ARM ids are case-insensitive; an incident not seeded answers 404, a missing api-version 400.
import { GraphHttpError } from './errors';
import { isRecord } from './json';
import type { SecurityRecords } from './security-records';

const INCIDENT_PATH =
  /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.OperationalInsights\/workspaces\/[^/]+\/providers\/Microsoft\.SecurityInsights\/incidents\/[^/]+)\/comments(?:\/([^/]+))?$/i;

export interface SentinelAnswer {
  status: number;
  body: object;
}

export function answerSentinel(
  records: SecurityRecords,
  method: string,
  pathname: string,
  query: URLSearchParams,
  body: unknown,
  now: () => Date,
): SentinelAnswer {
  const match = INCIDENT_PATH.exec(pathname.replace(/\/+$/, ''));
  if (!match) throw new GraphHttpError(404, 'PathNotFound', `The requested path '${pathname}' is not served by the Sentinel stand-in.`);
  if (!query.get('api-version')) {
    throw new GraphHttpError(
      400,
      'MissingApiVersionParameter',
      'The api-version query parameter (?api-version=) is required for all requests.',
    );
  }
  const [, incidentId, commentId] = match;
  const comments = records.sentinelIncident(incidentId);
  if (!comments) throw new GraphHttpError(404, 'NotFound', `Incident '${incidentId.split('/').pop() ?? ''}' was not found.`);
  const resource = (comment: { id: string; message: string; createdTimeUtc: string; lastModifiedTimeUtc: string }) => ({
    id: `${incidentId}/comments/${comment.id}`,
    name: comment.id,
    type: 'Microsoft.SecurityInsights/Incidents/Comments',
    properties: {
      message: comment.message,
      createdTimeUtc: comment.createdTimeUtc,
      lastModifiedTimeUtc: comment.lastModifiedTimeUtc,
      author: { name: 'aitm-contain', userPrincipalName: null },
    },
  });
  if (commentId === undefined) {
    if (method !== 'GET') throw new GraphHttpError(405, 'MethodNotAllowed', 'Use GET to list comments.');
    return { status: 200, body: { value: [...comments.values()].map(resource) } };
  }
  if (method !== 'PUT') throw new GraphHttpError(405, 'MethodNotAllowed', 'Use PUT to create or update a comment.');
  const message = isRecord(body) && isRecord(body.properties) ? body.properties.message : undefined;
  if (typeof message !== 'string' || message.trim() === '') {
    throw new GraphHttpError(400, 'BadRequest', 'The request body must be {"properties": {"message": "..."}}.');
  }
  const key = commentId.toLowerCase();
  const at = now().toISOString();
  const existing = comments.get(key);
  const comment = existing
    ? { ...existing, message, lastModifiedTimeUtc: at, writes: existing.writes + 1 }
    : { id: commentId, message, createdTimeUtc: at, lastModifiedTimeUtc: at, writes: 1 };
  comments.set(key, comment);
  return { status: existing ? 200 : 201, body: resource(comment) };
}
