// Who is calling, and whether they may: the one authenticator every HTTP function calls with its
// route's role (DESIGN.md "Who may call what"). The alert source may only contain; people read and
// decide with their own Entra ID user token carrying an app role, so the credential an alert source
// holds (a function key, a playbook's identity) can never approve. Function keys are checked by the
// host before the handler runs (the route's auth level, config.ts authLevelFor); tokens are checked here.
import type { HttpRequest } from '@azure/functions';
import { authLevelFor, takesAppTokens, type CallerRole, type Config } from '../config';
import { AuthError } from '../errors';
import { EntraTokenVerifier } from './entra-token';
import { appRoles, groupMembership, tokenHolder } from './token-claims';

export type { CallerRole } from '../config';
export { acceptedIssuers, JWKS_REFETCH_COOLDOWN_MS } from './entra-token';

export interface Caller {
  /**
   * For the record: "function-key", "app:<appid>", or for a person
   * "<upn> (oid <object id>)" ("oid <object id>" when the token names no upn).
   */
  id: string;
  kind: 'function-key' | 'app' | 'user';
  /** A person's sign-in name (`upn`, or `preferred_username` in v2 tokens). */
  name?: string;
  /** A person's, or an app's service principal's, object id. */
  objectId?: string;
}

export interface CallerAuthenticator {
  /** The caller, or AuthError: 401 no or invalid credential, 403 valid but not allowed this role. */
  authenticate(request: HttpRequest, role: CallerRole): Promise<Caller>;
}

export const FUNCTION_KEY_CALLER: Caller = { id: 'function-key', kind: 'function-key' };

const USER_TOKEN = "an analyst's Entra ID user token for the webhook's app registration";

export class Callers implements CallerAuthenticator {
  private readonly verifier?: EntraTokenVerifier;

  constructor(private readonly config: Pick<Config, 'callerTokens' | 'approvals'>) {
    if (config.callerTokens) this.verifier = new EntraTokenVerifier(config.callerTokens);
  }

  async authenticate(request: HttpRequest, role: CallerRole): Promise<Caller> {
    const level = authLevelFor(role, { appTokenCallers: takesAppTokens(this.config), approvalAuth: this.config.approvals.auth });
    // The host let the request in only with a key that opens this route.
    if (level === 'function') return FUNCTION_KEY_CALLER;
    return role === 'alert-source' ? this.alertSource(request) : this.person(request, role);
  }

  private async alertSource(request: HttpRequest): Promise<Caller> {
    const tokens = this.config.callerTokens;
    if (!this.verifier || !tokens) throw new AuthError('no caller can be checked: WEBHOOK_AUDIENCE and WEBHOOK_TENANT_ID are not set', 403);
    const holder = tokenHolder(await this.verifier.verify(request, 'Entra ID access token'));
    if (holder.kind !== 'app')
      throw new AuthError(
        "contain takes the alert source's app token (a managed identity in WEBHOOK_ALLOWED_CALLERS), not a person's token",
        403,
      );
    const allowed = [holder.appId, holder.objectId].some((id) => id !== undefined && tokens.allowedCallers.has(id));
    if (!allowed) throw new AuthError('this caller is not in WEBHOOK_ALLOWED_CALLERS', 403);
    return { id: `app:${holder.appId}`, kind: 'app', objectId: holder.objectId };
  }

  private async person(request: HttpRequest, role: 'reader' | 'approver'): Promise<Caller> {
    if (!this.verifier) {
      throw new AuthError(
        `reading and deciding incidents need ${USER_TOKEN}, and none can be checked: set WEBHOOK_AUDIENCE and WEBHOOK_TENANT_ID (and WEBHOOK_AUTHORITY outside the public cloud), or APPROVAL_AUTH=function-key in a lab`,
        403,
      );
    }
    const claims = await this.verifier.verify(request, USER_TOKEN);
    const holder = tokenHolder(claims);
    if (holder.kind !== 'user')
      throw new AuthError(`an app's token cannot ${role === 'approver' ? 'decide' : 'read'}: this needs ${USER_TOKEN}`, 403);
    const { approverRole, readerRole, approverGroupIds } = this.config.approvals;
    const roles = appRoles(claims);
    if (role === 'reader' && !roles.includes(readerRole) && !roles.includes(approverRole)) {
      throw new AuthError(`reading incidents needs the app role "${readerRole}" or "${approverRole}"`, 403);
    }
    if (role === 'approver') {
      if (!roles.includes(approverRole)) throw new AuthError(`deciding needs the app role "${approverRole}" (APPROVER_ROLE)`, 403);
      if (approverGroupIds.length > 0) {
        const membership = groupMembership(claims, approverGroupIds);
        if (membership === 'overage') {
          throw new AuthError(
            'the token does not list your groups (you are in too many for a token), so membership of APPROVER_GROUP_IDS cannot be checked: emit only groups assigned to the app registration ("groupMembershipClaims": "ApplicationGroup") or grant the app role to the approvers\' group and leave APPROVER_GROUP_IDS empty',
            403,
          );
        }
        if (membership === 'not-member') throw new AuthError('deciding needs membership of one of APPROVER_GROUP_IDS', 403);
      }
    }
    const id = holder.name ? `${holder.name} (oid ${holder.objectId})` : `oid ${holder.objectId}`;
    return { id, kind: 'user', name: holder.name, objectId: holder.objectId };
  }
}

export function callerAuthenticator(config: Config): CallerAuthenticator {
  return new Callers(config);
}
