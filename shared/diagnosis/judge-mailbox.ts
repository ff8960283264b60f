// Runbook 2.2 judged: inbox rules (what they do, and when the mailbox audit says they were made), the
// messages the attacker sent with their recipients split internal/external for the BEC follow-up of
// runbook 5.3, and mail the attacker read.
import { duration, joinAnd, minutesBetween, plural, quote, shortTime } from './describe';
import { isRuleOperation } from './normalize';
import type { Finding, InboxRuleEvidence, MailboxAuditEvidence, SentMessageEvidence } from './types';
import { byTimeAndSource, ipRole, isAttackerIp, isInternal, strongest, type Judgment, type JudgmentContext } from './verdicts';

/** Folders attackers move mail into so the victim does not see replies (by display name, lower-cased). */
const HIDING_FOLDERS = new Set([
  'rss feeds',
  'rss subscriptions',
  'archive',
  'conversation history',
  'junk email',
  'deleted items',
  'notes',
  'sync issues',
]);

/** Words BEC rules look for, so the victim never sees the reply to a fraudulent payment request. */
const BEC_WORDS =
  /\b(invoices?|payments?|wire|wiring|bank|banking|remit|remittance|transfer|payroll|w-?2|ach|swift|iban|account number|urgent|hacked|hack|phish(ing)?|compromised?|fraud|password|verify)\b/i;

export interface MailboxContext {
  folderNames?: ReadonlyMap<string, string>;
  /** Why folder names are missing, e.g. "missing permission Mail.ReadBasic.All". */
  folderNamesUnavailable?: string;
  sentMessages?: ReadonlyMap<string, SentMessageEvidence>;
  sentMessagesUnavailable?: string;
  /** Why the mailbox audit is missing (unavailable, failed, pending), when it is. */
  mailboxAuditUnavailable?: string;
}

export interface RuleAnalysis {
  /** What makes the rule dangerous, most telling first; empty for a harmless rule. */
  risks: string[];
  /** What it does otherwise, for context. */
  notes: string[];
  external: string[];
  internal: string[];
}

function folderName(folderId: string, mailbox: MailboxContext): string | undefined {
  return mailbox.folderNames?.get(folderId);
}

export function analyzeRule(ctx: JudgmentContext, rule: InboxRuleEvidence, mailbox: MailboxContext): RuleAnalysis {
  const risks: string[] = [];
  const notes: string[] = [];
  const targets = [
    ['forwards', rule.forwardTo],
    ['redirects', rule.redirectTo],
    ['forwards as an attachment', rule.forwardAsAttachmentTo],
  ] as const;
  const external: string[] = [];
  const internal: string[] = [];
  for (const [verb, addresses] of targets) {
    const outside = addresses.filter((a) => !isInternal(ctx, a));
    const inside = addresses.filter((a) => isInternal(ctx, a));
    external.push(...outside);
    internal.push(...inside);
    if (outside.length > 0)
      risks.push(`${verb} to ${outside.length === 1 ? 'an external address' : 'external addresses'} (${joinAnd(outside)})`);
    if (inside.length > 0)
      notes.push(`${verb} to ${inside.length === 1 ? 'an internal address' : 'internal addresses'} (${joinAnd(inside)})`);
  }
  if (rule.permanentDelete) risks.push('permanently deletes matching messages');
  else if (rule.delete) risks.push('deletes matching messages');
  for (const [verb, folderId] of [
    ['moves', rule.moveToFolder],
    ['copies', rule.copyToFolder],
  ] as const) {
    if (folderId === undefined) continue;
    const name = folderName(folderId, mailbox);
    if (name !== undefined && HIDING_FOLDERS.has(name.toLowerCase()))
      risks.push(`${verb} messages to ${name}, a folder people rarely open`);
    else if (name !== undefined) notes.push(`${verb} messages to ${name}`);
    else
      notes.push(
        `${verb} messages to another folder (name unknown${mailbox.folderNamesUnavailable ? `: ${mailbox.folderNamesUnavailable}` : ''})`,
      );
  }
  const acts = risks.length > 0 || notes.length > 0;
  const becWords = rule.keywords.filter((keyword) => BEC_WORDS.test(keyword));
  if (becWords.length > 0 && acts) risks.push(`looks for ${joinAnd(becWords.slice(0, 5).map(quote))}, words of payment fraud`);
  if (risks.length > 0) {
    if (rule.matchesEverything) risks.push('applies to every incoming message');
    if (rule.markAsRead) risks.push('marks them as read');
    if (/^[\s\p{P}\p{S}]{0,3}$/u.test(rule.displayName)) risks.push(`named ${quote(rule.displayName)}, a name meant not to be noticed`);
  }
  if (!rule.isEnabled) notes.push('disabled');
  return { risks, notes, external, internal };
}

function sameRule(record: MailboxAuditEvidence, rule: InboxRuleEvidence): boolean {
  return record.ruleName !== undefined && record.ruleName.trim().toLowerCase() === rule.displayName.trim().toLowerCase();
}

function ruleRecords(audit: readonly MailboxAuditEvidence[] | undefined): MailboxAuditEvidence[] {
  return (audit ?? []).filter((record) => isRuleOperation(record.operation));
}

function isCreation(record: MailboxAuditEvidence): boolean {
  const op = record.operation.toLowerCase();
  return op === 'new-inboxrule' || (op === 'updateinboxrules' && /add/i.test(record.ruleParameters?.RuleOperation ?? 'add'));
}

export function judgeInboxRules(
  ctx: JudgmentContext,
  rules: readonly InboxRuleEvidence[],
  audit: readonly MailboxAuditEvidence[] | undefined,
  mailbox: MailboxContext,
): Finding[] {
  const records = ruleRecords(audit);
  const findings: Finding[] = rules.map((rule) => {
    const analysis = analyzeRule(ctx, rule, mailbox);
    const matching = records.filter((record) => sameRule(record, rule)).sort((a, b) => a.createdDateTime.localeCompare(b.createdDateTime));
    const created = matching.find(isCreation);
    const judgments = matching.map((record) =>
      byTimeAndSource(ctx, isCreation(record) ? 'created' : `changed (${record.operation})`, record.createdDateTime, record.clientIp),
    );
    let judged: Judgment;
    if (judgments.length > 0) {
      judged = strongest(judgments);
    } else {
      const why = mailbox.mailboxAuditUnavailable
        ? `creation time unknown: the mailbox audit is ${mailbox.mailboxAuditUnavailable}`
        : `no change to it in the mailbox audit since ${shortTime(ctx.lookbackStart)}`;
      judged =
        analysis.risks.length > 0
          ? { verdict: 'unknown', reasons: [why] }
          : { verdict: 'benign', reasons: ['no forwarding, deleting or hiding', why] };
    }
    return {
      kind: 'inbox_rule',
      providerId: rule.id,
      title: `Inbox rule ${quote(rule.displayName)}`,
      createdAt: created?.createdDateTime,
      createdAtFrom: created ? `mailbox audit ${created.operation}` : undefined,
      verdict: judged.verdict,
      reasons: [...analysis.risks, ...judged.reasons, ...analysis.notes],
      source: 'inboxRules',
      actor: created?.clientIp ? { ip: created.clientIp, userAgent: created.clientInfo } : undefined,
      details: {
        forwardTo: rule.forwardTo,
        redirectTo: rule.redirectTo,
        forwardAsAttachmentTo: rule.forwardAsAttachmentTo,
        externalRecipients: analysis.external,
        delete: rule.delete || rule.permanentDelete,
        moveToFolder: rule.moveToFolder === undefined ? undefined : (folderName(rule.moveToFolder, mailbox) ?? rule.moveToFolder),
        keywords: rule.keywords,
        enabled: rule.isEnabled,
        auditRecords: matching.map((record) => ({ operation: record.operation, at: record.createdDateTime, ip: record.clientIp })),
      },
      target: { type: 'messageRule', id: rule.id },
      raw: rule.raw,
    };
  });
  // Rule changes in the window whose rule is gone (renamed, removed, or made by another client): still evidence.
  for (const record of records) {
    if (rules.some((rule) => sameRule(record, rule))) continue;
    const judged = byTimeAndSource(ctx, record.operation, record.createdDateTime, record.clientIp);
    if (judged.verdict !== 'suspicious') continue;
    const parameters = record.ruleParameters ?? {};
    const forward = [parameters.ForwardTo, parameters.RedirectTo, parameters.ForwardAsAttachmentTo].filter(
      (v): v is string => v !== undefined,
    );
    findings.push({
      kind: 'inbox_rule',
      providerId: `audit:${record.id}`,
      title: `Inbox rule ${quote(record.ruleName ?? 'unnamed')} (${record.operation}; not among the current rules)`,
      createdAt: record.createdDateTime,
      createdAtFrom: `mailbox audit ${record.operation}`,
      verdict: judged.verdict,
      reasons: [...judged.reasons, ...(forward.length > 0 ? [`parameters name ${joinAnd(forward)}`] : [])],
      source: 'mailboxAudit',
      actor: { ip: record.clientIp, userAgent: record.clientInfo },
      details: { operation: record.operation, parameters },
      raw: record.raw,
    });
  }
  return findings;
}

export interface SendJudgment {
  findings: Finding[];
  internalRecipients: string[];
  externalRecipients: string[];
  /** Sends judged benign: counted, not kept. */
  benignSends: number;
}

const SEND_OPERATIONS = new Set(['send', 'sendas', 'sendonbehalf']);

export function judgeSends(ctx: JudgmentContext, audit: readonly MailboxAuditEvidence[], mailbox: MailboxContext): SendJudgment {
  const findings: Finding[] = [];
  const internalRecipients = new Set<string>();
  const externalRecipients = new Set<string>();
  let benignSends = 0;
  for (const record of audit.filter((r) => SEND_OPERATIONS.has(r.operation.toLowerCase()))) {
    const judged = judgeActivity(ctx, 'sent', record);
    if (judged.verdict === 'benign') {
      benignSends++;
      continue;
    }
    const message = record.internetMessageId === undefined ? undefined : mailbox.sentMessages?.get(record.internetMessageId);
    const recipients = message?.recipients ?? [];
    const inside = recipients.filter((r) => isInternal(ctx, r));
    const outside = recipients.filter((r) => !isInternal(ctx, r));
    const recipientReason =
      message === undefined || !message.found
        ? mailbox.sentMessagesUnavailable
          ? `recipients unknown: ${mailbox.sentMessagesUnavailable}`
          : 'recipients unknown: the message is no longer in the mailbox'
        : `to ${[outside.length > 0 ? `${plural(outside.length, 'external recipient')} (${joinAnd(outside)})` : undefined, inside.length > 0 ? `${plural(inside.length, 'internal recipient')} (${joinAnd(inside)})` : undefined].filter((s) => s !== undefined).join(' and ') || 'no recipients'}`;
    if (judged.verdict === 'suspicious') {
      inside.forEach((r) => internalRecipients.add(r));
      outside.forEach((r) => externalRecipients.add(r));
    }
    const subject = record.subject ?? message?.subject;
    findings.push({
      kind: 'sent_message',
      providerId: record.id,
      title: `Sent ${subject ? quote(subject) : 'a message'}`,
      createdAt: record.createdDateTime,
      verdict: judged.verdict,
      reasons: [
        ...judged.reasons,
        recipientReason,
        ...(outside.length > 0 && judged.verdict === 'suspicious' ? ['notify the recipients out of band (runbook 5.3)'] : []),
      ],
      source: 'mailboxAudit',
      actor: { ip: record.clientIp, userAgent: record.clientInfo },
      details: {
        subject,
        internetMessageId: record.internetMessageId,
        internalRecipients: inside,
        externalRecipients: outside,
        operation: record.operation,
      },
      raw: record.raw,
    });
  }
  return { findings, internalRecipients: [...internalRecipients], externalRecipients: [...externalRecipients], benignSends };
}

/**
 * Mailbox activity is judged by who did it, not by when alone: from an attacker IP it is the
 * attacker's; inside the window from an IP the user had not used, unknown; otherwise the user's.
 */
function judgeActivity(ctx: JudgmentContext, verb: string, record: MailboxAuditEvidence): Judgment {
  if (isAttackerIp(ctx, record.clientIp)) return byTimeAndSource(ctx, verb, record.createdDateTime, record.clientIp);
  if (ctx.t0 !== undefined && record.createdDateTime > ctx.t0) {
    return {
      verdict: 'unknown',
      reasons: [
        `${verb} ${duration(minutesBetween(ctx.t0, record.createdDateTime))} after containment from ${record.clientIp ?? 'an unknown IP'}`,
      ],
    };
  }
  const inWindow = ctx.window.start !== undefined && record.createdDateTime >= ctx.window.start && record.createdDateTime <= ctx.window.end;
  const role = record.clientIp === undefined ? undefined : ipRole(ctx, record.clientIp);
  if (inWindow && role === undefined) {
    return {
      verdict: 'unknown',
      reasons: [
        `${verb} during the attacker window from ${record.clientIp ?? 'an unknown IP'}, not an IP this user used before the window`,
      ],
    };
  }
  return { verdict: 'benign', reasons: [`${verb} from ${record.clientIp ?? 'an unknown IP'}${role ? `, ${role}` : ''}`] };
}

export interface AccessJudgment {
  findings: Finding[];
  /** Items read by the attacker (sum over their records). */
  attackerItems: number;
  /** Attacker mailbox activity after T0: tokens still valid after revocation. */
  afterT0: number;
}

const ACCESS_OPERATIONS = new Set(['mailitemsaccessed']);

export function judgeMailAccess(ctx: JudgmentContext, audit: readonly MailboxAuditEvidence[]): AccessJudgment {
  const groups = new Map<string, MailboxAuditEvidence[]>();
  for (const record of audit.filter((r) => ACCESS_OPERATIONS.has(r.operation.toLowerCase()))) {
    const judged = judgeActivity(ctx, 'read', record);
    if (judged.verdict === 'benign') continue;
    const afterT0 = ctx.t0 !== undefined && record.createdDateTime > ctx.t0;
    const key = `${record.clientIp ?? 'unknown'}|${afterT0 ? 'after' : 'before'}`;
    groups.set(key, [...(groups.get(key) ?? []), record]);
  }
  const findings: Finding[] = [];
  let attackerItems = 0;
  let afterT0Count = 0;
  for (const [key, records] of groups) {
    const [ip, phase] = key.split('|');
    const sorted = records.sort((a, b) => a.createdDateTime.localeCompare(b.createdDateTime));
    const items = sorted.reduce((sum, r) => sum + (r.itemCount ?? 1), 0);
    const first = sorted[0];
    const last = sorted[sorted.length - 1];
    const attacker = isAttackerIp(ctx, first.clientIp);
    if (attacker) attackerItems += items;
    const afterT0 = phase === 'after';
    if (afterT0 && attacker) afterT0Count++;
    const accessTypes = [...new Set(sorted.flatMap((r) => r.accessType ?? []))];
    const folders = [...new Set(sorted.flatMap((r) => r.folders ?? []))].slice(0, 20);
    const judged = judgeActivity(ctx, 'read', first);
    findings.push({
      kind: afterT0 && attacker ? 'post_containment_activity' : 'mail_items_accessed',
      providerId: `mail-access:${ip}:${phase}`,
      title: `${plural(items, 'mail item')} read from ${ip === 'unknown' ? 'an unknown IP' : ip}${afterT0 ? ' after containment' : ''}`,
      createdAt: first.createdDateTime,
      verdict: judged.verdict,
      reasons: [
        ...(afterT0 && attacker ? ['the attacker still read mail after containment: their token outlived the revocation'] : []),
        ...judged.reasons,
        `${plural(sorted.length, 'MailItemsAccessed record')} from ${shortTime(first.createdDateTime)} to ${shortTime(last.createdDateTime)}${accessTypes.length > 0 ? ` (${joinAnd(accessTypes)})` : ''}`,
      ],
      source: 'mailboxAudit',
      actor: { ip: first.clientIp, userAgent: first.clientInfo },
      details: { items, records: sorted.length, folders, accessTypes, first: first.createdDateTime, last: last.createdDateTime },
      raw: sorted.slice(0, 5).map((r) => r.raw),
    });
  }
  return { findings, attackerItems, afterT0: afterT0Count };
}
