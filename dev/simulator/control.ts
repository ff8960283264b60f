// The simulator's own control API under /_sim, for curl users and scripts: inspect state and the
// request log, inject faults and latency, add users and groups, issue caller tokens. Never delayed,
// faulted or logged.
import type { TenantSimulator } from './api';
import { GraphHttpError } from './errors';
import { faultRuleFromJson } from './faults';
import { tokenRequestFromJson } from './identity';
import { isRecord } from './json';
import { reenableAccount, replantPersistence, type Reenabler } from './scenario';
import type { WriteLimits } from './throttling';
import { DEFAULT_APP_PERMISSIONS, GroupExistsError, NewGroup, NewUser, UserExistsError, type SimulatedTenant } from './tenant';

/** What the control routes act on: the simulator's own API, plus two views only they need. */
export type ControlTarget = Pick<
  TenantSimulator,
  | 'tenant'
  | 'identity'
  | 'requestLog'
  | 'setLatency'
  | 'addFault'
  | 'clearFaults'
  | 'clearRequestLog'
  | 'addUser'
  | 'addGroup'
  | 'setWriteLimits'
  | 'describeThrottling'
  | 'seedCampaign'
> & {
  readonly latencyMs: number;
  describeFaults(): object[];
  /** The tenant clock, for state changes made through the control API. */
  tenantNow(): Date;
};

export interface ControlResult {
  status: number;
  body?: object;
}

type ControlHandler = (target: ControlTarget, body: unknown) => ControlResult | Promise<ControlResult>;

const ROUTES: Readonly<Record<string, Partial<Record<string, ControlHandler>>>> = {
  state: { GET: (t) => ({ status: 200, body: stateOf(t) }) },
  requests: {
    GET: (t) => ({ status: 200, body: { value: t.requestLog } }),
    DELETE: (t) => (t.clearRequestLog(), { status: 204 }),
  },
  faults: {
    GET: (t) => ({ status: 200, body: { value: t.describeFaults() } }),
    POST: (t, body) => (t.addFault(asControlError(() => faultRuleFromJson(body))), { status: 201, body: { value: t.describeFaults() } }),
    DELETE: (t) => (t.clearFaults(), { status: 204 }),
  },
  latency: {
    POST(t, body) {
      const ms = isRecord(body) ? body.ms : undefined;
      if (typeof ms !== 'number') throw controlError(400, 'body must be {"ms": <milliseconds>}');
      asControlError(() => t.setLatency(ms));
      return { status: 200, body: { latencyMs: t.latencyMs } };
    },
  },
  users: { POST: (t, body) => ({ status: 201, body: asControlError(() => t.addUser(newUserFromJson(body))) }) },
  throttling: {
    GET: (t) => ({ status: 200, body: t.describeThrottling() }),
    POST(t, body) {
      asControlError(() => t.setWriteLimits(writeLimitsFromJson(body)));
      return { status: 200, body: t.describeThrottling() };
    },
    // The published limits again, with full buckets (between benchmark phases, say).
    DELETE: (t) => (t.setWriteLimits({}), { status: 204 }),
  },
  campaign: {
    POST(t, body) {
      const victims = isRecord(body) ? body.victims : undefined;
      if (typeof victims !== 'number' || Object.keys(body as object).length !== 1)
        throw controlError(400, 'body must be {"victims": <count>}');
      const seeded = asControlError(() => t.seedCampaign(victims));
      return { status: 201, body: { value: seeded } };
    },
  },
  'audit-queries': {
    GET: (t) => ({ status: 200, body: t.tenant.auditQueryBehaviour }),
    POST(t, body) {
      if (!isRecord(body))
        throw controlError(400, 'body must be {"completesAfterMs"?: n, "recordCountLimit"?: n, "outcome"?: "succeeded" | "failed"}');
      const { completesAfterMs, recordCountLimit, outcome, ...rest } = body;
      if (Object.keys(rest).length > 0) throw controlError(400, `unknown field(s): ${Object.keys(rest).join(', ')}`);
      const next = { ...t.tenant.auditQueryBehaviour };
      if (completesAfterMs !== undefined) {
        if (typeof completesAfterMs !== 'number' || completesAfterMs < 0)
          throw controlError(400, 'completesAfterMs must be a non-negative number');
        next.completesAfterMs = completesAfterMs;
      }
      if (recordCountLimit !== undefined) {
        if (typeof recordCountLimit !== 'number' || !Number.isInteger(recordCountLimit) || recordCountLimit < 0)
          throw controlError(400, 'recordCountLimit must be a non-negative integer');
        next.recordCountLimit = recordCountLimit;
      }
      if (outcome !== undefined) {
        if (outcome !== 'succeeded' && outcome !== 'failed') throw controlError(400, 'outcome must be "succeeded" or "failed"');
        next.outcome = outcome;
      }
      t.tenant.auditQueryBehaviour = next;
      return { status: 200, body: next };
    },
  },
  groups: { POST: (t, body) => ({ status: 201, body: asControlError(() => t.addGroup(newGroupFromJson(body))) }) },
  'group-members': {
    POST(t, body) {
      if (!isRecord(body) || typeof body.group !== 'string' || typeof body.member !== 'string')
        throw controlError(400, 'body must be {"group": "<group id>", "member": "<user id or UPN, or group id>"}');
      const group = t.tenant.findGroup(body.group.toLowerCase());
      const memberId = t.tenant.findUser(body.member)?.id ?? t.tenant.findGroup(body.member.toLowerCase())?.id;
      if (group === undefined || memberId === undefined) throw controlError(400, `no group '${body.group}' or member '${body.member}'`);
      if (!group.memberIds.includes(memberId)) group.memberIds.push(memberId);
      return { status: 204 };
    },
  },
  'role-eligibilities': {
    POST(t, body) {
      if (!isRecord(body) || typeof body.principal !== 'string' || typeof body.role !== 'string')
        throw controlError(400, 'body must be {"principal": "<user id or UPN, or group id>", "role": "<role name>"}');
      const principalId = t.tenant.findUser(body.principal)?.id ?? t.tenant.findGroup(body.principal.toLowerCase())?.id;
      if (principalId === undefined) throw controlError(400, `no user or group '${body.principal}'`);
      const eligibility = { principalId, role: body.role };
      t.tenant.roleEligibilities.push(eligibility);
      return { status: 201, body: eligibility };
    },
  },
  'app-access': {
    GET: (t) => ({ status: 200, body: appAccessOf(t.tenant) }),
    POST(t, body) {
      if (!isRecord(body))
        throw controlError(400, 'body must be {"revoke"?: [permission], "grant"?: [permission], "directoryRoles"?: [role name]}');
      const { revoke, grant, directoryRoles, ...rest } = body;
      if (Object.keys(rest).length > 0) throw controlError(400, `unknown field(s): ${Object.keys(rest).join(', ')}`);
      const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
      for (const [name, value] of Object.entries({ revoke, grant, directoryRoles })) {
        if (value !== undefined && !strings(value)) throw controlError(400, `${name} must be an array of strings`);
      }
      for (const permission of (revoke as string[] | undefined) ?? []) t.tenant.appAccess.permissions.delete(permission);
      for (const permission of (grant as string[] | undefined) ?? []) t.tenant.appAccess.permissions.add(permission);
      if (directoryRoles !== undefined) t.tenant.appAccess.directoryRoles = [...(directoryRoles as string[])];
      return { status: 200, body: appAccessOf(t.tenant) };
    },
    DELETE(t) {
      t.tenant.appAccess = { permissions: new Set(DEFAULT_APP_PERMISSIONS), directoryRoles: ['User Administrator'] };
      return { status: 204 };
    },
  },
  replant: {
    POST(t, body) {
      const user = isRecord(body) && typeof body.user === 'string' ? body.user : undefined;
      asControlError(() => replantPersistence(t.tenant, t.tenantNow(), user));
      return { status: 204 };
    },
  },
  reenable: {
    POST(t, body) {
      if (!isRecord(body) || typeof body.user !== 'string' || !isRecord(body.by)) {
        throw controlError(400, 'body must be {"user": "<id or UPN>", "by": {"userPrincipalName": "..."} | {"app": "..."}}');
      }
      const by = body.by;
      let who: Reenabler;
      if (typeof by.userPrincipalName === 'string') who = { userPrincipalName: by.userPrincipalName };
      else if (typeof by.app === 'string') who = { app: by.app };
      else throw controlError(400, 'by must be {"userPrincipalName": "..."} or {"app": "..."}');
      const user = body.user;
      asControlError(() => reenableAccount(t.tenant, user, who, t.tenantNow()));
      return { status: 204 };
    },
  },
  tokens: {
    // Shaped like a token endpoint's answer, for `curl ... | jq -r .access_token`.
    async POST(t, body) {
      const request = asControlError(() => tokenRequestFromJson(body));
      const accessToken = await t.identity.issueToken(request);
      return { status: 200, body: { token_type: 'Bearer', expires_in: request.expiresInSeconds ?? 3600, access_token: accessToken } };
    },
  },
};

/** `segments` are the path segments after `/_sim`. */
export async function handleControl(
  target: ControlTarget,
  method: string,
  segments: readonly string[],
  body: unknown,
): Promise<ControlResult> {
  const methods = segments.length === 1 ? ROUTES[segments[0]] : undefined;
  if (!methods) throw controlError(404, `No simulator control route /_sim/${segments.join('/')}`);
  const handler = methods[method];
  if (!handler)
    throw controlError(405, `Use ${Object.keys(methods).join(', ')} on /_sim/${segments[0]}`, { allow: Object.keys(methods).join(', ') });
  return handler(target, body);
}

function appAccessOf(tenant: SimulatedTenant): object {
  return { permissions: [...tenant.appAccess.permissions].sort(), directoryRoles: tenant.appAccess.directoryRoles };
}

function stateOf(target: ControlTarget): object {
  return {
    latencyMs: target.latencyMs,
    faults: target.describeFaults(),
    groups: target.tenant.groups.map((g) => ({
      id: g.id,
      displayName: g.displayName,
      memberIds: g.memberIds,
      directoryRoles: g.directoryRoles ?? [],
    })),
    users: target.tenant.users.map((u) => ({
      id: u.id,
      userPrincipalName: u.userPrincipalName,
      accountEnabled: u.accountEnabled,
      revokeCount: u.revokeCount,
      signInSessionsValidFromDateTime: u.signInSessionsValidFromDateTime,
      passwordResetCount: u.passwordResetCount,
      lastPasswordChangeDateTime: u.lastPasswordChangeDateTime,
      temporaryAccessPassCount: u.temporaryAccessPassCount,
    })),
    appAccess: appAccessOf(target.tenant),
  };
}

/** `{"appTenant"?: {"requests": n, "perMs": n} | null, "tenant"?: ...}`; a limit left out takes the published figure. */
function writeLimitsFromJson(json: unknown): Partial<WriteLimits> {
  if (!isRecord(json)) throw new TypeError('body must be {"appTenant"?: {"requests": n, "perMs": n} | null, "tenant"?: ... | null}');
  const limits: Partial<WriteLimits> = {};
  for (const [key, value] of Object.entries(json)) {
    if (key !== 'appTenant' && key !== 'tenant') throw new TypeError(`unknown field '${key}'; supported: appTenant, tenant`);
    if (value === null) limits[key] = null;
    else if (isRecord(value) && typeof value.requests === 'number' && typeof value.perMs === 'number' && Object.keys(value).length === 2) {
      limits[key] = { requests: value.requests, perMs: value.perMs };
    } else throw new TypeError(`${key} must be {"requests": n, "perMs": n} or null`);
  }
  return limits;
}

const USER_FIELDS: Readonly<Record<string, (v: unknown) => boolean>> = {
  userPrincipalName: (v) => typeof v === 'string',
  id: (v) => typeof v === 'string',
  displayName: (v) => typeof v === 'string',
  mail: (v) => typeof v === 'string',
  givenName: (v) => typeof v === 'string' || v === null,
  surname: (v) => typeof v === 'string' || v === null,
  jobTitle: (v) => typeof v === 'string' || v === null,
  officeLocation: (v) => typeof v === 'string' || v === null,
  accountEnabled: (v) => typeof v === 'boolean',
  onPremisesSyncEnabled: (v) => typeof v === 'boolean' || v === null,
  directoryRoles: (v) => Array.isArray(v) && v.every((r) => typeof r === 'string'),
};

function newUserFromJson(json: unknown): NewUser {
  if (!isRecord(json) || typeof json.userPrincipalName !== 'string') throw new TypeError('body must be a user with a userPrincipalName');
  for (const [key, value] of Object.entries(json)) {
    const valid = USER_FIELDS[key];
    if (!valid) throw new TypeError(`unsupported user field '${key}'; supported: ${Object.keys(USER_FIELDS).join(', ')}`);
    if (!valid(value)) throw new TypeError(`invalid value for user field '${key}'`);
  }
  // Every field was checked against USER_FIELDS, whose types are those of NewUser.
  return json as NewUser;
}

function newGroupFromJson(json: unknown): NewGroup {
  if (!isRecord(json)) throw new TypeError('body must be a group: {"displayName": "...", "members": ["<user id or UPN, or group id>"]}');
  const { id, displayName, members, directoryRoles, ...rest } = json;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined)
    throw new TypeError(`unsupported group field '${unknown}'; supported: id, displayName, members, directoryRoles`);
  const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
  if (id !== undefined && typeof id !== 'string') throw new TypeError('id must be a string');
  if (typeof displayName !== 'string') throw new TypeError('displayName must be a string');
  if (!strings(members)) throw new TypeError('members must be an array of user ids, UPNs or group ids');
  if (directoryRoles !== undefined && !strings(directoryRoles)) throw new TypeError('directoryRoles must be an array of role names');
  return { id, displayName, members, directoryRoles };
}

/** The simulator's API rejects bad input with TypeError/RangeError (SyntaxError for a bad regex). */
function asControlError<T>(action: () => T): T {
  try {
    return action();
  } catch (error) {
    if (error instanceof UserExistsError || error instanceof GroupExistsError) throw controlError(409, error.message);
    if (error instanceof TypeError || error instanceof RangeError || error instanceof SyntaxError) throw controlError(400, error.message);
    throw error;
  }
}

const CONTROL_CODES: Readonly<Record<number, string>> = { 400: 'BadRequest', 404: 'NotFound', 405: 'MethodNotAllowed', 409: 'Conflict' };

function controlError(status: number, message: string, headers: Record<string, string> = {}): GraphHttpError {
  return new GraphHttpError(status, CONTROL_CODES[status] ?? 'Error', message, headers);
}
