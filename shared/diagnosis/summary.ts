// The one paragraph an analyst reads first: when the attacker was in, what they left behind, what they
// sent and to whom, whether containment held, and what could not be read.
import { duration, joinAnd, minutesBetween, plural, shortTime } from './describe';
import type { Pack } from './judge';
import { SOURCE_NAMES, type FindingKind, type SourceName, type SourceOutcome } from './types';

const PERSISTENCE: readonly FindingKind[] = ['inbox_rule', 'oauth_grant', 'app_role_assignment', 'authentication_method', 'device'];

const SOURCE_LABELS: Readonly<Record<SourceName, string>> = {
  signIns: 'sign-ins',
  directoryAudits: 'directory audit',
  mailboxAudit: 'mailbox audit',
  inboxRules: 'inbox rules',
  oauthGrants: 'OAuth grants',
  appRoleAssignments: 'app role assignments',
  authenticationMethods: 'authentication methods',
  devices: 'devices',
};

export function sourceLabel(source: SourceName): string {
  return SOURCE_LABELS[source];
}

export function summarize(who: string, pack: Pack, sources: Partial<Record<SourceName, SourceOutcome>>): string {
  const { window, stats, findings } = pack;
  const sentences: string[] = [];
  if (window.start && window.anchor) {
    const until = window.endsAt === 'T0' ? 'containment (T0)' : 'this diagnosis (the account was not contained)';
    sentences.push(
      `${who}'s session was used from ${joinAnd(window.attackerIps.slice(0, 5))}: the first ${window.anchor.description} was at ${shortTime(window.start)}, ${duration(minutesBetween(window.start, window.end))} before ${until}.`,
    );
  } else {
    sentences.push(
      `No suspicious sign-in marks an attacker window for ${who}, so nothing was judged suspicious by time alone${window.attackerIps.length > 0 ? `; the alert's IPs (${joinAnd(window.attackerIps.slice(0, 5))}) still were` : ''}.`,
    );
  }
  const planted = findings.filter((f) => PERSISTENCE.includes(f.kind) && f.verdict === 'suspicious');
  if (planted.length > 0) sentences.push(`Persistence to remove (Phase 3): ${joinAnd(planted.map((f) => f.title))}.`);
  else sentences.push('No persistence was judged suspicious.');
  const activity: string[] = [];
  if (stats.attackerItemsRead > 0) activity.push(`read ${plural(stats.attackerItemsRead, 'mail item')}`);
  const sent = findings.filter((f) => f.kind === 'sent_message' && f.verdict === 'suspicious').length;
  if (sent > 0) {
    const { internal, external } = stats.recipients;
    const to = [
      external.length > 0 ? `${plural(external.length, 'external recipient')} (${joinAnd(external)})` : '',
      internal.length > 0 ? `${plural(internal.length, 'internal recipient')} (${joinAnd(internal)})` : '',
    ]
      .filter((s) => s !== '')
      .join(' and ');
    activity.push(`sent ${plural(sent, 'message')}${to ? ` to ${to}: notify them out of band (runbook 5.3)` : ''}`);
  }
  if (activity.length > 0) sentences.push(`The attacker ${joinAnd(activity)}.`);
  if (stats.containmentHeld === true) {
    sentences.push(
      `Containment held: no successful sign-in after T0${stats.afterT0RefusedFromAttacker > 0 ? ` (the attacker tried ${plural(stats.afterT0RefusedFromAttacker, 'time')} and was refused)` : ''}.`,
    );
  } else if (stats.containmentHeld === false) {
    const what = [
      stats.afterT0Succeeded > 0 ? plural(stats.afterT0Succeeded, 'successful sign-in') : '',
      stats.attackerMailAfterT0 > 0 ? 'attacker mailbox activity' : '',
    ].filter((s) => s !== '');
    sentences.push(`CONTAINMENT DID NOT HOLD: ${joinAnd(what)} after T0; see the post_containment_activity findings.`);
  }
  const { suspicious, benign, unknown } = stats.total;
  sentences.push(`Findings: ${suspicious} suspicious, ${unknown} unknown, ${benign} benign.`);
  const gaps = SOURCE_NAMES.flatMap((name) => {
    const outcome = sources[name];
    if (outcome === undefined || outcome.status === 'complete') return [];
    return [`${SOURCE_LABELS[name]} ${outcome.detail ?? outcome.status}`];
  });
  if (gaps.length > 0) sentences.push(`Incomplete: ${gaps.join('; ')}.`);
  return sentences.join(' ');
}
