// Injected failures for Graph calls: throttling, outages, permission errors, or a request that never
// answers, so retry, timeout and partial-containment paths can be exercised deterministically.
import { isRecord } from './json';

export interface FaultRule {
  /** HTTP method to match, case-insensitive; any method when absent. */
  method?: string;
  /** A string is an exact, case-insensitive pathname match (e.g. `/v1.0/users/x`); a RegExp is tested against the pathname. */
  path: string | RegExp;
  /** An HTTP error status, or 'hang' to never answer (the socket stays open until the client aborts or stop()). */
  status: number | 'hang';
  /** How many requests the rule applies to; unlimited when absent. */
  times?: number;
  /** Sets the Retry-After header. */
  retryAfterSeconds?: number;
  /** The Graph error code; a typical one for the status when absent (429 -> TooManyRequests, ...). */
  code?: string;
}

interface ActiveFault {
  rule: FaultRule;
  remaining: number;
}

export class FaultBook {
  private readonly faults: ActiveFault[] = [];

  add(rule: FaultRule): void {
    validateFaultRule(rule);
    // A global or sticky RegExp keeps state between test() calls; matching must not depend on history.
    const path = rule.path instanceof RegExp ? new RegExp(rule.path.source, rule.path.flags.replace(/[gy]/g, '')) : rule.path;
    this.faults.push({ rule: { ...rule, path }, remaining: rule.times ?? Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.faults.length = 0;
  }

  /** The first matching rule with uses left, consuming one use. */
  take(method: string, pathname: string): FaultRule | undefined {
    const fault = this.faults.find((f) => f.remaining > 0 && matches(f.rule, method, pathname));
    if (!fault) return undefined;
    fault.remaining--;
    return fault.rule;
  }

  /** JSON-friendly view for the control API. */
  describe(): object[] {
    return this.faults.map(({ rule, remaining }) => ({
      ...rule,
      path: rule.path instanceof RegExp ? { regex: rule.path.source } : rule.path,
      remaining: Number.isFinite(remaining) ? remaining : null,
    }));
  }
}

function matches(rule: FaultRule, method: string, pathname: string): boolean {
  if (rule.method !== undefined && rule.method.toUpperCase() !== method.toUpperCase()) return false;
  return rule.path instanceof RegExp ? rule.path.test(pathname) : rule.path.toLowerCase() === pathname.toLowerCase();
}

export function validateFaultRule(rule: FaultRule): void {
  if (!(rule.path instanceof RegExp) && (typeof rule.path !== 'string' || !rule.path.startsWith('/'))) {
    throw new TypeError("fault path must be a RegExp or a pathname starting with '/'");
  }
  if (rule.status !== 'hang' && !(Number.isInteger(rule.status) && rule.status >= 400 && rule.status <= 599)) {
    throw new RangeError("fault status must be an HTTP error status (400-599) or 'hang'");
  }
  if (rule.times !== undefined && !(Number.isInteger(rule.times) && rule.times > 0))
    throw new RangeError('fault times must be a positive integer');
  if (rule.retryAfterSeconds !== undefined && !(Number.isInteger(rule.retryAfterSeconds) && rule.retryAfterSeconds >= 0)) {
    throw new RangeError('fault retryAfterSeconds must be a non-negative integer');
  }
  if (rule.method !== undefined && !/^[A-Za-z]+$/.test(rule.method)) throw new TypeError('fault method must be an HTTP method name');
  if (rule.code !== undefined && !/^[A-Za-z_]+$/.test(rule.code))
    throw new TypeError('fault code must be a Graph error code such as TooManyRequests');
}

/** Reads a rule sent as JSON to the control API, where a RegExp path is written `{"regex": "..."}`. */
export function faultRuleFromJson(json: unknown): FaultRule {
  if (!isRecord(json)) throw new TypeError('fault rule must be a JSON object');
  const { method, path, status, times, retryAfterSeconds, code, ...rest } = json;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new TypeError(`unknown fault rule field(s): ${unknown.join(', ')}`);
  const rule: FaultRule = {
    path: isRecord(path) && typeof path.regex === 'string' ? new RegExp(path.regex) : (path as string),
    status: status as number | 'hang',
  };
  if (method !== undefined) rule.method = expect(method, 'string', 'method');
  if (times !== undefined) rule.times = expect(times, 'number', 'times');
  if (retryAfterSeconds !== undefined) rule.retryAfterSeconds = expect(retryAfterSeconds, 'number', 'retryAfterSeconds');
  if (code !== undefined) rule.code = expect(code, 'string', 'code');
  validateFaultRule(rule);
  return rule;
}

function expect<T extends 'string' | 'number'>(value: unknown, type: T, field: string): T extends 'string' ? string : number {
  if (typeof value !== type) throw new TypeError(`fault ${field} must be a ${type}`);
  return value as T extends 'string' ? string : number;
}
