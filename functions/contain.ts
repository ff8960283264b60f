// POST /api/contain — runbook Phase 1. Takes a Sentinel or manual alert, revokes the user's sessions and
// disables the account (in parallel), records T0, queues diagnosis and the pivot hunt.
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { isAcknowledgement } from '../shared/alerts/acknowledged';
import { decodeAlertBody, parseAlert } from '../shared/alerts/parse-alert';
import { describeUser } from '../shared/alerts/types';
import { httpAuthLevel } from '../shared/config';
import { AuthError, toHttpResponse, ValidationError } from '../shared/errors';
import { containResponse } from '../shared/http/contain-response';
import { readLimitedBody, requireJsonContentType } from '../shared/http/request-body';
import { containAlert } from '../shared/runbook/contain';
import { getServices } from '../shared/services';
import { registerFunction } from './registry';

export async function containHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const started = performance.now();
  try {
    const { config, contain, callers, metrics } = getServices();
    const caller = await callers.authenticate(request, 'alert-source');
    requireJsonContentType(request);
    const alert = parseAlert(decodeAlertBody(await readLimitedBody(request, config.maxAlertBytes), config.maxAlertBytes));
    if (isAcknowledgement(alert)) {
      context.info(JSON.stringify({ event: 'alert_acknowledged', shape: alert.shape, reason: alert.reason }));
      return { status: 200, jsonBody: { acknowledged: true, shape: alert.shape, reason: alert.reason, incidents: [] } };
    }
    const parseMs = Math.round(performance.now() - started);
    const results = await containAlert(
      alert,
      contain,
      { invocationId: context.invocationId, caller: caller.id },
      { answerBeforeMark: true },
    );
    const totalMs = Math.round(performance.now() - started);
    for (const result of results) {
      // Once per incident: a replay or a linked alert is not another containment.
      if (result.ok && !result.replayed && result.linked !== true) metrics.contained(result.incident);
      const state = result.ok ? result.incident.state : 'error';
      // A protected account named by an alert, containment that did not complete, or identifiers that
      // name two people (or one nobody) is worth a look.
      const identity = result.ok ? result.identityNote : undefined;
      const warn = identity !== undefined || ['skipped_protected', 'failed', 'partially_contained', 'error'].includes(state);
      const log = warn ? context.warn.bind(context) : context.info.bind(context);
      log(
        JSON.stringify({
          event: 'containment',
          incidentId: result.ok ? result.incident.id : undefined,
          user: result.ok ? describeUser(result.incident.user) : describeUser(result.user),
          state,
          replayed: result.ok ? result.replayed : undefined,
          linked: result.ok ? result.linked : undefined,
          identity,
          error: result.ok ? undefined : result.error.message,
          alertKey: alert.alertKey,
          latencyMs: { parse: parseMs, ...result.timings, total: totalMs },
        }),
      );
      // After the answer the invocation is over: the host's console, as for checks outside any invocation.
      if (result.ok && result.afterAnswer !== undefined) {
        const incidentId = result.incident.id;
        void result.afterAnswer.then((failed) => {
          if (failed) console.warn(JSON.stringify({ event: 'follow_ups_mark_failed', incidentId, error: failed.message }));
        });
      }
    }
    return containResponse(alert, results);
  } catch (error) {
    if (error instanceof ValidationError || error instanceof AuthError) {
      context.warn(JSON.stringify({ event: 'alert_refused', status: error.status, reason: error.message }));
    } else {
      context.error(JSON.stringify({ event: 'contain_failed', error: error instanceof Error ? error.message : 'unknown' }));
    }
    return toHttpResponse(error, context.invocationId);
  }
}

export const containFunction = registerFunction({
  kind: 'http',
  name: 'contain',
  route: 'contain',
  methods: ['POST'],
  authLevel: httpAuthLevel('alert-source'),
  handler: containHandler,
});
