// Evidence of a Microsoft Graph security alert (alerts_v2 `evidence[]`, microsoft.graph.security.alertEvidence
// and its derived types), read for what containment needs:
//  - userEvidence: `userAccount.userPrincipalName` (or `upn`) and/or `userAccount.azureAdUserId`;
//  - cloudLogonSessionEvidence: its `account` (a userEvidence) and the session's `userAgent`;
//  - ipEvidence: `ipAddress`.
// Evidence whose `roles` include "attacker" is never a victim. Other evidence types (mailbox, device,
// file, url, cloud application, ...) are ignored. Property names are matched case-insensitively: the
// Graph reference itself shows cloudLogonSessionEvidence both as `userAgent` and as `UserAgent`.
import { AlertFacts, hasAttackerRole, LIMITS } from './facts';
import { fieldAny, fieldCI, isObject, text } from './json';
import type { AlertUser } from './types';
import { userFromIdentifier } from './values';

/** "#microsoft.graph.security.userEvidence" -> "userevidence"; undefined when absent. */
function evidenceType(evidence: unknown): string | undefined {
  const type = text(fieldCI(evidence, '@odata.type'));
  if (type === undefined) return undefined;
  return type
    .slice(type.lastIndexOf('.') + 1)
    .replace(/^#/, '')
    .toLowerCase();
}

export function userAccountUser(account: unknown): AlertUser | undefined {
  const upn = userFromIdentifier(text(fieldAny(account, 'userPrincipalName', 'upn')))?.upn;
  const objectId = userFromIdentifier(text(fieldCI(account, 'azureAdUserId')))?.objectId;
  if (upn === undefined && objectId === undefined) return undefined;
  return objectId === undefined ? { upn } : upn === undefined ? { objectId } : { upn, objectId };
}

function readUserEvidence(evidence: unknown, facts: AlertFacts): void {
  if (!isObject(evidence) || hasAttackerRole(fieldCI(evidence, 'roles'))) return;
  facts.addUser(userAccountUser(fieldCI(evidence, 'userAccount')));
}

export function readGraphEvidence(evidenceList: readonly unknown[], facts: AlertFacts): void {
  for (const evidence of evidenceList.slice(0, LIMITS.entities)) {
    if (!isObject(evidence)) continue;
    // Some serializers drop `@odata.type`; the shape of the item then tells what it is.
    const type =
      evidenceType(evidence) ??
      (isObject(fieldCI(evidence, 'userAccount'))
        ? 'userevidence'
        : fieldCI(evidence, 'ipAddress') !== undefined
          ? 'ipevidence'
          : undefined);
    if (type === 'userevidence') {
      readUserEvidence(evidence, facts);
    } else if (type === 'cloudlogonsessionevidence') {
      // The session's own roles describe the session; the account inside is judged by its own roles.
      readUserEvidence(fieldCI(evidence, 'account'), facts);
      facts.addUserAgent(fieldCI(evidence, 'userAgent'));
    } else if (type === 'ipevidence') {
      facts.addIp(text(fieldCI(evidence, 'ipAddress')));
    }
  }
}
