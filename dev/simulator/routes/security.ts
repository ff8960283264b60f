// Graph security API comments (write-back to Defender XDR): GET an alert or incident with its comments,
// and POST /security/alerts_v2/{id}/comments or /security/incidents/{id}/comments, which answer the whole
// comment collection as Graph does. Unknown ids answer 404.
import { badRequest, GraphHttpError } from '../errors';
import { isRecord } from '../json';
import { METADATA } from '../odata';
import type { GraphRoute, RouteContext } from '../router';
import type { SecurityComment } from '../security-records';

const APP_NAME = 'aitm-contain';

function commentsOf(map: Map<string, SecurityComment[]>, id: string, what: string): SecurityComment[] {
  const comments = map.get(id);
  if (!comments) throw new GraphHttpError(404, 'NotFound', `The ${what} '${id}' was not found.`);
  return comments;
}

function addComment(ctx: RouteContext, comments: SecurityComment[]): { status: number; body: object } {
  const body = ctx.body;
  if (!isRecord(body) || typeof body.comment !== 'string' || body.comment.trim() === '') {
    throw badRequest('The request body must be {"@odata.type": "microsoft.graph.security.alertComment", "comment": "..."}.');
  }
  const type = body['@odata.type'];
  if (type !== undefined && (typeof type !== 'string' || !/^#?microsoft\.graph\.security\.alertComment$/.test(type))) {
    throw badRequest('Unexpected @odata.type: a comment is a microsoft.graph.security.alertComment.');
  }
  comments.push({ comment: body.comment, createdByDisplayName: APP_NAME, createdDateTime: ctx.now().toISOString() });
  return {
    status: 200,
    body: {
      '@odata.context': `${METADATA}#Collection(microsoft.graph.security.alertComment)`,
      value: comments.map((c) => ({ '@odata.type': '#microsoft.graph.security.alertComment', ...c })),
    },
  };
}

export const securityRoutes: readonly GraphRoute[] = [
  {
    method: 'GET',
    path: 'security/alerts_v2/{alertId}',
    query: ['$select'],
    handle: (ctx) => ({
      status: 200,
      body: { id: ctx.params.alertId, comments: commentsOf(ctx.tenant.security.alertComments, ctx.params.alertId, 'alert') },
    }),
  },
  {
    method: 'POST',
    path: 'security/alerts_v2/{alertId}/comments',
    query: [],
    handle: (ctx) => addComment(ctx, commentsOf(ctx.tenant.security.alertComments, ctx.params.alertId, 'alert')),
  },
  {
    method: 'GET',
    path: 'security/incidents/{incidentId}',
    query: ['$select'],
    handle: (ctx) => ({
      status: 200,
      body: { id: ctx.params.incidentId, comments: commentsOf(ctx.tenant.security.incidentComments, ctx.params.incidentId, 'incident') },
    }),
  },
  {
    method: 'POST',
    path: 'security/incidents/{incidentId}/comments',
    query: [],
    handle: (ctx) => addComment(ctx, commentsOf(ctx.tenant.security.incidentComments, ctx.params.incidentId, 'incident')),
  },
];
