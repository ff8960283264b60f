// Graph application access held by a user: delegated OAuth2 permission grants (consent) and app role
// assignments, where AiTM persistence survives a password reset (runbook 2.3 / 3.2).
import { AppRoleAssignment, OAuth2PermissionGrant, propertyNames } from '../resources';
import type { GraphRoute } from '../router';
import { collectionRoute, requireUser } from './collection';

const oauth2PermissionGrants = collectionRoute<OAuth2PermissionGrant>({
  path: 'users/{userId}/oauth2PermissionGrants',
  typeName: 'microsoft.graph.oAuth2PermissionGrant',
  properties: propertyNames<OAuth2PermissionGrant>({ id: true, clientId: true, consentType: true, principalId: true, resourceId: true, scope: true }),
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

export const applicationRoutes: readonly GraphRoute[] = [oauth2PermissionGrants, appRoleAssignments];
