// Phase 3's pure decisions: which findings can be removed and in what order (runbook 3.1-3.4), what
// permission each removal needs, whether a target still matches its snapshot, what needs a human, and
// what Graph cannot reach at all (the Exchange Online PowerShell steps). No I/O.
import type { FindingKind, FindingTarget } from '../diagnosis/types';
import type { ManualStep, RemovalItem } from './incident';
import type { StoredFinding } from './ports';

/** The runbook's order: inbox rules (3.1), grants and app roles (3.2), methods (3.3), devices (3.4). */
export const REMOVAL_ORDER: readonly FindingKind[] = [
  'inbox_rule',
  'oauth_grant',
  'app_role_assignment',
  'authentication_method',
  'device',
];

/** Method types Graph lets an app delete, with the collection they are deleted through. */
export const METHOD_COLLECTIONS: Readonly<Record<string, { collection: string; permission: string }>> = {
  phoneAuthenticationMethod: { collection: 'phoneMethods', permission: 'UserAuthMethod-Phone.ReadWrite.All' },
  emailAuthenticationMethod: { collection: 'emailMethods', permission: 'UserAuthMethod-Email.ReadWrite.All' },
  microsoftAuthenticatorAuthenticationMethod: {
    collection: 'microsoftAuthenticatorMethods',
    permission: 'UserAuthMethod-MicrosoftAuthApp.ReadWrite.All',
  },
  fido2AuthenticationMethod: { collection: 'fido2Methods', permission: 'UserAuthMethod-Passkey.ReadWrite.All' },
  softwareOathAuthenticationMethod: { collection: 'softwareOathMethods', permission: 'UserAuthMethod-SoftwareOATH.ReadWrite.All' },
  windowsHelloForBusinessAuthenticationMethod: {
    collection: 'windowsHelloForBusinessMethods',
    permission: 'UserAuthMethod-WindowsHello.ReadWrite.All',
  },
  temporaryAccessPassAuthenticationMethod: { collection: 'temporaryAccessPassMethods', permission: 'UserAuthMethod-TAP.ReadWrite.All' },
  platformCredentialAuthenticationMethod: {
    collection: 'platformCredentialMethods',
    permission: 'UserAuthMethod-PlatformCred.ReadWrite.All',
  },
};

const PERMISSION: Readonly<Record<string, string>> = {
  messageRule: 'MailboxSettings.ReadWrite',
  oAuth2PermissionGrant: 'DelegatedPermissionGrant.ReadWrite.All',
  appRoleAssignment: 'AppRoleAssignment.ReadWrite.All',
  device: 'Device.ReadWrite.All',
};

/** The least-privileged application permission a removal needs, named when Graph answers 403. */
export function removalPermission(target: FindingTarget): string {
  return PERMISSION[target.type] ?? METHOD_COLLECTIONS[target.type]?.permission ?? 'UserAuthenticationMethod.ReadWrite.All';
}

/** Why a finding cannot be removed automatically at all, or undefined when it can. */
export function notRemovable(finding: StoredFinding): string | undefined {
  if (!REMOVAL_ORDER.includes(finding.kind) || finding.target === undefined)
    return `a ${finding.kind.replace(/_/g, ' ')} is evidence, not something to remove`;
  if (finding.kind === 'authentication_method' && METHOD_COLLECTIONS[finding.target.type] === undefined) {
    return finding.target.type === 'passwordAuthenticationMethod'
      ? 'the password method is reset, not removed'
      : `Graph has no app-only delete for ${finding.target.type}`;
  }
  return undefined;
}

/** Findings `"flagged"` selects: suspicious, with a removable target. unknown and benign only when named. */
export function flaggedFindings(findings: readonly StoredFinding[]): StoredFinding[] {
  return findings.filter((finding) => finding.verdict === 'suspicious' && notRemovable(finding) === undefined);
}

/** A tenant-wide grant affects everyone: reported for a human, never removed automatically. */
export function needsHuman(finding: StoredFinding): string | undefined {
  const consent = finding.details.consentType ?? field(finding.raw, 'consentType');
  if (finding.kind === 'oauth_grant' && consent === 'AllPrincipals') {
    return 'tenant-wide (AllPrincipals) consent: it affects every user, so it is left for an administrator to decide';
  }
  return undefined;
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;
}

/** Phone methods: alternateMobile before mobile (Graph refuses a mobile while an alternate exists). */
const PHONE_ORDER: Readonly<Record<string, number>> = { alternateMobile: 0, office: 1, mobile: 2 };

/** Sorts items into the runbook's order; within methods, alternateMobile before mobile. */
export function orderRemovals(items: readonly RemovalItem[], snapshots: ReadonlyMap<string, unknown>): RemovalItem[] {
  const rank = (item: RemovalItem): number => {
    const phone = PHONE_ORDER[String(field(snapshots.get(item.findingId), 'phoneType'))] ?? 1;
    return REMOVAL_ORDER.indexOf(item.kind) * 10 + (item.kind === 'authentication_method' ? phone : 0);
  };
  return [...items].sort((a, b) => rank(a) - rank(b));
}

/** Properties that change on their own (sign-in times, usability) and say nothing about who edited the object. */
const VOLATILE = new Set([
  'approximateLastSignInDateTime',
  'lastUsedDateTime',
  'isUsable',
  'methodUsabilityReason',
  'hasError',
  'deletedDateTime',
]);

/**
 * The properties of the snapshot whose value differs now: a target edited since diagnosis is reported,
 * not removed (the user may have changed their own rule). Undefined: no usable snapshot to compare with.
 */
export function changedSince(snapshot: unknown, current: unknown): string[] | undefined {
  if (typeof snapshot !== 'object' || snapshot === null || Array.isArray(snapshot) || field(snapshot, 'truncated') === true)
    return undefined;
  const changed: string[] = [];
  for (const [key, value] of Object.entries(snapshot)) {
    if (key.startsWith('@odata.') || VOLATILE.has(key)) continue;
    if (stable(value) !== stable(field(current, key))) changed.push(key);
  }
  return changed;
}

function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stable((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** Graph's 400 for the default method; it can go once it is the last method, so it is retried last. */
export function isDefaultMethodRefusal(status: number | undefined, message: string): boolean {
  return status === 400 && /default (authentication )?method/i.test(message);
}

/** Graph's 400 for a mobile phone while an alternateMobile exists: retried after the others. */
export function isAlternateMobileRefusal(status: number | undefined, message: string): boolean {
  return status === 400 && /alternateMobile/i.test(message);
}

function psString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * Runbook 3.1's parts Graph has no supported route for: hidden inbox rules, mailbox-level forwarding
 * (ForwardingSmtpAddress, which Graph's messageRules and mailboxSettings do not show) and transport
 * rules. The exact Exchange Online PowerShell, for this mailbox.
 */
export function exchangeManualSteps(upn: string | undefined): ManualStep[] {
  const mailbox = psString(upn ?? '<user principal name>');
  return [
    {
      why: 'Hidden inbox rules: Graph lists only the rules it can model; Get-InboxRule -IncludeHidden shows the rest',
      powershell: [
        'Connect-ExchangeOnline',
        `Get-InboxRule -Mailbox ${mailbox} -IncludeHidden | Format-List Name,Identity,Enabled,ForwardTo,ForwardAsAttachmentTo,RedirectTo,DeleteMessage,MoveToFolder`,
        `Remove-InboxRule -Mailbox ${mailbox} -Identity '<identity of a rule you did not expect>' -Confirm:$false`,
      ],
    },
    {
      why: 'Mailbox-level forwarding (ForwardingSmtpAddress): not visible or writable through Graph',
      powershell: [
        `Get-Mailbox -Identity ${mailbox} | Format-List ForwardingSmtpAddress,ForwardingAddress,DeliverToMailboxAndForward`,
        `Set-Mailbox -Identity ${mailbox} -ForwardingSmtpAddress $null -ForwardingAddress $null -DeliverToMailboxAndForward $false`,
      ],
    },
    {
      why: "Transport rules that copy or redirect this mailbox's mail: Graph has no transport-rule API",
      powershell: [
        `Get-TransportRule | Where-Object { $_.From -contains ${mailbox} -or $_.SentTo -contains ${mailbox} -or $_.RedirectMessageTo -or $_.BlindCopyTo } | Format-List Name,State,From,SentTo,RedirectMessageTo,BlindCopyTo,WhenChanged`,
        "Remove-TransportRule -Identity '<name of a rule you did not create>' -Confirm:$false",
      ],
    },
  ];
}

/** For a reported tenant-wide grant: the command an administrator runs once they have decided. */
export function grantManualStep(grantId: string, title: string): ManualStep {
  return {
    why: `${title}: tenant-wide consent, removed only by an administrator's decision`,
    powershell: [`Remove-MgOauth2PermissionGrant -OAuth2PermissionGrantId ${psString(grantId)}`],
  };
}

/** Done for good: a re-run skips these. */
export function isSettled(item: RemovalItem): boolean {
  return item.status === 'removed' || item.status === 'already_gone' || item.status === 'reported';
}

export interface AutoEradicateContext {
  kinds: ReadonlySet<FindingKind>;
  attackerIps: ReadonlySet<string>;
}

/**
 * AUTO_ERADICATE's known patterns: only suspicious findings of the listed kinds, and for the two kinds
 * the issue names, only their unmistakable form (a rule forwarding outside; a method registered from
 * an attacker IP). Anything else waits for a human.
 */
export function autoEradicable(findings: readonly StoredFinding[], ctx: AutoEradicateContext): StoredFinding[] {
  return flaggedFindings(findings).filter((finding) => {
    if (!ctx.kinds.has(finding.kind) || needsHuman(finding)) return false;
    if (finding.kind === 'inbox_rule')
      return finding.reasons.some((reason) => /external/i.test(reason) && /(forward|redirect)/i.test(reason));
    if (finding.kind === 'authentication_method')
      return finding.actor?.ip !== undefined && ctx.attackerIps.has(finding.actor.ip.toLowerCase());
    return true;
  });
}
