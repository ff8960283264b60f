// Reads a request body within a size limit, refusing before reading when Content-Length already says
// it is too large, and checks the content type where one is given.
import type { HttpRequest } from '@azure/functions';
import { ValidationError } from '../errors';

export async function readLimitedBody(request: HttpRequest, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new ValidationError(`alert body is ${declared} bytes; the limit is ${maxBytes}`, 413);
  }
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.byteLength > maxBytes) {
    throw new ValidationError(`alert body is ${bytes.byteLength} bytes; the limit is ${maxBytes}`, 413);
  }
  return bytes;
}

/**
 * Logic Apps and curl send application/json; a missing type is tolerated (curl -d without -H), but a
 * declared non-JSON type means the caller is sending something else.
 */
export function requireJsonContentType(request: HttpRequest): void {
  const type = request.headers.get('content-type');
  if (type === null || type.trim() === '') return;
  const mediaType = type.split(';')[0].trim().toLowerCase();
  if (mediaType === 'application/json' || mediaType.endsWith('+json') || mediaType === 'text/json') return;
  if (mediaType === 'application/x-www-form-urlencoded' || mediaType === 'text/plain') return;
  throw new ValidationError(`unsupported content type "${mediaType}": send application/json`, 415);
}
