// Where an alert lives in its source (a Sentinel incident, a Defender XDR incident or alert), read from the
// payload so the app can write back to it. Every id becomes part of a URL the app writes to, so each is
// held to the exact shape the service uses and dropped, never repaired, when it does not fit.
import { field, fieldCI, isObject, text } from './json';

const GUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
/** ARM: resource group names are 1-90 of letters, digits, ._-() (not ending in a dot); workspace names 4-63 of letters, digits, hyphens. */
const SENTINEL_INCIDENT = new RegExp(
  `^/subscriptions/${GUID}/resourceGroups/[-\\w.()]{0,89}[-\\w()]/providers/Microsoft\\.OperationalInsights/workspaces/[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]/providers/Microsoft\\.SecurityInsights/incidents/[A-Za-z0-9][A-Za-z0-9_-]{0,127}$`,
  'i',
);
/** Defender XDR incident ids are numbers; alert ids are letters, digits, "_" and "-" (da638..., fa..., ar...). */
const DEFENDER_INCIDENT = /^\d{1,20}$/;
const DEFENDER_ALERT = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export function sentinelIncidentId(value: string | undefined): string | undefined {
  return value !== undefined && SENTINEL_INCIDENT.test(value) ? value : undefined;
}

export function defenderIncidentOrigin(value: string | undefined): string | undefined {
  return value !== undefined && DEFENDER_INCIDENT.test(value) ? value : undefined;
}

export function defenderAlertOrigin(value: string | undefined): string | undefined {
  return value !== undefined && DEFENDER_ALERT.test(value) ? value : undefined;
}

/**
 * The incident's ARM id: the resource's own `id`, else built from the Logic Apps trigger's `workspaceInfo`
 * (SubscriptionId, ResourceGroupName, WorkspaceName) and the incident name.
 */
export function sentinelIncidentResourceId(body: unknown, incident: unknown, name: string): string | undefined {
  const own = sentinelIncidentId(text(fieldCI(incident, 'id')));
  if (own !== undefined) return own;
  const info = field(body, 'workspaceInfo');
  if (!isObject(info)) return undefined;
  const [subscription, group, workspace] = ['SubscriptionId', 'ResourceGroupName', 'WorkspaceName'].map((key) => text(fieldCI(info, key)));
  if (subscription === undefined || group === undefined || workspace === undefined) return undefined;
  return sentinelIncidentId(
    `/subscriptions/${subscription}/resourceGroups/${group}/providers/Microsoft.OperationalInsights/workspaces/${workspace}/providers/Microsoft.SecurityInsights/Incidents/${name}`,
  );
}
