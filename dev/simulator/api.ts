// The tenant simulator's public API, apart from its server so that the control routes (which act on it)
// and the server (which implements it) both depend on these types and not on each other.
import type { FaultRule } from './faults';
import type { SimulatedIdentity } from './identity';
import type { ScenarioUser } from './scenario';
import type { NewGroup, NewUser, SimGroup, SimulatedTenant, SimUser } from './tenant';
import type { WriteLimits } from './throttling';

export interface SimulatorOptions {
  /** Port to listen on; default 0 picks a free one. */
  port?: number;
  /** Listen address; default 127.0.0.1. Only loopback addresses are accepted. */
  host?: string;
  /** Delay before answering each Graph call; default 0. */
  latencyMs?: number;
  /**
   * Tenant clock: the scenario is seeded relative to it, and tenant state changes (revocation,
   * password reset) are stamped with it. Request-log times use the wall clock. Default `() => new Date()`.
   */
  now?: () => Date;
  /**
   * Seed the phishing wave around the scenario's attacker (campaign.ts: other victims, a failed sign-in,
   * a shared egress IP) for the pivot hunt; `{victims: N}` adds N more victims who signed in from the
   * attacker's IP (seedCampaign). Default false; the local stack turns it on.
   */
  campaign?: boolean | { victims: number };
  /**
   * Graph's identity and access write quota (throttling.ts): the published limits by default, either
   * limit replaced (scaled down for tests, or null for none), or false for no throttling at all.
   */
  throttling?: Partial<WriteLimits> | false;
  /** The throttle's clock in milliseconds (monotonic); default performance.now. Injected for tests. */
  throttleClock?: () => number;
}

export interface TenantSimulator {
  /** e.g. "http://127.0.0.1:41234" (no trailing slash, no /v1.0). */
  readonly baseUrl: string;
  /** Live in-memory state. */
  readonly tenant: SimulatedTenant;
  /**
   * The Log Analytics stand-in's query endpoint, e.g. "https://127.0.0.1:41235/v1": HTTPS, because the
   * SDK refuses plain http, with a self-signed certificate made at start.
   */
  readonly logAnalyticsUrl: string;
  /** PEM file of that certificate, for LOG_ANALYTICS_CA_FILE (and TELEMETRY_CA_FILE). */
  readonly logAnalyticsCaFile: string;
  /**
   * The Application Insights ingestion stand-in, for a connection string's IngestionEndpoint: the HTTPS
   * side (the exporter refuses plain http), which takes POST /v2.1/track (gzip or not).
   */
  readonly ingestionEndpoint: string;
  /** Every telemetry envelope received at /v2.1/track, in arrival order. */
  readonly telemetry: readonly TelemetryEnvelope[];
  /** The tenant's token issuer (Entra ID stand-in); its authority is baseUrl. */
  readonly identity: SimulatedIdentity;
  /** Every Graph request (not /_sim control calls, not token-issuer calls), in arrival order. */
  readonly requestLog: readonly RequestLogEntry[];
  setLatency(ms: number): void;
  /** The first matching rule with remaining `times` applies. */
  addFault(rule: FaultRule): void;
  clearFaults(): void;
  clearRequestLog(): void;
  /** id is generated (a GUID) if absent; accountEnabled defaults to true. */
  addUser(user: NewUser): SimUser;
  /** id is generated if absent; members are user ids or UPNs, or group ids; an unknown one throws TypeError. */
  addGroup(group: NewGroup): SimGroup;
  /** Replaces the write limits (missing ones take the published figures) and refills every bucket. */
  setWriteLimits(limits: Partial<WriteLimits>): void;
  /** The write limits in force and the tokens left. */
  describeThrottling(): object;
  /**
   * Adds `victims` more campaign victims (each with a normal sign-in days ago and a successful one from
   * the scenario attacker's IP in the attacker window), so the pivot hunt of the scenario's incident finds
   * them all; returns them. Callable again: later calls add new people.
   */
  seedCampaign(victims: number): ScenarioUser[];
  /** Closes the server and any hanging sockets promptly. */
  stop(): Promise<void>;
}

/** An Application Insights envelope as the exporter sends it (Breeze schema), for tests to read. */
export interface TelemetryEnvelope {
  name: string;
  time: string;
  iKey?: string;
  tags?: Record<string, string>;
  data?: { baseType?: string; baseData?: Record<string, unknown> };
}

export interface RequestLogEntry {
  method: string;
  /** URL-decoded pathname, e.g. /v1.0/users/x/revokeSignInSessions. */
  path: string;
  /** Raw search string without '?'. */
  query: string;
  /** 0 while in flight, and for good if the request hung or the client gave up before an answer. */
  status: number;
  requestId: string;
  receivedAt: string;
  /** '' while in flight. */
  finishedAt: string;
  /** Parsed JSON body, with password values redacted. */
  body?: unknown;
  /** Whether an Authorization header was present; its value is never kept. */
  authorization: boolean;
  /** For an item of a JSON batch: the batch's request-id and the item's id (the batch itself is logged too, as POST /v1.0/$batch). */
  batch?: { requestId: string; id: string };
}
