// Maps containment results to the webhook's response. 200 when every user's outcome is settled (even a
// permanent Graph failure: retrying cannot help, and the record says what failed). 503 with Retry-After
// when any user's outcome could change on retry (throttling, Graph or storage trouble, another delivery
// still working): redelivery then re-runs only what failed, so a retry helps and never repeats a write.
import type { HttpResponseInit } from '@azure/functions';
import type { NormalizedAlert } from '../alerts/types';
import { describeUser } from '../alerts/types';
import { BusyError, ConflictError, StorageError, UpstreamError } from '../errors';
import type { Incident } from '../runbook/incident';
import type { UserContainmentResult } from '../runbook/contain';

export const RETRY_AFTER_SECONDS = 5;

export function incidentView(incident: Incident) {
  return {
    id: incident.id,
    state: incident.state,
    user: incident.user,
    alertKey: incident.alertKey,
    alertId: incident.alertId,
    source: incident.source,
    severity: incident.severity,
    title: incident.title,
    mode: incident.mode,
    reason: incident.reason,
    hold: incident.hold,
    linkedTo: incident.linkedTo,
    alertUser: incident.alertUser,
    resolvedAt: incident.resolvedAt,
    createdAt: incident.createdAt,
    updatedAt: incident.updatedAt,
    t0: incident.t0,
    actions: incident.actions,
    followUpsQueuedAt: incident.followUpsQueuedAt,
    requiresOnPremDisable: incident.requiresOnPremDisable,
    directoryRoles: incident.directoryRoles,
    safety: incident.safety,
  };
}

/**
 * What the caller is told about a user whose containment did not settle. Storage and unexpected errors
 * carry SDK text (hosts, ports, request ids of our storage account): that goes to the log line, the
 * caller gets a plain sentence. Graph's (or Log Analytics') own message and our busy/conflict messages
 * are for the caller.
 */
export function publicErrorMessage(error: Error): string {
  if (error instanceof UpstreamError || error instanceof BusyError || error instanceof ConflictError) return error.message;
  if (error instanceof StorageError) return 'incident store unavailable; retry';
  return 'internal error';
}

export function containResponse(alert: NormalizedAlert, results: readonly UserContainmentResult[]): HttpResponseInit {
  const retryable = results.some((result) => result.retryable);
  const incidents = results.flatMap((result) =>
    result.ok
      ? [
          {
            ...incidentView(result.incident),
            replayed: result.replayed,
            ...(result.linked ? { linked: true } : {}),
            link: `/api/incidents/${result.incident.id}`,
          },
        ]
      : [],
  );
  const errors = results.flatMap((result) =>
    result.ok
      ? []
      : [
          {
            user: describeUser(result.user),
            code: result.error instanceof BusyError ? 'in_progress' : 'containment_error',
            message: publicErrorMessage(result.error),
            retryable: result.retryable,
          },
        ],
  );
  return {
    status: retryable ? 503 : 200,
    headers: retryable ? { 'Retry-After': String(RETRY_AFTER_SECONDS) } : undefined,
    jsonBody: {
      alert: { source: alert.source, alertKey: alert.alertKey, alertId: alert.alertId, severity: alert.severity, title: alert.title },
      incidents,
      ...(errors.length > 0 ? { errors } : {}),
    },
  };
}
