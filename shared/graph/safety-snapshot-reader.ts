// Reads the safety snapshot's contents from Graph (the SafetySnapshotReader port), each listing to its end:
//  - every user's id and UPN: GET /users/delta?$select=id,userPrincipalName, a full round the first time,
//    then only the changes from the deltaLink (Graph's delta query for users; an expired token starts over);
//  - the transitive user members of each protected group: GET /groups/{id}/transitiveMembers/microsoft.graph.user
//    (Graph offers no delta over transitive membership: groups/delta tracks direct members only);
//  - directory role holders: GET /roleManagement/directory/roleAssignments?$expand=principal (active) and
//    roleEligibilityScheduleInstances?$expand=principal (PIM eligible; a 403 means "not readable" and is
//    recorded, since the live reads never saw eligible roles either), a group principal (role-assignable
//    group) standing for its transitive members; names from roleDefinitions.
// Any failure throws, so the caller keeps no half-built snapshot.
import type { Client } from '@microsoft/microsoft-graph-client';
import { field, list, text } from '../alerts/json';
import type { SafetySnapshot } from '../policy/safety-snapshot';
import type { SafetySnapshotReader } from '../runbook/ports';
import { graphErrorFromException } from './errors';
import { listAll, nextLinkPath } from './paging';

/** A listing longer than this is not read to its end in one refresh: the snapshot would be incomplete. */
const MAX_ITEMS = 5_000_000;

type Contents = Omit<SafetySnapshot, 'takenAt'>;

export class GraphSafetySnapshotReader implements SafetySnapshotReader {
  private users = new Map<string, string>();
  private deltaLink?: string;

  constructor(
    private readonly client: Client,
    private readonly baseUrl: string,
  ) {}

  async read(protectedGroupIds: readonly string[]): Promise<Contents> {
    const [upnById, protectedGroupsById, roles] = await Promise.all([
      this.readUsers(),
      this.protectedMembers(protectedGroupIds),
      this.roleHolders(),
    ]);
    const idByUpn = new Map<string, string>();
    for (const [id, upn] of upnById) idByUpn.set(upn, id);
    return {
      upnById,
      idByUpn,
      protectedGroupIds: [...protectedGroupIds],
      protectedGroupsById,
      rolesById: roles.rolesById,
      eligibleRolesRead: roles.eligibleRolesRead,
    };
  }

  /** The users' delta round, applied to a copy: a round that fails part-way changes nothing. */
  private async readUsers(): Promise<ReadonlyMap<string, string>> {
    try {
      return await this.deltaRound(this.deltaLink);
    } catch (error) {
      // 410 Gone: the delta token expired; a full round starts over.
      if (this.deltaLink !== undefined && graphErrorFromException(error).status === 410) return this.deltaRound(undefined);
      throw graphErrorFromException(error);
    }
  }

  private async deltaRound(from: string | undefined): Promise<ReadonlyMap<string, string>> {
    const users = from === undefined ? new Map<string, string>() : new Map(this.users);
    let next: string | undefined = from ?? '/users/delta?$select=id,userPrincipalName';
    let deltaLink: string | undefined;
    while (next !== undefined) {
      const page: unknown = await this.client.api(next).get();
      for (const item of list(field(page, 'value'))) {
        const id = text(field(item, 'id'))?.toLowerCase();
        if (id === undefined) continue;
        const upn = text(field(item, 'userPrincipalName'))?.toLowerCase();
        if (field(item, '@removed') !== undefined) users.delete(id);
        else if (upn !== undefined) users.set(id, upn);
      }
      const link = text(field(page, '@odata.nextLink'));
      const done = text(field(page, '@odata.deltaLink'));
      next = link === undefined ? undefined : nextLinkPath(link, this.baseUrl);
      if (done !== undefined) deltaLink = nextLinkPath(done, this.baseUrl);
    }
    // No deltaLink: the round did not reach its end, so the set is not known to be complete.
    if (deltaLink === undefined) throw new Error('users delta round ended without a deltaLink');
    this.users = users;
    this.deltaLink = deltaLink;
    return users;
  }

  private async protectedMembers(groupIds: readonly string[]): Promise<ReadonlyMap<string, readonly string[]>> {
    const byId = new Map<string, string[]>();
    const members = await Promise.all(
      groupIds.map(async (groupId) => ({ groupId: groupId.toLowerCase(), ids: await this.usersIn(groupId) })),
    );
    for (const { groupId, ids } of members) {
      for (const id of ids) byId.set(id, [...(byId.get(id) ?? []), groupId]);
    }
    return byId;
  }

  private async usersIn(groupId: string): Promise<string[]> {
    const path = `/groups/${encodeURIComponent(groupId)}/transitiveMembers/microsoft.graph.user?$select=id,userPrincipalName`;
    const all = await listAll(this.client, this.baseUrl, path, { maxItems: MAX_ITEMS });
    if (all.truncated) throw new Error(`group ${groupId} has more members than one refresh reads`);
    return all.items.flatMap((item) => text(field(item, 'id'))?.toLowerCase() ?? []);
  }

  private async roleHolders(): Promise<{ rolesById: ReadonlyMap<string, readonly string[]>; eligibleRolesRead: boolean }> {
    const [definitions, active, eligible] = await Promise.all([
      this.listed('/roleManagement/directory/roleDefinitions?$select=id,displayName'),
      this.listed('/roleManagement/directory/roleAssignments?$expand=principal'),
      this.listed('/roleManagement/directory/roleEligibilityScheduleInstances?$expand=principal').catch((error: unknown) => {
        if (graphErrorFromException(error).status === 403) return undefined;
        throw error;
      }),
    ]);
    const names = new Map(definitions.map((d) => [text(field(d, 'id')) ?? '', text(field(d, 'displayName')) ?? 'unnamed role']));
    const rolesById = new Map<string, string[]>();
    const groupMembers = new Map<string, Promise<string[]>>();
    const holders = await Promise.all(
      [...active, ...(eligible ?? [])].map(async (assignment) => {
        const role = names.get(text(field(assignment, 'roleDefinitionId')) ?? '') ?? 'unnamed role';
        const principal = field(assignment, 'principal');
        const type = text(field(principal, '@odata.type')) ?? '';
        const principalId = (text(field(assignment, 'principalId')) ?? '').toLowerCase();
        if (type === '#microsoft.graph.group') {
          let members = groupMembers.get(principalId);
          if (members === undefined) {
            members = this.usersIn(principalId);
            groupMembers.set(principalId, members);
          }
          return { role, ids: await members };
        }
        // Service principals hold roles too; they are never alert subjects.
        return { role, ids: type === '#microsoft.graph.user' ? [principalId] : [] };
      }),
    );
    for (const { role, ids } of holders) {
      for (const id of ids) {
        const roles = rolesById.get(id) ?? [];
        if (!roles.includes(role)) rolesById.set(id, [...roles, role]);
      }
    }
    return { rolesById, eligibleRolesRead: eligible !== undefined };
  }

  private async listed(path: string): Promise<unknown[]> {
    const all = await listAll(this.client, this.baseUrl, path, { maxItems: MAX_ITEMS });
    if (all.truncated) throw new Error(`${path.split('?')[0]} has more entries than one refresh reads`);
    return all.items;
  }
}
