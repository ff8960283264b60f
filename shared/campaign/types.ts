// The vocabulary of the pivot hunt (runbook Phase 4): what a backend found for one pivot, the other
// users it points at with their evidence and verdict, and the campaign that holds them. Pure data.
import type { Pivot } from './pivots';

/** One user a pivot matched, as a backend reported it (sign-ins summarized per user, or one audit record). */
export interface PivotMatch {
  pivot: Pivot;
  userId?: string;
  upn?: string;
  firstSeen?: string;
  lastSeen?: string;
  /** Sign-in pivots: sign-ins seen and how many succeeded (a failed sign-in is not a hit). */
  signIns?: number;
  successes?: number;
  ips: string[];
  apps: string[];
  userAgents: string[];
  asns: string[];
  /** Audit pivots: what was done ("New-InboxRule", "Consent to application"). */
  activity?: string;
}

/** How hunting one pivot went. `shared`: a shared-egress or trusted IP, reported and not hunted. */
export type PivotStatus = 'hunted' | 'truncated' | 'unavailable' | 'not_visible' | 'shared';

export interface PivotRecord {
  pivot: Pivot;
  status: PivotStatus;
  /** The backend and what it read, e.g. "Log Analytics SigninLogs + AADNonInteractiveUserSignInLogs, 7 days". */
  via: string;
  detail?: string;
  matches: number;
  huntedAt: string;
  /** The incident whose hunt ran it. */
  incidentId: string;
}

export type HitVerdict = 'suspicious' | 'not_evidence';

/** Another user of the tenant the campaign's pivots point at. */
export interface CampaignHit {
  /** Object id when known, else UPN; lower-cased. */
  userKey: string;
  userId?: string;
  upn?: string;
  firstSeen?: string;
  lastSeen?: string;
  ips: string[];
  apps: string[];
  userAgents: string[];
  asns: string[];
  /** Which pivots matched ("ip:198.51.100.23"). */
  pivots: string[];
  verdict: HitVerdict;
  /** Most telling first. */
  reasons: string[];
}

export interface CampaignLink {
  incidentId: string;
  userKey: string;
  upn?: string;
  /** origin: its hunt ran for the campaign; victim: created from a hit. */
  role: 'origin' | 'victim';
  state?: string;
  linkedAt: string;
}

export interface Campaign {
  id: string;
  status: 'open';
  createdAt: string;
  updatedAt: string;
  pivots: PivotRecord[];
  hits: CampaignHit[];
  incidents: CampaignLink[];
  /** What the hunting backend cannot see, said once per campaign. */
  notes: string[];
}
