// Graph application access held by a user: delegated OAuth2 permission grants (consent) and app role
// assignments, where AiTM persistence survives a password reset (runbook 2.3 / 3.2).
import { resourceNotFound } from '../errors';
import { METADATA } from '../odata';
import { AppRoleAssignment, OAuth2PermissionGrant, propertyNames } from '../resources';
import type { GraphRoute } from '../router';
import { requirePermission } from './access';
import { collectionRoute, requireUser } from './collection';

const oauth2PermissionGrants = collectionRoute<OAuth2PermissionGrant>({
  path: 'users/{userId}/oauth2PermissionGrants',
  typeName: 'microsoft.graph.oAuth2PermissionGrant',
  properties: propertyNames<OAuth2PermissionGrant>({
    id: true,
    clientId: true,
    consentType: true,
    principalId: true,
    resourceId: true,
    scope: true,
  }),
  context: () => 'oauth2PermissionGrants',
  list(ctx) {
    const user = requireUser(ctx);
    return ctx.tenant.permissionGrants.map((r) => r.grant).filter((g) => g.principalId === user.id);
  },
});

const appRoleAssignments = collectionRoute<AppRoleAssignment>({
  path: 'users/{userId}/appRoleAssignments',
  typeName: 'microsoft.graph.appRoleAssignment',
  properties: propertyNames<AppRoleAssignment>({
    id: true,
    appRoleId: true,
    createdDateTime: true,
    deletedDateTime: true,
    principalDisplayName: true,
    principalId: true,
    principalType: true,
    resourceDisplayName: true,
    resourceId: true,
  }),
  context: (ctx) => `users('${requireUser(ctx).id}')/appRoleAssignments`,
  list(ctx) {
    const user = requireUser(ctx);
    return ctx.tenant.appRoleAssignments.map((r) => r.assignment).filter((a) => a.principalId === user.id);
  },
});

function grantIndex(tenant: Parameters<GraphRoute['handle']>[0]['tenant'], id: string): number {
  const index = tenant.permissionGrants.findIndex((r) => r.grant.id === id);
  if (index < 0) throw resourceNotFound(id);
  return index;
}

const getGrant: GraphRoute = {
  method: 'GET',
  path: 'oauth2PermissionGrants/{grantId}',
  query: [],
  handle(ctx) {
    const { grant } = ctx.tenant.permissionGrants[grantIndex(ctx.tenant, ctx.params.grantId)];
    return { status: 200, body: { '@odata.context': `${METADATA}#oauth2PermissionGrants/$entity`, ...grant } };
  },
};

/** 204; DelegatedPermissionGrant.ReadWrite.All (least privileged), Directory.ReadWrite.All also works. */
const deleteGrant: GraphRoute = {
  method: 'DELETE',
  path: 'oauth2PermissionGrants/{grantId}',
  query: [],
  handle(ctx) {
    const index = grantIndex(ctx.tenant, ctx.params.grantId);
    requirePermission(ctx.tenant, ['DelegatedPermissionGrant.ReadWrite.All', 'Directory.ReadWrite.All']);
    ctx.tenant.permissionGrants.splice(index, 1);
    return { status: 204 };
  },
};

/** 204; AppRoleAssignment.ReadWrite.All (least privileged). */
const deleteAppRoleAssignment: GraphRoute = {
  method: 'DELETE',
  path: 'users/{userId}/appRoleAssignments/{assignmentId}',
  query: [],
  handle(ctx) {
    const user = requireUser(ctx);
    const index = ctx.tenant.appRoleAssignments.findIndex(
      (r) => r.assignment.principalId === user.id && r.assignment.id === ctx.params.assignmentId,
    );
    if (index < 0) throw resourceNotFound(ctx.params.assignmentId);
    requirePermission(ctx.tenant, ['AppRoleAssignment.ReadWrite.All']);
    ctx.tenant.appRoleAssignments.splice(index, 1);
    return { status: 204 };
  },
};

export const applicationRoutes: readonly GraphRoute[] = [
  oauth2PermissionGrants,
  appRoleAssignments,
  getGrant,
  deleteGrant,
  deleteAppRoleAssignment,
];
