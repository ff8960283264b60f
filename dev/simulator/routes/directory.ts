// Graph directory membership of a user: checkMemberGroups (is the user, transitively, in any of these
// groups?) and the directory roles held directly or through a role-assignable group — the two reads
// containment makes before touching a protected or privileged account.
import { badRequest } from '../errors';
import { isRecord } from '../json';
import { METADATA } from '../odata';
import { DirectoryRole, propertyNames } from '../resources';
import type { GraphRoute } from '../router';
import { collectionRoute, requireUser } from './collection';

/** Graph's documented limit per checkMemberGroups call. */
const MAX_GROUP_IDS = 20;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const checkMemberGroups: GraphRoute = {
  method: 'POST',
  path: 'users/{userId}/checkMemberGroups',
  query: [],
  handle(ctx) {
    const user = requireUser(ctx);
    const requested = parseGroupIds(ctx.body);
    const memberOf = new Set(ctx.tenant.transitiveGroupsOf(user.id).map((g) => g.id));
    // Answered in the order asked, each group once; ids that name no group are simply not members.
    const value = [...new Set(requested.map((id) => id.toLowerCase()))].filter((id) => memberOf.has(id));
    return { status: 200, body: { '@odata.context': `${METADATA}#Collection(Edm.String)`, value } };
  },
};

/**
 * An OData cast of transitiveMemberOf. Graph lists OData cast on transitive memberships among its
 * advanced queries (ConsistencyLevel: eventual with $count=true); the simulator accepts $count but
 * answers with or without it.
 */
const transitiveDirectoryRoles = collectionRoute<DirectoryRole>({
  path: 'users/{userId}/transitiveMemberOf/microsoft.graph.directoryRole',
  typeName: 'microsoft.graph.directoryRole',
  properties: propertyNames<DirectoryRole>({ '@odata.type': true, id: true, displayName: true, description: true, roleTemplateId: true }),
  context: () => 'directoryRoles',
  list(ctx) {
    return ctx.tenant.directoryRolesOf(requireUser(ctx));
  },
  count: true,
});

export const directoryRoutes: readonly GraphRoute[] = [checkMemberGroups, transitiveDirectoryRoles];

function parseGroupIds(body: unknown): string[] {
  if (!isRecord(body)) throw badRequest('Empty Payload. JSON content expected.', 'Request_BadRequest');
  for (const key of Object.keys(body)) {
    if (key !== 'groupIds') {
      throw badRequest(
        `The parameter '${key}' in the request payload is not a valid parameter for the operation 'checkMemberGroups'.`,
        'Request_BadRequest',
      );
    }
  }
  const ids = body.groupIds;
  if (!Array.isArray(ids) || ids.length === 0)
    throw badRequest("The parameter 'groupIds' must be a non-empty collection of group ids.", 'Request_BadRequest');
  if (ids.length > MAX_GROUP_IDS)
    throw badRequest(`At most ${MAX_GROUP_IDS} group ids may be checked per request; got ${ids.length}.`, 'Request_BadRequest');
  return ids.map((id: unknown) => {
    if (typeof id !== 'string' || !GUID.test(id)) throw badRequest(`Invalid object identifier '${String(id)}'.`, 'Request_BadRequest');
    return id;
  });
}
