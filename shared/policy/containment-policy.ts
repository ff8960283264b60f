// Decides, per user and before any Graph write, whether automation may contain: protected
// (break-glass) accounts are never touched, and dry-run mode sends nothing.
import type { AlertUser } from '../alerts/types';

export interface ContainmentPolicy {
  /** Lower-cased UPNs and object ids. */
  protectedAccounts: ReadonlySet<string>;
  mode: 'enforce' | 'dry-run' | 'off';
}

export type ContainmentDecision =
  | { kind: 'contain' }
  | { kind: 'skip_protected'; reason: string }
  | { kind: 'dry_run'; reason: string }
  | { kind: 'hold'; reason: string };

export function isProtected(user: AlertUser, protectedAccounts: ReadonlySet<string>): boolean {
  return [user.upn, user.objectId].some((id) => id !== undefined && protectedAccounts.has(id.toLowerCase()));
}

export function decideContainment(user: AlertUser, policy: ContainmentPolicy): ContainmentDecision {
  if (isProtected(user, policy.protectedAccounts)) {
    return { kind: 'skip_protected', reason: 'protected account (PROTECTED_ACCOUNTS): never revoked or disabled by automation' };
  }
  if (policy.mode === 'off') {
    return { kind: 'hold', reason: 'CONTAINMENT_MODE=off: recorded and held for a human; nothing sent' };
  }
  if (policy.mode === 'dry-run') {
    return { kind: 'dry_run', reason: 'CONTAINMENT_MODE=dry-run: the Graph requests were recorded, not sent' };
  }
  return { kind: 'contain' };
}
