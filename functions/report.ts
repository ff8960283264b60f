// GET /api/incidents/{id}/report: the post-incident report (runbook Phase 6) as Markdown, safe to paste
// into a ticket; `?format=json` serves the same model as data (the console renders either). Reader role.
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { httpAuthLevel } from '../shared/config';
import { NotFoundError, toHttpResponse, ValidationError } from '../shared/errors';
import { incidentReport } from '../shared/report/incident-report';
import { renderMarkdown } from '../shared/report/markdown';
import { getServices } from '../shared/services';
import { ULID } from './incidents';
import { registerFunction } from './registry';

export async function incidentReportHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const { store, findings, campaigns, callers, config } = getServices();
    await callers.authenticate(request, 'reader');
    const id = request.params.id ?? '';
    if (!ULID.test(id)) throw new NotFoundError(`no incident "${id.slice(0, 64)}"`);
    const format = request.query.get('format') ?? 'markdown';
    if (format !== 'markdown' && format !== 'json') throw new ValidationError('"format" must be markdown or json', 400);
    const report = await incidentReport({ store, findings, campaigns, hostingAsns: config.hostingAsns }, id);
    if (format === 'json') return { jsonBody: report, headers: { 'cache-control': 'no-store' } };
    return {
      body: renderMarkdown(report),
      headers: { 'content-type': 'text/markdown; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' },
    };
  } catch (error) {
    return toHttpResponse(error, context.invocationId);
  }
}

export const incidentReportFunction = registerFunction({
  kind: 'http',
  name: 'incidentReport',
  route: 'incidents/{id}/report',
  methods: ['GET'],
  authLevel: httpAuthLevel('reader'),
  handler: incidentReportHandler,
});
