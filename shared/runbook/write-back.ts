// Write-back (WRITE_BACK): the analyst works in Sentinel or Defender XDR, so what the app did is written
// as a comment on the source incident or alert at T0, when diagnosis completes, at T1 and at T3. Off the
// hot path: each comment is a `write-back` message queued beside the phase that reached the mark. Each
// comment has one id per (incident, mark), so a retry updates the same comment instead of posting a second.
import { createHash } from 'node:crypto';
import { ulid } from 'ulid';
import { UpstreamError } from '../errors';
import type { Incident, TimelineEvent } from './incident';
import type { Clock, CommentReceipt, FollowUpQueues, IncidentStore, SourceComments, WriteBackMark, WriteBackMessage } from './ports';

export interface WriteBackDeps {
  store: IncidentStore;
  comments: SourceComments;
  clock: Clock;
  /** The console page (`https://<app>/api/console`); comments link `#/incidents/{id}` on it. Absent: no link. */
  consoleUrl?: string;
}

export type WriteBackOutcome = 'written' | 'already_written' | 'not_written' | 'failed' | 'no_incident';

export interface WriteBackResult {
  outcome: WriteBackOutcome;
  incidentId: string;
  mark: WriteBackMark;
  receipt?: CommentReceipt;
}

/** A transient failure with attempts left: the queue delivers the message again. */
export class WriteBackRetryError extends Error {
  override readonly name = 'WriteBackRetryError';
  constructor(readonly upstream: UpstreamError) {
    super(`write-back failed transiently (${upstream.serviceName} ${upstream.status} ${upstream.code}); the queue retries`);
  }
}

const MARK_WORDS: Readonly<Record<WriteBackMark, string>> = {
  T0: 'T0 contained',
  diagnosed: 'diagnosis complete',
  T1: 'T1 eradicated',
  T3: 'T3 recovered',
};

/** A GUID derived from the incident and the mark (the Sentinel comment id): the same for every attempt. */
export function commentIdFor(incidentId: string, mark: WriteBackMark): string {
  const hex = createHash('sha256').update(`aitm-contain write-back\n${incidentId}\n${mark}`).digest('hex');
  // Shaped as an RFC 4122 version 5-style GUID so services that check the format accept it.
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The tag ending every comment: how a retry recognises a comment an earlier attempt posted (Graph comments have no id of ours). */
export function commentTag(incidentId: string, mark: WriteBackMark): string {
  return `[aitm-contain ${incidentId} ${mark} ${commentIdFor(incidentId, mark).slice(0, 8)}]`;
}

function user(incident: Incident): string {
  return incident.user.upn ?? incident.user.objectId ?? incident.userKey;
}

function actions(incident: Incident): string {
  const done = incident.actions.filter((a) => a.result === 'succeeded').map((a) => `${a.action} (Graph ${a.httpStatus ?? 'ok'})`);
  const failed = incident.actions
    .filter((a) => a.result === 'failed')
    .map((a) => `${a.action} failed (${a.httpStatus ?? 0} ${a.graphCode ?? ''})`.trim());
  return [...done, ...failed].join(', ') || 'no Graph write';
}

/**
 * The comment for one mark, in plain words a SOC analyst reads in the incident's comment pane. Only what
 * the incident record holds: names, states, counts, times. Never a credential (recovery keeps none) and
 * never a token.
 */
export function commentText(incident: Incident, mark: WriteBackMark, consoleUrl?: string): string {
  const link = consoleUrl ? ` Console: ${consoleUrl}#/incidents/${incident.id}` : '';
  const lines: string[] = [];
  switch (mark) {
    case 'T0':
      lines.push(
        `aitm-contain contained ${user(incident)} at ${incident.t0 ?? 'an unknown time'} (T0): ${actions(incident)}.`,
        `Incident ${incident.id}, state ${incident.state}. Diagnosis and the pivot hunt are queued.${link}`,
      );
      break;
    case 'diagnosed': {
      const d = incident.diagnosis;
      const counts = d
        ? `${d.counts.suspicious} suspicious, ${d.counts.unknown} unknown, ${d.counts.benign} benign finding(s)`
        : 'no findings';
      const held = d?.containmentHeld === undefined ? 'cannot say yet' : d.containmentHeld ? 'yes' : 'NO (activity after T0)';
      lines.push(
        `aitm-contain diagnosis complete for ${user(incident)}: ${counts}; containment held: ${held}.`,
        d?.summary ? d.summary.slice(0, 1_500) : '',
        `Eradication waits for an approver in the console.${link}`,
      );
      break;
    }
    case 'T1': {
      const removed = incident.eradication?.items.filter((i) => i.status === 'removed' || i.status === 'already_gone').length ?? 0;
      const manual = incident.eradication?.manualSteps.length ?? 0;
      lines.push(
        `aitm-contain eradication verified (T1) at ${incident.t1 ?? 'an unknown time'}: ${removed} item(s) removed; ${manual} manual Exchange Online step(s) listed for a human.${link}`,
      );
      break;
    }
    case 'T3':
      lines.push(
        `aitm-contain recovery complete (T3) at ${incident.t3 ?? 'an unknown time'} by ${incident.recovery?.by ?? 'an approver'}: ${
          incident.recovery?.credential === 'password' ? 'a temporary password' : 'a Temporary Access Pass'
        } was issued out of band and the account re-enabled.${link}`,
      );
      break;
  }
  lines.push(commentTag(incident.id, mark));
  return lines.filter((line) => line !== '').join('\n');
}

/** Whether the timeline already says this mark was written back (or could not be): a redelivery then does nothing. */
function settled(timeline: readonly TimelineEvent[], mark: WriteBackMark): boolean {
  return timeline.some(
    (event) => (event.kind === 'write_back_written' || event.kind === 'write_back_skipped') && event.detail?.mark === mark,
  );
}

/**
 * Writes one comment. `finalAttempt`: the queue will not deliver the message again, so a transient
 * failure is recorded as failed instead of retried.
 */
export async function writeBack(
  message: WriteBackMessage,
  deps: WriteBackDeps,
  invocation: { invocationId: string; finalAttempt: boolean },
): Promise<WriteBackResult> {
  const { incidentId, mark } = message;
  const stored = await deps.store.get(incidentId);
  if (!stored) return { outcome: 'no_incident', incidentId, mark };
  if (settled(await deps.store.timeline(incidentId), mark)) return { outcome: 'already_written', incidentId, mark };
  const incident = stored.incident;
  const record = (kind: string, summary: string, detail: Record<string, unknown>) =>
    deps.store.appendEvents(incidentId, [
      {
        id: ulid(),
        at: deps.clock.now().toISOString(),
        kind,
        actor: `aitm-contain (write-back, invocation ${invocation.invocationId})`,
        summary,
        detail: { mark, target: deps.comments.name, ...detail },
      },
    ]);
  const target = deps.comments.target(incident.origin);
  if (target === undefined) {
    await record('write_back_skipped', `${deps.comments.name} comment (${MARK_WORDS[mark]}) not written: no source id`, {
      source: incident.source,
    });
    return { outcome: 'not_written', incidentId, mark };
  }
  const commentId = commentIdFor(incidentId, mark);
  try {
    const receipt = await deps.comments.comment(target, commentId, commentText(incident, mark, deps.consoleUrl));
    await record(
      'write_back_written',
      `${deps.comments.name} comment (${MARK_WORDS[mark]}) ${receipt.alreadyPresent ? 'was already there' : `written: ${receipt.status}`}`,
      { record: target, commentId, status: receipt.status, requestId: receipt.requestId, alreadyPresent: receipt.alreadyPresent },
    );
    return { outcome: 'written', incidentId, mark, receipt };
  } catch (error) {
    if (!(error instanceof UpstreamError)) throw error;
    if (error.transient && !invocation.finalAttempt) throw new WriteBackRetryError(error);
    const refused = error.status === 401 || error.status === 403;
    await record(
      'write_back_failed',
      `${deps.comments.name} comment (${MARK_WORDS[mark]}) failed: ${error.serviceName} ${error.status} ${error.code}${
        refused ? `; the app needs ${deps.comments.permission}` : ''
      }`,
      {
        record: target,
        commentId,
        service: error.service,
        status: error.status,
        code: error.code,
        requestId: error.requestId,
        message: error.message.slice(0, 300),
      },
    );
    return { outcome: 'failed', incidentId, mark };
  }
}

/**
 * Queues the comment for a mark, beside the phase that reached it. It never throws: a comment is never
 * worth failing containment, eradication or recovery for, so a queue that refuses is logged and recorded.
 */
export class QueuedWriteBack {
  constructor(
    private readonly queues: FollowUpQueues,
    private readonly log: (line: string) => void = (line) => console.error(line),
  ) {}

  async marked(incident: Pick<Incident, 'id'>, mark: WriteBackMark): Promise<void> {
    try {
      await this.queues.enqueue('write-back', { version: 1, incidentId: incident.id, mark });
    } catch (error) {
      this.log(
        JSON.stringify({
          event: 'write_back_unqueued',
          incidentId: incident.id,
          mark,
          message: `the ${mark} comment was not queued: ${error instanceof Error ? error.message.slice(0, 300) : 'unknown'}`,
        }),
      );
    }
  }
}

/** What the phases call at each mark; absent when WRITE_BACK is none. */
export type WriteBackHook = Pick<QueuedWriteBack, 'marked'>;
