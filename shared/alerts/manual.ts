// The minimal manual shape an analyst can type into curl:
// {"user": "<upn or object id>", "alertId": "...", "severity": "High", "sourceIp": "...", "userAgent": "..."}
import { ValidationError } from '../errors';
import { field, text } from './json';
import type { NormalizedAlert } from './types';
import { LIMITS } from './facts';
import { titleText } from './refusals';
import { cleanText, toIp, toSeverity, userFromIdentifier } from './values';

const SHAPE = 'manual alert';

export function isManualAlert(body: unknown): boolean {
  return field(body, 'user') !== undefined || field(body, 'alertId') !== undefined;
}

export function parseManualAlert(body: unknown, raw: string): NormalizedAlert {
  const userText = text(field(body, 'user'));
  if (userText === undefined) {
    throw new ValidationError(`${SHAPE}: missing "user" (a UPN or Entra object id)`, 422, { shape: SHAPE, missing: 'user' });
  }
  const user = userFromIdentifier(userText);
  if (user === undefined) {
    throw new ValidationError(`${SHAPE}: "user" is neither a UPN nor an Entra object id`, 422, { shape: SHAPE, invalid: 'user' });
  }
  const alertId = cleanText(text(field(body, 'alertId')), LIMITS.idChars + 1);
  if (alertId === undefined || alertId.length > LIMITS.idChars) {
    throw new ValidationError(`${SHAPE}: missing "alertId" (needed so a redelivery is recognised)`, 422, {
      shape: SHAPE,
      missing: 'alertId',
    });
  }
  const severityText = text(field(body, 'severity'));
  // An analyst replaying by hand has already judged the alert; absent severity means they want action.
  const severity = severityText === undefined ? 'high' : toSeverity(severityText);
  if (severity === undefined) {
    throw new ValidationError(`${SHAPE}: unknown "severity" (use Informational, Low, Medium or High)`, 422, {
      shape: SHAPE,
      invalid: 'severity',
    });
  }
  const sourceIp = text(field(body, 'sourceIp'));
  const ip = toIp(sourceIp);
  if (sourceIp !== undefined && ip === undefined) {
    throw new ValidationError(`${SHAPE}: "sourceIp" is not an IP address`, 422, { shape: SHAPE, invalid: 'sourceIp' });
  }
  const userAgent = cleanText(text(field(body, 'userAgent')), LIMITS.userAgentChars);
  return {
    source: 'manual',
    alertKey: `manual:${alertId.toLowerCase()}`,
    alertId,
    severity,
    title: titleText(field(body, 'title')) ?? `Manual containment request ${alertId}`,
    detection: 'manual',
    users: [user],
    ips: ip === undefined ? [] : [ip],
    userAgents: userAgent === undefined ? [] : [userAgent],
    asns: [],
    raw,
  };
}
