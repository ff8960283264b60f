// The simulator's own control API under /_sim, for curl users and scripts: inspect state and the
// request log, inject faults and latency, add users. Never delayed, faulted or logged.
import { GraphHttpError } from './errors';
import { faultRuleFromJson, FaultRule } from './faults';
import { isRecord } from './json';
import type { RequestLogEntry } from './server';
import { NewUser, SimulatedTenant, SimUser, UserExistsError } from './tenant';

export interface ControlTarget {
  readonly tenant: SimulatedTenant;
  readonly requestLog: readonly RequestLogEntry[];
  readonly latencyMs: number;
  describeFaults(): object[];
  setLatency(ms: number): void;
  addFault(rule: FaultRule): void;
  clearFaults(): void;
  clearRequestLog(): void;
  addUser(user: NewUser): SimUser;
}

export interface ControlResult {
  status: number;
  body?: object;
}

type ControlHandler = (target: ControlTarget, body: unknown) => ControlResult;

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
};

/** `segments` are the path segments after `/_sim`. */
export function handleControl(target: ControlTarget, method: string, segments: readonly string[], body: unknown): ControlResult {
  const methods = segments.length === 1 ? ROUTES[segments[0]] : undefined;
  if (!methods) throw controlError(404, `No simulator control route /_sim/${segments.join('/')}`);
  const handler = methods[method];
  if (!handler) throw controlError(405, `Use ${Object.keys(methods).join(', ')} on /_sim/${segments[0]}`, { allow: Object.keys(methods).join(', ') });
  return handler(target, body);
}

function stateOf(target: ControlTarget): object {
  return {
    latencyMs: target.latencyMs,
    faults: target.describeFaults(),
    users: target.tenant.users.map((u) => ({
      id: u.id,
      userPrincipalName: u.userPrincipalName,
      accountEnabled: u.accountEnabled,
      revokeCount: u.revokeCount,
      signInSessionsValidFromDateTime: u.signInSessionsValidFromDateTime,
      passwordResetCount: u.passwordResetCount,
      lastPasswordChangeDateTime: u.lastPasswordChangeDateTime,
    })),
  };
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

/** The simulator's API rejects bad input with TypeError/RangeError (SyntaxError for a bad regex). */
function asControlError<T>(action: () => T): T {
  try {
    return action();
  } catch (error) {
    if (error instanceof UserExistsError) throw controlError(409, error.message);
    if (error instanceof TypeError || error instanceof RangeError || error instanceof SyntaxError) throw controlError(400, error.message);
    throw error;
  }
}

const CONTROL_CODES: Readonly<Record<number, string>> = { 400: 'BadRequest', 404: 'NotFound', 405: 'MethodNotAllowed', 409: 'Conflict' };

function controlError(status: number, message: string, headers: Record<string, string> = {}): GraphHttpError {
  return new GraphHttpError(status, CONTROL_CODES[status] ?? 'Error', message, headers);
}
