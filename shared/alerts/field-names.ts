// Column and property names that carry the facts we act on, in the spellings real producers use:
// Log Analytics columns (SigninLogs `UserPrincipalName`, `UserId`, `IPAddress`, `AutonomousSystemNumber`;
// Defender `AccountObjectId`, `AccountUpn`; the `AccountCustomEntity` / `IPCustomEntity` convention of
// older analytics rules; custom-log suffixes such as `_s`), and SecurityAlert ExtendedProperties keys
// ("Client IP Address", "User Agent").
import { normalizeKey } from './json';

export type FactRole = 'user' | 'ip' | 'userAgent' | 'asn';

const ROLES: ReadonlyMap<string, FactRole> = new Map<string, FactRole>([
  ...[
    'userprincipalname',
    'upn',
    'accountupn',
    'accountuserprincipalname',
    'userid',
    'aaduserid',
    'accountobjectid',
    'userobjectid',
    'accountcustomentity',
  ].map((name) => [name, 'user'] as const),
  ...[
    'ipaddress',
    'ipaddresses',
    'clientip',
    'clientipaddress',
    'sourceip',
    'sourceipaddress',
    'srcipaddr',
    'calleripaddress',
    'remoteip',
    'ipcustomentity',
  ].map((name) => [name, 'ip'] as const),
  ...['useragent', 'clientuseragent', 'useragents'].map((name) => [name, 'userAgent'] as const),
  ...['asn', 'autonomoussystemnumber', 'clientasn'].map((name) => [name, 'asn'] as const),
]);

/** What a column or property of this name holds, if it is one we read. */
export function factRole(name: string): FactRole | undefined {
  return ROLES.get(normalizeKey(name.replace(/_[sgdb]$/i, '')));
}
