// GET /api/health: the settings in force (no secrets), whether each PROTECTED_ACCOUNTS entry names a
// directory user, and whether storage and Graph answer (with latency). For the analyst and the
// on-call check after a deployment or a settings change. It needs the reader role, like the other GET
// routes: the alert source's key does not open it.
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { describeSettings, httpAuthLevel } from '../shared/config';
import { toHttpResponse } from '../shared/errors';
import { checkHealth } from '../shared/runbook/health';
import { getServices } from '../shared/services';
import { registerFunction } from './registry';

export async function healthHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const { config, callers, health } = getServices();
    await callers.authenticate(request, 'reader');
    const report = await checkHealth(health);
    if (report.status !== 'ok')
      context.warn(
        JSON.stringify({
          event: 'health_degraded',
          storage: report.storage,
          graph: report.graph,
          unresolved: report.protectedAccounts.unresolved,
        }),
      );
    return { jsonBody: { ...report, settings: describeSettings(config) } };
  } catch (error) {
    return toHttpResponse(error, context.invocationId);
  }
}

export const healthFunction = registerFunction({
  kind: 'http',
  name: 'health',
  route: 'health',
  methods: ['GET'],
  authLevel: httpAuthLevel('reader'),
  handler: healthHandler,
});
