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

/** The Graph security resources that carry comments: the same two routes serve each. */
interface CommentedResource {
  /** The collection below /security. */
  collection: 'alerts_v2' | 'incidents';
  /** What a 404 calls it. */
  what: 'alert' | 'incident';
  comments: (ctx: RouteContext) => Map<string, SecurityComment[]>;
}

function commentRoutes({ collection, what, comments }: CommentedResource): GraphRoute[] {
  return [
    {
      method: 'GET',
      path: `security/${collection}/{id}`,
      query: ['$select'],
      handle: (ctx) => ({ status: 200, body: { id: ctx.params.id, comments: commentsOf(comments(ctx), ctx.params.id, what) } }),
    },
    {
      method: 'POST',
      path: `security/${collection}/{id}/comments`,
      query: [],
      handle: (ctx) => addComment(ctx, commentsOf(comments(ctx), ctx.params.id, what)),
    },
  ];
}

export const securityRoutes: readonly GraphRoute[] = [
  ...commentRoutes({ collection: 'alerts_v2', what: 'alert', comments: (ctx) => ctx.tenant.security.alertComments }),
  ...commentRoutes({ collection: 'incidents', what: 'incident', comments: (ctx) => ctx.tenant.security.incidentComments }),
];
