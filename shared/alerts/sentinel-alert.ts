// A Microsoft Sentinel alert in the SecurityAlert schema: a SecurityAlert table row (AlertName,
// AlertSeverity, VendorOriginalId, StartTime, and `Entities` / `ExtendedProperties` as JSON strings), or
// the body of the Logic Apps "Microsoft Sentinel alert" trigger (AlertDisplayName, Severity,
// ProviderAlertId, StartTimeUtc, `Entities` as an array). Field names are matched case-insensitively.
// Key: an alert ingested from a Microsoft security product (Defender XDR and its services, Entra ID
// Protection, Defender for Cloud) is keyed by the id the originating product gave it (VendorOriginalId,
// else ProviderAlertId), which is the Graph security alert's `providerAlertId`, so the Sentinel and
// Defender copies of one alert meet. Alerts of Sentinel's own analytics rules are keyed by SystemAlertId.
import { acknowledgeClosed, type ParsedAlert } from './acknowledged';
import { AlertFacts, LIMITS } from './facts';
import { factRole } from './field-names';
import { embeddedJson, field, fieldAny, fieldCI, isObject, text } from './json';
import { invalidField, optionalId, requiredId, requiredSeverity, titleText } from './refusals';
import { alertRaised } from './raised';
import { readSentinelEntities } from './sentinel-entities';
import { cleanText, toIsoTime } from './values';

const SHAPE = 'Sentinel alert';

/** The alert itself: the body, or `properties` of a REST SecurityAlert entity (`kind: "SecurityAlert"`). */
function alertRecord(body: unknown): unknown {
  const properties = field(body, 'properties');
  if (text(field(body, 'kind'))?.toLowerCase() === 'securityalert' && isObject(properties)) return properties;
  return body;
}

export function isSentinelAlert(body: unknown): boolean {
  const alert = alertRecord(body);
  if (text(fieldCI(alert, 'SystemAlertId')) !== undefined) return true;
  return (
    text(fieldCI(alert, 'Type'))?.toLowerCase() === 'securityalert' &&
    fieldAny(alert, 'AlertName', 'DisplayName', 'AlertDisplayName') !== undefined
  );
}

/** IPs, user agents and ASNs from ExtendedProperties, including the rule's "Custom Details". */
function readExtendedProperties(value: unknown, facts: AlertFacts, depth = 0): void {
  const parsed = embeddedJson(value, LIMITS.embeddedJsonChars);
  if (!parsed.ok || !isObject(parsed.value)) return;
  const properties = parsed.value;
  for (const key of Object.keys(properties).slice(0, 200)) {
    const item = properties[key];
    if (depth === 0 && /^custom ?details$/i.test(key)) {
      readExtendedProperties(item, facts, depth + 1);
      continue;
    }
    const role = factRole(key);
    if (role === undefined || role === 'user') continue;
    for (const one of Array.isArray(item) ? item.slice(0, 20) : [item]) {
      if (role === 'ip') {
        for (const part of typeof one === 'string' ? one.split(/[,;\s]+/, 20) : []) facts.addIp(part);
      } else if (role === 'userAgent') {
        facts.addUserAgent(one);
      } else {
        facts.addAsn(one);
      }
    }
  }
}

export function parseSentinelAlert(body: unknown, raw: string): ParsedAlert {
  const alert = alertRecord(body);
  // SecurityAlert Status: New, InProgress, Resolved, Dismissed; the last two close the alert.
  const closed = acknowledgeClosed(SHAPE, fieldCI(alert, 'Status'), 'Status', ['resolved', 'dismissed', 'closed']);
  if (closed !== undefined) return closed;
  const systemAlertId = requiredId(SHAPE, fieldCI(alert, 'SystemAlertId'), 'SystemAlertId', 'alert id');
  const severity = requiredSeverity(SHAPE, fieldAny(alert, 'Severity', 'AlertSeverity'), 'Severity (or AlertSeverity)');

  const entities = embeddedJson(fieldCI(alert, 'Entities'), LIMITS.embeddedJsonChars);
  if (!entities.ok) {
    throw invalidField(
      SHAPE,
      'Entities',
      entities.reason === 'too_large'
        ? `Entities is longer than ${LIMITS.embeddedJsonChars} characters`
        : 'Entities is a string but not valid JSON',
    );
  }
  const facts = new AlertFacts();
  readSentinelEntities(Array.isArray(entities.value) ? entities.value : [], facts);
  readExtendedProperties(fieldCI(alert, 'ExtendedProperties'), facts);
  const users = facts.users(
    SHAPE,
    'no Account entity with a UPN or object id',
    'Entities[Type=account] (Name+UPNSuffix, UserPrincipalName or AadUserId)',
  );

  const product = text(fieldCI(alert, 'ProductName'));
  const component = text(fieldCI(alert, 'ProductComponentName'));
  const provider = text(fieldCI(alert, 'ProviderName'));
  const vendor = text(fieldCI(alert, 'VendorName'));
  const vendorAlertId = optionalId(fieldAny(alert, 'VendorOriginalId', 'ProviderAlertId'));
  const fromSentinelRule = /sentinel/i.test(product ?? '') || /scheduled alerts|nrt alerts/i.test(`${component ?? ''} ${provider ?? ''}`);
  const fromMicrosoftProduct = vendor === undefined || /^microsoft$/i.test(vendor);
  const defenderCopy = vendorAlertId !== undefined && !fromSentinelRule && fromMicrosoftProduct;

  const firstActivityAt = toIsoTime(text(fieldAny(alert, 'StartTimeUtc', 'StartTime')));
  return {
    source: 'sentinel-alert',
    alertKey: defenderCopy ? `defender-alert:${vendorAlertId.toLowerCase()}` : `sentinel-alert:${systemAlertId.toLowerCase()}`,
    alertId: systemAlertId,
    severity,
    title: titleText(fieldAny(alert, 'AlertDisplayName', 'AlertName', 'DisplayName')) ?? 'Sentinel alert',
    detection: cleanText([product, component ?? provider].filter((part) => part !== undefined).join(' / '), 200),
    firstActivityAt,
    lastActivityAt: toIsoTime(text(fieldAny(alert, 'EndTimeUtc', 'EndTime'))),
    users,
    ips: facts.ips,
    userAgents: facts.userAgents,
    asns: facts.asns,
    raw,
    ...alertRaised('SecurityAlert TimeGenerated', fieldAny(alert, 'TimeGenerated'), firstActivityAt),
  };
}
