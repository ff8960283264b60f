// The evidence sources of runbook 2.1-2.5 over Microsoft Graph v1.0 (the EvidenceReader port): one
// read per source, normalized by shared/diagnosis/normalize. Sign-ins and directory audits go through
// the reports rate limiter; every Graph failure throws our UpstreamError (a user without any key, a local
// check, is a ValidationError).
//
// Devices: app-only callers cannot list /users/{id}/registeredDevices or /ownedDevices, so devices
// registered in the window are found through the directory audit ("Register device", "Add registered
// owner to device", which name the device) and read by id from /devices/{id} (Device.Read.All).
import type { Client } from '@microsoft/microsoft-graph-client';
import { UpstreamError, ValidationError } from '../../errors';
import { field, isObject, list, text } from '../../alerts/json';
import {
  appRoleAssignmentFromGraph,
  authenticationMethodFromGraph,
  deviceFromGraph,
  directoryAuditFromGraph,
  grantFromGraph,
  inboxRuleFromGraph,
  mailboxAuditFromGraph,
  normalizeAll,
  sentMessageFromGraph,
  signInFromGraph,
} from '../../diagnosis/normalize';
import type { RateLimiter } from '../../diagnosis/rate-limiter';
import { refusal } from '../../diagnosis/sources';
import type { HuntingSignIns } from '../../hunting/sign-in-logs';
import type {
  AppRoleAssignmentEvidence,
  AuthenticationMethodEvidence,
  DeviceEvidence,
  DiagnosedUser,
  DirectoryAuditEvidence,
  GrantEvidence,
  InboxRuleEvidence,
  MailboxAuditEvidence,
  SentMessageEvidence,
  SignInEvidence,
} from '../../diagnosis/types';
import type { EvidenceReader, Gathered, MailboxAuditQuery } from '../../runbook/ports';
import { graphError, graphErrorFromException } from '../errors';
import { listAll } from '../paging';

export interface EvidenceLimits {
  /** Sign-ins read per diagnosis (1,000 a page); past it the source says truncated. */
  maxSignIns: number;
  maxDirectoryAudits: number;
  maxAuditRecords: number;
  /** Items read from the user's own small collections (rules, grants, methods). */
  maxItems: number;
}

export const DEFAULT_EVIDENCE_LIMITS: EvidenceLimits = {
  maxSignIns: 20_000,
  maxDirectoryAudits: 5_000,
  maxAuditRecords: 20_000,
  maxItems: 1_000,
};

/** The Exchange operations runbook 2.2 names, plus the other ways an inbox rule is made or changed. */
export const MAILBOX_AUDIT_OPERATIONS = [
  'MailItemsAccessed',
  'Send',
  'New-InboxRule',
  'Set-InboxRule',
  'UpdateInboxRules',
  'Remove-InboxRule',
] as const;
/** Exchange record types only: what AuditLogsQuery-Exchange.Read.All may read. */
export const MAILBOX_AUDIT_RECORD_TYPES = ['exchangeAdmin', 'exchangeItem', 'exchangeItemAggregated'] as const;

/** An OData string literal: single quotes doubled. */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Graph filters take whole-second UTC times. */
function odataTime(iso: string): string {
  return `${iso.slice(0, 19)}Z`;
}

function segment(user: DiagnosedUser): string {
  const key = user.id ?? user.upn;
  if (key === undefined) throw new ValidationError('the user has neither an object id nor a UPN', 422, { field: 'user' });
  return encodeURIComponent(key);
}

export class GraphEvidenceReader implements EvidenceReader {
  constructor(
    private readonly client: Client,
    private readonly baseUrl: string,
    private readonly reportsLimiter: RateLimiter,
    private readonly limits: EvidenceLimits = DEFAULT_EVIDENCE_LIMITS,
    /** HUNT_BACKEND=log-analytics: sign-ins from Sentinel, with user agent and ASN; =defender: from advanced hunting, with user agent. */
    private readonly signInLogs?: HuntingSignIns,
  ) {}

  private async get(path: string): Promise<unknown> {
    try {
      return (await this.client.api(path).get()) as unknown;
    } catch (error) {
      throw graphErrorFromException(error);
    }
  }

  private async collect<T>(
    path: string,
    normalize: (value: unknown) => T | undefined,
    via: string,
    maxItems = this.limits.maxItems,
    reports = false,
  ): Promise<Gathered<T>> {
    const page = await listAll(this.client, this.baseUrl, path, {
      maxItems,
      beforePage: reports ? () => this.reportsLimiter.acquire() : undefined,
    });
    return { items: normalizeAll(page.items, normalize), truncated: page.truncated, via };
  }

  async user(userKey: string): Promise<DiagnosedUser> {
    const body = await this.get(`/users/${encodeURIComponent(userKey)}?$select=id,userPrincipalName,displayName`);
    return {
      id: text(field(body, 'id'))?.toLowerCase(),
      upn: text(field(body, 'userPrincipalName'))?.toLowerCase(),
      displayName: text(field(body, 'displayName'))?.slice(0, 256),
    };
  }

  /**
   * From the hunting backend when one is configured (Log Analytics, Defender advanced hunting); when it
   * refuses us (no Log Analytics Reader or ThreatHunting.Read.All, no such workspace), from Graph instead,
   * and the outcome says so. A transient hunting failure throws.
   */
  async signIns(user: DiagnosedUser, since: string): Promise<Gathered<SignInEvidence>> {
    if (this.signInLogs) {
      try {
        return await this.signInLogs.signIns(user, since);
      } catch (error) {
        const refused = refusal(error, this.signInLogs.permission);
        if (refused === undefined) throw error;
        const graph = await this.graphSignIns(user, since);
        return {
          ...graph,
          notes: [`${this.signInLogs.name} ${refused}: read from Graph instead (interactive sign-ins only, no user agent or ASN)`],
        };
      }
    }
    return this.graphSignIns(user, since);
  }

  private graphSignIns(user: DiagnosedUser, since: string): Promise<Gathered<SignInEvidence>> {
    const who = user.id !== undefined ? `userId eq ${odataString(user.id)}` : `userPrincipalName eq ${odataString(user.upn ?? '')}`;
    const filter = `${who} and createdDateTime ge ${odataTime(since)}`;
    return this.collect(
      `/auditLogs/signIns?$filter=${encodeURIComponent(filter)}`,
      signInFromGraph,
      'Graph v1.0 GET /auditLogs/signIns (interactive sign-ins; no user agent or ASN)',
      this.limits.maxSignIns,
      true,
    );
  }

  /**
   * What the user did (initiatedBy) and what was done to them (targetResources), each filtered
   * server-side (Graph has no `or` on this collection), merged by id.
   */
  async directoryAudits(user: DiagnosedUser, since: string): Promise<Gathered<DirectoryAuditEvidence>> {
    const time = `activityDateTime ge ${odataTime(since)}`;
    const filters =
      user.id !== undefined
        ? [
            `${time} and initiatedBy/user/id eq ${odataString(user.id)}`,
            `${time} and targetResources/any(t:t/id eq ${odataString(user.id)})`,
          ]
        : [`${time} and initiatedBy/user/userPrincipalName eq ${odataString(user.upn ?? '')}`];
    const via = 'Graph v1.0 GET /auditLogs/directoryAudits (initiated by or targeting the user)';
    const reads = await Promise.all(
      filters.map((filter) =>
        this.collect(
          `/auditLogs/directoryAudits?$filter=${encodeURIComponent(filter)}`,
          directoryAuditFromGraph,
          via,
          this.limits.maxDirectoryAudits,
          true,
        ),
      ),
    );
    const byId = new Map(reads.flatMap((read) => read.items).map((audit) => [audit.id, audit] as const));
    return { items: [...byId.values()], truncated: reads.some((read) => read.truncated), via };
  }

  async startMailboxAuditQuery(user: DiagnosedUser, since: string, until: string, label: string): Promise<MailboxAuditQuery> {
    let body: unknown;
    try {
      body = (await this.client.api('/security/auditLog/queries').post({
        '@odata.type': '#microsoft.graph.security.auditLogQuery',
        displayName: label.slice(0, 200),
        filterStartDateTime: odataTime(since),
        filterEndDateTime: odataTime(until),
        recordTypeFilters: MAILBOX_AUDIT_RECORD_TYPES,
        operationFilters: MAILBOX_AUDIT_OPERATIONS,
        userPrincipalNameFilters: [user.upn],
      })) as unknown;
    } catch (error) {
      throw graphErrorFromException(error);
    }
    return auditQueryFrom(body);
  }

  async mailboxAuditQuery(id: string): Promise<MailboxAuditQuery> {
    return auditQueryFrom(await this.get(`/security/auditLog/queries/${encodeURIComponent(id)}`));
  }

  mailboxAuditRecords(id: string): Promise<Gathered<MailboxAuditEvidence>> {
    return this.collect(
      `/security/auditLog/queries/${encodeURIComponent(id)}/records`,
      mailboxAuditFromGraph,
      'Graph v1.0 Purview audit log query (security/auditLog/queries)',
      this.limits.maxAuditRecords,
    );
  }

  inboxRules(user: DiagnosedUser): Promise<Gathered<InboxRuleEvidence>> {
    return this.collect(
      `/users/${segment(user)}/mailFolders/inbox/messageRules`,
      inboxRuleFromGraph,
      'Graph v1.0 GET /users/{id}/mailFolders/inbox/messageRules',
    );
  }

  /** One GET per folder, in parallel; a folder that is gone (404) is left out, a refusal throws. */
  async folderNames(user: DiagnosedUser, folderIds: readonly string[]): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    await Promise.all(
      folderIds.map(async (id) => {
        try {
          const name = text(
            field(await this.get(`/users/${segment(user)}/mailFolders/${encodeURIComponent(id)}?$select=displayName`), 'displayName'),
          );
          if (name !== undefined) names.set(id, name.slice(0, 256));
        } catch (error) {
          if (!(error instanceof UpstreamError && error.status === 404)) throw error;
        }
      }),
    );
    return names;
  }

  async sentMessages(user: DiagnosedUser, internetMessageIds: readonly string[]): Promise<Map<string, SentMessageEvidence>> {
    const found = new Map<string, SentMessageEvidence>();
    await Promise.all(
      internetMessageIds.map(async (internetMessageId) => {
        const filter = `internetMessageId eq ${odataString(internetMessageId)}`;
        const body = await this.get(
          `/users/${segment(user)}/messages?$filter=${encodeURIComponent(filter)}&$select=subject,toRecipients,ccRecipients,bccRecipients,sentDateTime&$top=1`,
        );
        found.set(internetMessageId, sentMessageFromGraph(internetMessageId, list(field(body, 'value'))[0]));
      }),
    );
    return found;
  }

  oauthGrants(user: DiagnosedUser): Promise<Gathered<GrantEvidence>> {
    return this.collect(
      `/users/${segment(user)}/oauth2PermissionGrants`,
      grantFromGraph,
      'Graph v1.0 GET /users/{id}/oauth2PermissionGrants',
    );
  }

  appRoleAssignments(user: DiagnosedUser): Promise<Gathered<AppRoleAssignmentEvidence>> {
    return this.collect(
      `/users/${segment(user)}/appRoleAssignments`,
      appRoleAssignmentFromGraph,
      'Graph v1.0 GET /users/{id}/appRoleAssignments',
    );
  }

  authenticationMethods(user: DiagnosedUser): Promise<Gathered<AuthenticationMethodEvidence>> {
    return this.collect(
      `/users/${segment(user)}/authentication/methods`,
      authenticationMethodFromGraph,
      'Graph v1.0 GET /users/{id}/authentication/methods',
    );
  }

  async devices(ids: readonly string[]): Promise<DeviceEvidence[]> {
    const select =
      'id,deviceId,displayName,operatingSystem,operatingSystemVersion,registrationDateTime,trustType,isCompliant,isManaged,accountEnabled';
    return Promise.all(
      ids.map(async (id): Promise<DeviceEvidence> => {
        try {
          return (
            deviceFromGraph(await this.get(`/devices/${encodeURIComponent(id)}?$select=${select}`)) ?? { id, missing: true, raw: null }
          );
        } catch (error) {
          if (error instanceof UpstreamError && error.status === 404) return { id, missing: true, raw: null };
          throw error;
        }
      }),
    );
  }
}

function auditQueryFrom(body: unknown): MailboxAuditQuery {
  const id = text(field(body, 'id'));
  if (!isObject(body) || id === undefined) throw graphError('the audit log query answer has no id', 502, 'unexpected_answer');
  return { id, status: text(field(body, 'status')) ?? 'unknown', truncated: field(body, 'isRecordCountLimitExceeded') === true };
}
