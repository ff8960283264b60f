// Phase 3 and 5 against Microsoft Graph: removal of what the attacker planted, each object through its
// own collection (the generic authentication/methods DELETE is delegated only), the account reads that
// verification needs, and recovery's writes (Temporary Access Pass, password reset, re-enable). Every
// write uses the raw response, so the record keeps the status and request-id of successes too.
import { Client, ResponseType } from '@microsoft/microsoft-graph-client';
import { field, list, text } from '../alerts/json';
import type { UpstreamError } from '../errors';
import { METHOD_COLLECTIONS } from '../runbook/eradication-plan';
import type {
  AccountDirectory,
  AccountState,
  GraphWriteReceipt,
  GraphWriteRequest,
  PersistenceRemover,
  RecoveryActions,
  Reenablement,
  RemovalTarget,
} from '../runbook/ports';
import { GRAPH_VERSION } from './client';
import { graphError, graphErrorFromException, graphErrorFromResponse, requestIdOf } from './errors';
import { listAll } from './paging';
import { AttemptRecord } from './retry';

const enc = encodeURIComponent;

function objectPath(target: RemovalTarget): string {
  const user = `/users/${enc(target.userKey)}`;
  switch (target.type) {
    case 'messageRule':
      return `${user}/mailFolders/inbox/messageRules/${enc(target.id)}`;
    case 'oAuth2PermissionGrant':
      return `/oauth2PermissionGrants/${enc(target.id)}`;
    case 'appRoleAssignment':
      return `${user}/appRoleAssignments/${enc(target.id)}`;
    case 'device':
      return `/devices/${enc(target.id)}`;
    default: {
      const method = METHOD_COLLECTIONS[target.type];
      if (!method) throw graphError(`no app-only delete route for ${target.type}`, 400, 'unsupported_target');
      return `${user}/authentication/${method.collection}/${enc(target.id)}`;
    }
  }
}

function withAttempts(error: UpstreamError, record: AttemptRecord): UpstreamError {
  error.attempts = Math.max(1, record.attempts);
  return error;
}

export class GraphEradicationActions implements PersistenceRemover, AccountDirectory, RecoveryActions {
  constructor(
    private readonly client: Client,
    private readonly baseUrl: string,
  ) {}

  request(target: RemovalTarget): GraphWriteRequest {
    return { method: 'DELETE', path: `/${GRAPH_VERSION}${objectPath(target)}` };
  }

  async read(target: RemovalTarget): Promise<unknown> {
    try {
      if (target.type === 'appRoleAssignment') {
        // Graph has no GET for one assignment under /users; the user's list is small.
        const all = await listAll(this.client, this.baseUrl, `/users/${enc(target.userKey)}/appRoleAssignments`);
        return all.items.find((item) => text(field(item, 'id')) === target.id);
      }
      return (await this.client.api(objectPath(target)).get()) as unknown;
    } catch (error) {
      const graph = graphErrorFromException(error);
      if (graph.status === 404) return undefined;
      throw graph;
    }
  }

  remove(target: RemovalTarget): Promise<GraphWriteReceipt> {
    return this.send({ method: 'DELETE', path: objectPath(target) }).then((r) => r.receipt);
  }

  async account(userKey: string): Promise<AccountState> {
    let body: unknown;
    try {
      body = (await this.client
        .api(`/users/${enc(userKey)}?$select=id,accountEnabled,signInSessionsValidFromDateTime,onPremisesSyncEnabled`)
        .get()) as unknown;
    } catch (error) {
      throw graphErrorFromException(error);
    }
    return {
      id: text(field(body, 'id'))?.toLowerCase(),
      accountEnabled: field(body, 'accountEnabled') === true,
      signInSessionsValidFromDateTime: text(field(body, 'signInSessionsValidFromDateTime')),
      onPremisesSyncEnabled: field(body, 'onPremisesSyncEnabled') === true,
    };
  }

  async reenablements(userId: string, since: string): Promise<Reenablement[]> {
    const filter = `activityDateTime ge ${since.slice(0, 19)}Z and targetResources/any(t:t/id eq '${userId.replace(/'/g, "''")}')`;
    const audits = await listAll(this.client, this.baseUrl, `/auditLogs/directoryAudits?$filter=${enc(filter)}`, { maxItems: 1_000 });
    return audits.items
      .filter((audit) => /^enable account$/i.test(text(field(audit, 'activityDisplayName')) ?? '') || enablesAccount(audit))
      .map((audit) => {
        const by = field(audit, 'initiatedBy');
        const user = field(by, 'user');
        const app = field(by, 'app');
        return {
          at: text(field(audit, 'activityDateTime')) ?? since,
          by: text(field(user, 'userPrincipalName')) ?? text(field(app, 'displayName')) ?? text(field(app, 'appId')) ?? 'unknown initiator',
          auditId: text(field(audit, 'id')) ?? '',
        };
      })
      .sort((a, b) => a.at.localeCompare(b.at));
  }

  async issueTemporaryAccessPass(
    userKey: string,
    lifetimeMinutes: number,
  ): Promise<{ receipt: GraphWriteReceipt; pass: string; expiresAt?: string }> {
    const { receipt, body } = await this.send(
      {
        method: 'POST',
        path: `/users/${enc(userKey)}/authentication/temporaryAccessPassMethods`,
        body: { lifetimeInMinutes: lifetimeMinutes, isUsableOnce: true },
      },
      true,
    );
    const pass = text(field(body, 'temporaryAccessPass'));
    if (pass === undefined)
      throw graphError('Graph created the Temporary Access Pass but returned no pass', receipt.status, 'no_pass', receipt.requestId);
    const start = Date.parse(text(field(body, 'startDateTime')) ?? text(field(body, 'createdDateTime')) ?? '');
    const lifetime = field(body, 'lifetimeInMinutes');
    const expiresAt = Number.isNaN(start)
      ? undefined
      : new Date(start + (typeof lifetime === 'number' ? lifetime : lifetimeMinutes) * 60_000).toISOString();
    return { receipt, pass, expiresAt };
  }

  async resetPassword(userKey: string, password: string): Promise<GraphWriteReceipt> {
    return (
      await this.send({
        method: 'PATCH',
        path: `/users/${enc(userKey)}`,
        body: { passwordProfile: { password, forceChangePasswordNextSignIn: true } },
      })
    ).receipt;
  }

  async enableAccount(userKey: string): Promise<GraphWriteReceipt> {
    return (await this.send({ method: 'PATCH', path: `/users/${enc(userKey)}`, body: { accountEnabled: true } })).receipt;
  }

  private async send(request: GraphWriteRequest, readBody = false): Promise<{ receipt: GraphWriteReceipt; body?: unknown }> {
    const attempts = new AttemptRecord();
    const call = this.client.api(request.path).middlewareOptions([attempts]).responseType(ResponseType.RAW);
    let response: Response;
    try {
      response = (await (request.method === 'DELETE'
        ? call.delete()
        : request.method === 'POST'
          ? call.post(request.body ?? {})
          : call.patch(request.body))) as Response;
    } catch (error) {
      throw withAttempts(graphErrorFromException(error), attempts);
    }
    if (response.status >= 200 && response.status < 300) {
      const body = readBody
        ? await response.json().catch((): unknown => undefined)
        : await response
            .arrayBuffer()
            .then(() => undefined)
            .catch(() => undefined);
      return { receipt: { status: response.status, requestId: requestIdOf(response), attempts: attempts.attempts }, body };
    }
    throw withAttempts(await graphErrorFromResponse(response), attempts);
  }
}

/** An "Update user" audit that set AccountEnabled to true counts too. */
function enablesAccount(audit: unknown): boolean {
  return list(field(audit, 'targetResources')).some((target) =>
    list(field(target, 'modifiedProperties')).some(
      (p) => /^accountenabled$/i.test(text(field(p, 'displayName')) ?? '') && /true/i.test(text(field(p, 'newValue')) ?? ''),
    ),
  );
}
