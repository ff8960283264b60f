// Small HTTP helpers for integration tests that talk to the local host like curl would.
export interface JsonResponse<T> {
  status: number;
  headers: Headers;
  text: string;
  json: T;
}

export async function request<T>(url: string, init: RequestInit = {}): Promise<JsonResponse<T>> {
  const response = await fetch(url, init);
  const text = await response.text();
  let json: unknown = {};
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = {};
    }
  }
  return { status: response.status, headers: response.headers, text, json: json as T };
}

export function manualAlert(user: string, alertId: string, severity = 'High'): string {
  return JSON.stringify({ user, alertId, severity, sourceIp: '198.51.100.23' });
}

export interface IncidentBody {
  id: string;
  state: string;
  t0?: string;
  replayed?: boolean;
  /** The alert was linked to the person's open incident. */
  linked?: boolean;
  user?: { upn?: string; objectId?: string };
  reason?: string;
  /** Why a held incident waits (blast_radius, limiter_unavailable, ...). */
  hold?: string;
  requiresOnPremDisable?: boolean;
  directoryRoles?: string[];
  followUpsQueuedAt?: string;
  actions: Array<{
    action: string;
    result: string;
    httpStatus?: number;
    graphCode?: string;
    requestId?: string;
    transient?: boolean;
    attempts: number;
  }>;
  timeline?: Array<{ kind: string; actor: string; summary: string; mark?: string; at: string }>;
}

export interface ContainBody {
  incidents: IncidentBody[];
  errors?: Array<{ message: string }>;
  error?: { code: string; message: string; missing?: string };
}

/**
 * Graph calls that change the tenant. checkMemberGroups is a POST that only reads, and so are creating an
 * audit log query (a search of the unified audit log, which diagnosis runs), an advanced hunting query and
 * a Log Analytics query (the pivot hunt).
 */
export function isGraphWrite(entry: { method: string; path: string }): boolean {
  if (entry.method === 'GET') return false;
  if (entry.path.startsWith('/v1/workspaces/')) return false;
  // A JSON batch is an envelope: the simulator logs each of its items as a request of its own.
  if (entry.path.toLowerCase() === '/v1.0/$batch') return false;
  return !(
    entry.method === 'POST' &&
    /(\/(checkMemberGroups|getMemberGroups|checkMemberObjects)|\/security\/auditLog\/queries|\/security\/runHuntingQuery)$/i.test(
      entry.path,
    )
  );
}
