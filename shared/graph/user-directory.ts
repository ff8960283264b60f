// What the directory says about a user before we act (the UserDirectory port): identity, on-premises
// sync, protected-group membership and directory roles. The three reads run in parallel.
import type { Client } from '@microsoft/microsoft-graph-client';
import { field, list, text } from '../alerts/json';
import type { UserFacts } from '../policy/containment-policy';
import type { UserDirectory } from '../runbook/ports';
import { graphErrorFromException } from './errors';
import { listAll } from './paging';

/** Graph accepts at most 20 group ids per checkMemberGroups call. */
const CHECK_MEMBER_GROUPS_MAX = 20;
/** Group membership changes rarely and a burst of alerts often names the same users. */
const MEMBERSHIP_CACHE_MS = 60_000;

export class GraphUserDirectory implements UserDirectory {
  private readonly membership = new Map<string, { at: number; groups: Promise<string[]> }>();

  constructor(
    private readonly client: Client,
    private readonly baseUrl: string,
    private readonly now: () => number = Date.now,
  ) {}

  async inspect(userId: string, protectedGroupIds: readonly string[]): Promise<UserFacts> {
    const path = `/users/${encodeURIComponent(userId)}`;
    const [user, groups, roles] = await Promise.all([
      this.get(`${path}?$select=id,userPrincipalName,onPremisesSyncEnabled`),
      protectedGroupIds.length === 0 ? Promise.resolve([]) : this.protectedGroupsOf(userId, protectedGroupIds),
      listAll(this.client, this.baseUrl, `${path}/transitiveMemberOf/microsoft.graph.directoryRole?$select=displayName,roleTemplateId`),
    ]);
    return {
      objectId: (text(field(user, 'id')) ?? userId).toLowerCase(),
      upn: (text(field(user, 'userPrincipalName')) ?? '').toLowerCase(),
      onPremisesSyncEnabled: field(user, 'onPremisesSyncEnabled') === true,
      protectedGroupIds: groups,
      directoryRoles: roles.items.map((role) => text(field(role, 'displayName')) ?? 'unnamed role'),
    };
  }

  private protectedGroupsOf(userId: string, groupIds: readonly string[]): Promise<string[]> {
    const key = `${userId.toLowerCase()}|${groupIds.join(',')}`;
    const cached = this.membership.get(key);
    if (cached && this.now() - cached.at < MEMBERSHIP_CACHE_MS) return cached.groups;
    const groups = this.checkMemberGroups(userId, groupIds);
    this.membership.set(key, { at: this.now(), groups });
    // A failed lookup must not be served from the cache.
    groups.catch(() => this.membership.delete(key));
    return groups;
  }

  private async checkMemberGroups(userId: string, groupIds: readonly string[]): Promise<string[]> {
    const chunks: string[][] = [];
    for (let i = 0; i < groupIds.length; i += CHECK_MEMBER_GROUPS_MAX) chunks.push(groupIds.slice(i, i + CHECK_MEMBER_GROUPS_MAX));
    const answers = await Promise.all(
      chunks.map((groupIds) => this.post(`/users/${encodeURIComponent(userId)}/checkMemberGroups`, { groupIds })),
    );
    return answers.flatMap((answer) => list(field(answer, 'value')).map((id) => String(id).toLowerCase()));
  }

  private async get(path: string): Promise<unknown> {
    try {
      return (await this.client.api(path).get()) as unknown;
    } catch (error) {
      throw graphErrorFromException(error);
    }
  }

  private async post(path: string, body: object): Promise<unknown> {
    try {
      return (await this.client.api(path).post(body)) as unknown;
    } catch (error) {
      throw graphErrorFromException(error);
    }
  }
}
