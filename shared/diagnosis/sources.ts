// Which Graph permission each source needs, and how a failed read becomes the source's recorded outcome:
// the failing service (Graph, Log Analytics) is named; a 403 is "unavailable: missing permission <name>" and the rest of the pack still lands; throttling and
// service trouble are transient, so the queue retries the whole diagnosis.
import { toError, UpstreamError, ValidationError } from '../errors';
import type { SourceName, SourceOutcome } from './types';

/** The least-privileged application permission each source's reads need (Graph v1.0 docs). */
export const SOURCE_PERMISSIONS: Readonly<Record<SourceName, string>> = {
  signIns: 'AuditLog.Read.All',
  directoryAudits: 'AuditLog.Read.All',
  mailboxAudit: 'AuditLogsQuery-Exchange.Read.All',
  inboxRules: 'MailboxSettings.Read',
  oauthGrants: 'DelegatedPermissionGrant.Read.All',
  appRoleAssignments: 'Directory.Read.All',
  authenticationMethods: 'UserAuthenticationMethod.Read.All',
  devices: 'Device.Read.All',
};

/** Folder names (for rules) and sent messages' recipients (for 5.3) are read from the mailbox itself. */
export const MAIL_READ_PERMISSION = 'Mail.ReadBasic.All';

const NO_LICENSE = /RequestFromNonPremiumTenant|NonPremium/i;
const NO_MAILBOX = /MailboxNotEnabledForRESTAPI|MailboxNotFound|ResourceNotFound|ErrorItemNotFound|ErrorInvalidUser/i;

/** Why a read was refused, in words; undefined when the failure is not a refusal. */
export function refusal(error: unknown, permission: string): string | undefined {
  if (!(error instanceof UpstreamError)) return undefined;
  const graph = `${error.serviceName} ${error.status} ${error.code}`;
  if (error.status === 403 && NO_LICENSE.test(error.code))
    return `unavailable: the tenant lacks the Entra ID P1/P2 license this log needs (${graph})`;
  if (error.status === 403 || error.status === 401) return `unavailable: missing permission ${permission} (${graph})`;
  if (error.status === 404 && NO_MAILBOX.test(error.code)) return `unavailable: no Exchange Online mailbox for this user (${graph})`;
  if (error.status === 404) return `unavailable: not found (${graph})`;
  return undefined;
}

export function failedOutcome(source: SourceName, via: string, error: unknown, permission = SOURCE_PERMISSIONS[source]): SourceOutcome {
  const graph = error instanceof UpstreamError ? error : undefined;
  const refused = refusal(error, permission);
  const base = { via, items: 0, httpStatus: graph?.status, graphCode: graph?.code, requestId: graph?.requestId };
  if (refused !== undefined) return { ...base, status: 'unavailable', detail: refused, transient: false };
  // A local check that failed (ValidationError) fails the same way on every retry.
  const transient = graph ? graph.transient : !(error instanceof ValidationError);
  const message = graph ? `${graph.serviceName} ${graph.status || 'no response'} ${graph.code}` : toError(error).message.slice(0, 200);
  return { ...base, status: 'failed', detail: `failed: ${message}${transient ? ' (transient; the queue retries)' : ''}`, transient };
}
