// The API as the console calls it: same origin, the analyst's bearer token, JSON in and out. An error
// keeps the server's own body (code and message), which the page shows as it is.
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type TokenSource = () => Promise<string>;

let tokenSource: TokenSource | undefined;

export function useToken(source: TokenSource | undefined): void {
  tokenSource = source;
}

async function send(method: string, path: string, body?: unknown, accept = 'application/json'): Promise<Response> {
  const headers: Record<string, string> = { accept };
  if (tokenSource) headers.authorization = `Bearer ${await tokenSource()}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`/api/${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store',
  });
  if (!response.ok) throw await apiError(response);
  return response;
}

async function apiError(response: Response): Promise<ApiError> {
  const text = await response.text();
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    const code = typeof parsed.error?.code === 'string' ? parsed.error.code : `http_${response.status}`;
    const message = typeof parsed.error?.message === 'string' ? parsed.error.message : text.slice(0, 500);
    return new ApiError(response.status, code, message);
  } catch {
    return new ApiError(response.status, `http_${response.status}`, text.slice(0, 500) || response.statusText);
  }
}

export async function getJson<T>(path: string): Promise<T> {
  return (await (await send('GET', path)).json()) as T;
}

export async function postJson<T>(path: string, body: unknown = {}): Promise<{ status: number; body: T }> {
  const response = await send('POST', path, body);
  return { status: response.status, body: (await response.json()) as T };
}

export async function getText(path: string, accept: string): Promise<string> {
  return (await send('GET', path, undefined, accept)).text();
}
