// GET /api/console and GET /api/console/{asset}: the incident console, served by the function app itself
// (no separate hosting, no CDN). The page and its bundle are public; every byte of incident data comes
// from the API with the analyst's own token. `config.json` tells the page how to sign in (no secrets).
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { loadConfig } from '../shared/config';
import { toHttpResponse } from '../shared/errors';
import { consoleAssets, consoleSettings, consoleSecurityHeaders } from '../shared/http/console';
import { registerFunction } from './registry';

export async function consolePageHandler(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return consoleAssetResponse('index.html', context);
}

export async function consoleAssetHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return consoleAssetResponse(request.params.asset ?? '', context);
}

async function consoleAssetResponse(name: string, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const config = loadConfig();
    const headers = consoleSecurityHeaders(config);
    if (name === 'config.json') {
      return { status: 200, headers: { ...headers, 'cache-control': 'no-store' }, jsonBody: consoleSettings(config) };
    }
    const assets = await consoleAssets();
    const asset = assets.get(name);
    if (!asset) {
      const text = { ...headers, 'content-type': 'text/plain; charset=utf-8' };
      // A checkout that was never built: say how to build, rather than serve a page without its code.
      if (assets.size === 0) return { status: 503, headers: text, body: 'the console bundle is not built: run npm run build' };
      return { status: 404, headers: text, body: 'not found' };
    }
    return {
      status: 200,
      headers: { ...headers, 'content-type': asset.contentType, 'cache-control': asset.cacheControl },
      body: asset.body,
    };
  } catch (error) {
    return toHttpResponse(error, context.invocationId);
  }
}

export const consolePageFunction = registerFunction({
  kind: 'http',
  name: 'console',
  route: 'console',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: consolePageHandler,
});

export const consoleAssetFunction = registerFunction({
  kind: 'http',
  name: 'consoleAsset',
  route: 'console/{asset}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: consoleAssetHandler,
});
