// What the app's safety snapshot reads (shared/graph/safety-snapshot-reader.ts): every user's UPN and id
// through a delta query, the transitive user members of a group, and directory role assignments, active
// and PIM-eligible, with their role definitions. The delta query answers the full set again for a
// deltaLink (Graph may repeat objects; the simulator never deletes or renames users, so nothing is `@removed`).
import { resourceNotFound } from '../errors';
import { DEFAULT_PAGING, METADATA, nextLink, project, takePage } from '../odata';
import type { GraphRoute, RouteContext } from '../router';
import type { SimulatedTenant, SimUser } from '../tenant';
import { requirePermission } from './access';
import { collectionRoute } from './collection';

const USER_PROPERTIES = ['id', 'userPrincipalName', 'displayName', 'accountEnabled', 'onPremisesSyncEnabled'];

const usersDelta: GraphRoute = {
  method: 'GET',
  path: 'users/delta',
  query: ['$select', '$skiptoken', '$deltatoken'],
  handle(ctx) {
    const page = takePage(ctx.tenant.users, ctx.query, DEFAULT_PAGING);
    const select = ctx.query.select ?? USER_PROPERTIES;
    const body: Record<string, unknown> = {
      '@odata.context': `${METADATA}#users(${select.join(',')})`,
      value: page.items.map((user) => project(user, select, USER_PROPERTIES, 'microsoft.graph.user')),
    };
    if (page.next !== undefined) body['@odata.nextLink'] = nextLink(ctx.baseUrl, ctx.url, page.next);
    else body['@odata.deltaLink'] = deltaLink(ctx);
    return { status: 200, body };
  },
};

function deltaLink(ctx: RouteContext): string {
  const kept = [...ctx.url.searchParams].filter(([name]) => !['$skiptoken', '$deltatoken'].includes(name.toLowerCase()));
  const query = [...kept, ['$deltatoken', String(ctx.tenant.users.length)]].map(([name, value]) => `${name}=${value}`).join('&');
  return `${ctx.baseUrl}${ctx.url.pathname}?${query}`;
}

const transitiveUserMembers = collectionRoute<SimUser>({
  path: 'groups/{groupId}/transitiveMembers/microsoft.graph.user',
  typeName: 'microsoft.graph.user',
  properties: USER_PROPERTIES,
  context: () => 'users',
  list(ctx) {
    const group = ctx.tenant.findGroup(ctx.params.groupId.toLowerCase());
    if (!group) throw resourceNotFound(ctx.params.groupId);
    return ctx.tenant.users.filter((user) => ctx.tenant.transitiveGroupsOf(user.id).some((g) => g.id === group.id));
  },
});

interface RoleDefinition {
  id: string;
  displayName: string;
}

function roleDefinitions(tenant: SimulatedTenant): RoleDefinition[] {
  const names = new Set([
    ...tenant.users.flatMap((u) => u.directoryRoles),
    ...tenant.groups.flatMap((g) => g.directoryRoles ?? []),
    ...tenant.roleEligibilities.map((e) => e.role),
  ]);
  return [...names].map((name) => ({ id: tenant.directoryRole(name).roleTemplateId, displayName: name }));
}

const roleDefinitionsRoute = collectionRoute<RoleDefinition>({
  path: 'roleManagement/directory/roleDefinitions',
  typeName: 'microsoft.graph.unifiedRoleDefinition',
  properties: ['id', 'displayName'],
  context: () => 'roleManagement/directory/roleDefinitions',
  list: (ctx) => roleDefinitions(ctx.tenant),
});

interface Assignment {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId: string;
  principal?: object;
}

/** A list of assignments; `$expand=principal` adds the user or group with its @odata.type. */
function assignmentRoute(
  path: string,
  list: (ctx: RouteContext) => Array<{ principalId: string; role: string }>,
  permissions?: string[],
): GraphRoute {
  return {
    method: 'GET',
    path,
    query: ['$expand', '$skiptoken', '$top'],
    handle(ctx) {
      if (permissions) requirePermission(ctx.tenant, permissions);
      const expand = ctx.query.expand === 'principal';
      const all = list(ctx).map(({ principalId, role }, index): Assignment => {
        const roleDefinitionId = ctx.tenant.directoryRole(role).roleTemplateId;
        const assignment: Assignment = {
          id: `${roleDefinitionId}-${principalId}-${index}`,
          principalId,
          roleDefinitionId,
          directoryScopeId: '/',
        };
        if (expand) {
          const user = ctx.tenant.findUser(principalId);
          assignment.principal = user
            ? { '@odata.type': '#microsoft.graph.user', id: user.id, userPrincipalName: user.userPrincipalName }
            : { '@odata.type': '#microsoft.graph.group', id: principalId };
        }
        return assignment;
      });
      const page = takePage(all, ctx.query, DEFAULT_PAGING);
      const body: Record<string, unknown> = { '@odata.context': `${METADATA}#${path}`, value: page.items };
      if (page.next !== undefined) body['@odata.nextLink'] = nextLink(ctx.baseUrl, ctx.url, page.next);
      return { status: 200, body };
    },
  };
}

const roleAssignments = assignmentRoute('roleManagement/directory/roleAssignments', (ctx) => [
  ...ctx.tenant.users.flatMap((u) => u.directoryRoles.map((role) => ({ principalId: u.id, role }))),
  ...ctx.tenant.groups.flatMap((g) => (g.directoryRoles ?? []).map((role) => ({ principalId: g.id, role }))),
]);

const roleEligibilities = assignmentRoute(
  'roleManagement/directory/roleEligibilityScheduleInstances',
  (ctx) => ctx.tenant.roleEligibilities,
  [
    'RoleEligibilitySchedule.Read.Directory',
    'RoleManagement.Read.Directory',
    'RoleManagement.Read.All',
    'RoleEligibilitySchedule.ReadWrite.Directory',
  ],
);

export const safetySnapshotRoutes: readonly GraphRoute[] = [
  usersDelta,
  transitiveUserMembers,
  roleDefinitionsRoute,
  roleAssignments,
  roleEligibilities,
];
