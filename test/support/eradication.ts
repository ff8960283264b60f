// What the eradication integration tests share: the incident detail they read, and the calls they make
// as the alert source (the function key, for contain) and as the seeded approver (a user token, for
// reading and deciding), over real HTTP into the local host.
import type { LocalStack } from '../../dev/stack';
import type { TenantSimulator } from '../../dev/simulator';
import { request, type ContainBody } from './http';
import { approverToken, bearer } from './tokens';

export interface Finding {
  id: string;
  kind: string;
  providerId: string;
  verdict: string;
  title: string;
}
export interface Item {
  findingId: string;
  kind: string;
  status: string;
  httpStatus?: number;
  missingPermission?: string;
  detail?: string;
}
export interface Detail {
  id: string;
  state: string;
  reason?: string;
  t0?: string;
  t1?: string;
  t2?: string;
  t3?: string;
  findings: Finding[];
  eradication?: {
    items: Item[];
    manualSteps: Array<{ why: string; powershell: string[] }>;
    verification?: { clean: boolean; newItems: string[] };
  };
  verification?: { clean: boolean; problems: string[] };
  timeline: Array<{ kind: string; summary: string; mark?: string; actor: string; detail?: Record<string, unknown> }>;
}

/** The alert source's key for contain, and the approver's token for everything a person does. */
export function eradicationApi(key: string) {
  const headers = { 'content-type': 'application/json', 'x-functions-key': key };
  let analyst: Record<string, string> = {};
  async function signIn(stack: LocalStack): Promise<void> {
    analyst = bearer(await approverToken(stack));
  }
  async function contain(stack: LocalStack, alert: string): Promise<string> {
    const response = await request<ContainBody>(`${stack.baseUrl}/api/contain`, { method: 'POST', headers, body: alert });
    expect(response.status).toBe(200);
    await stack.host.drainQueues(60_000);
    return response.json.incidents[0].id;
  }

  async function detail(stack: LocalStack, id: string): Promise<Detail> {
    const response = await request<Detail>(`${stack.baseUrl}/api/incidents/${id}`, { headers: analyst });
    expect(response.status).toBe(200);
    return response.json;
  }

  function post<T = Record<string, unknown>>(stack: LocalStack, id: string, verb: string, body: unknown) {
    return request<T & { error?: { message: string } }>(`${stack.baseUrl}/api/incidents/${id}/${verb}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...analyst },
      body: JSON.stringify(body),
    });
  }

  function deletes(simulator: TenantSimulator): string[] {
    return simulator.requestLog.filter((entry) => entry.method === 'DELETE').map((entry) => `${entry.path} ${entry.status}`);
  }

  return { headers, signIn, contain, detail, post, deletes };
}
