// What the directory says about a user before we act (the UserDirectory port): who each identifier the
// alert gave names (GET /users/{upn} and GET /users/{objectId}), on-premises sync, whether the account is
// enabled, protected-group membership and directory roles. All reads of a lookup run in parallel: the
// identity is resolved in the same Graph round trip as the safety reads.
import type { Client } from '@microsoft/microsoft-graph-client';
import type { AlertUser } from '../alerts/types';
import { field, list, text } from '../alerts/json';
import type { DirectoryUser, SafetyFacts, UserLookup } from '../policy/identity';
import type { UserDirectory } from '../runbook/ports';
import { graphErrorFromException } from './errors';
import { listAll } from './paging';

/** Graph accepts at most 20 group ids per checkMemberGroups call. */
const CHECK_MEMBER_GROUPS_MAX = 20;
/** Group membership changes rarely and a burst of alerts often names the same users. */
const MEMBERSHIP_CACHE_MS = 60_000;
/** What the gates need, and nothing else (accountEnabled is only returned when selected). */
const USER_SELECT = '$select=id,userPrincipalName,accountEnabled,onPremisesSyncEnabled';

/** A 404 means the directory has nobody by that identifier: an answer, not a failure. */
async function orNobody<T>(read: Promise<T>): Promise<T | null> {
  try {
    return await read;
  } catch (error) {
    if (graphErrorFromException(error).status === 404) return null;
    throw error;
  }
}

export class GraphUserDirectory implements UserDirectory {
  private readonly membership = new Map<string, { at: number; groups: Promise<string[]> }>();

  constructor(
    private readonly client: Client,
    private readonly baseUrl: string,
    private readonly now: () => number = Date.now,
  ) {}

  async lookUp(user: AlertUser, protectedGroupIds: readonly string[]): Promise<UserLookup> {
    // The safety reads go by the UPN when there is one: the known bad mapping (a sign-in id in
    // AadUserId) breaks the object id, never the UPN, so this choice rarely needs a second round.
    const safetyVia = user.upn !== undefined ? 'upn' : 'objectId';
    const viaId = (safetyVia === 'upn' ? user.upn : user.objectId) ?? '';
    const [byUpn, byObjectId, safety] = await Promise.all([
      user.upn === undefined ? undefined : orNobody(this.readUser(user.upn)),
      user.objectId === undefined ? undefined : orNobody(this.readUser(user.objectId)),
      orNobody(this.safetyFacts(viaId, protectedGroupIds)),
    ]);
    return { byUpn, byObjectId, safetyVia, safety };
  }

  async safetyFacts(userId: string, protectedGroupIds: readonly string[]): Promise<SafetyFacts> {
    const path = `/users/${encodeURIComponent(userId)}`;
    const [groups, roles] = await Promise.all([
      protectedGroupIds.length === 0 ? Promise.resolve([]) : this.protectedGroupsOf(userId, protectedGroupIds),
      listAll(this.client, this.baseUrl, `${path}/transitiveMemberOf/microsoft.graph.directoryRole?$select=displayName,roleTemplateId`),
    ]);
    return { protectedGroupIds: groups, directoryRoles: roles.items.map((role) => text(field(role, 'displayName')) ?? 'unnamed role') };
  }

  user(userId: string): Promise<DirectoryUser | null> {
    return orNobody(this.readUser(userId));
  }

  private async readUser(userId: string): Promise<DirectoryUser> {
    const body = await this.get(`/users/${encodeURIComponent(userId)}?${USER_SELECT}`);
    return {
      objectId: (text(field(body, 'id')) ?? userId).toLowerCase(),
      upn: (text(field(body, 'userPrincipalName')) ?? '').toLowerCase(),
      // Absent means Graph did not say: treat as enabled, so a re-enabled account is never missed.
      accountEnabled: field(body, 'accountEnabled') !== false,
      onPremisesSyncEnabled: field(body, 'onPremisesSyncEnabled') === true,
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
