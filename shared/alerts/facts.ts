// What an alert says about the attack, gathered while a parser walks the payload: the affected users,
// and the attacker's IPs, user agents and ASNs. Every list is capped, so a hostile or runaway payload
// costs bounded work and can never fan out into more containments than LIMITS.users.
import { ValidationError } from '../errors';
import type { AlertUser } from './types';
import { cleanText, dedupeUsers, toAsn, toIp } from './values';

export const LIMITS = {
  /** Entities or evidence items read from one list; the rest are ignored. */
  entities: 500,
  /** Nested objects visited inside one entity list (entities reference and contain other entities). */
  entityNodes: 5_000,
  /** How deep inside an entity nested entities are looked for. */
  entityDepth: 6,
  /** Rows read from one search-results table, and tables read. */
  rows: 500,
  tables: 10,
  /** Distinct users one alert may name; more is refused (422), never contained. */
  users: 50,
  ips: 50,
  userAgents: 10,
  asns: 20,
  /** A JSON document embedded in a string field (SecurityAlert `Entities`, `ExtendedProperties`). */
  embeddedJsonChars: 512 * 1024,
  idChars: 256,
  titleChars: 512,
  userAgentChars: 1024,
} as const;

/** Raw user records kept before de-duplication: enough to tell "too many" precisely, bounded all the same. */
const MAX_RAW_USERS = LIMITS.entities * 4;

export class AlertFacts {
  private readonly rawUsers: AlertUser[] = [];
  private readonly ipSet = new Set<string>();
  private readonly userAgentSet = new Set<string>();
  private readonly asnSet = new Set<number>();

  addUser(user: AlertUser | undefined): void {
    if (user === undefined || (user.upn === undefined && user.objectId === undefined)) return;
    if (this.rawUsers.length < MAX_RAW_USERS) this.rawUsers.push(user);
  }

  addIp(value: unknown): void {
    const ip = typeof value === 'string' ? toIp(value.trim()) : undefined;
    if (ip !== undefined && this.ipSet.size < LIMITS.ips) this.ipSet.add(ip);
  }

  addUserAgent(value: unknown): void {
    const agent = typeof value === 'string' ? cleanText(value, LIMITS.userAgentChars) : undefined;
    if (agent !== undefined && this.userAgentSet.size < LIMITS.userAgents) this.userAgentSet.add(agent);
  }

  addAsn(value: unknown): void {
    const asn = toAsn(value);
    if (asn !== undefined && this.asnSet.size < LIMITS.asns) this.asnSet.add(asn);
  }

  get ips(): string[] {
    return [...this.ipSet];
  }

  get userAgents(): string[] {
    return [...this.userAgentSet];
  }

  get asns(): number[] {
    return [...this.asnSet];
  }

  /**
   * The distinct users, or a 422 naming the shape: none found (`missing` says where we looked), or more
   * than LIMITS.users (a runaway alert must not disable half the tenant).
   */
  users(shape: string, noneFound: string, missing: string): AlertUser[] {
    const users = dedupeUsers(this.rawUsers);
    if (users.length === 0) {
      throw new ValidationError(`${shape}: ${noneFound}`, 422, { shape, missing });
    }
    if (users.length > LIMITS.users) {
      throw new ValidationError(
        `${shape}: too many users: ${users.length} (at most ${LIMITS.users} per alert; a runaway alert is refused, not contained)`,
        422,
        { shape, invalid: 'users', count: users.length, limit: LIMITS.users },
      );
    }
    return users;
  }
}

/** Whether an entity or evidence item is marked as the attacker's (Graph `roles`, or a `Roles` list). */
export function hasAttackerRole(roles: unknown): boolean {
  if (!Array.isArray(roles)) return false;
  return roles.slice(0, 50).some((role) => typeof role === 'string' && /^(attacker|commandandcontrol)$/i.test(role.trim()));
}
