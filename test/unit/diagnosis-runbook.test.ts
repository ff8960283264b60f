// The diagnose phase over tiny fakes of its ports: partial failure, the queue retry, the deferred mailbox
// audit, idempotent re-runs and the state it leaves the incident in. The real adapters are exercised
// end to end in test/integration/diagnosis.test.ts.
import { UpstreamError } from '../../shared/errors';
import { graphError } from '../../shared/graph/errors';
import type { Finding } from '../../shared/diagnosis/types';
import { DEFAULT_DIAGNOSE_TIMING, diagnoseIncident, DiagnosisRetryError, type DiagnoseDeps } from '../../shared/runbook/diagnose';
import type { Incident, IncidentState, StoredIncident, TimelineEvent } from '../../shared/runbook/incident';
import type {
  EnqueueOptions,
  EvidenceReader,
  FindingStore,
  FollowUpMessage,
  QueueMessages,
  QueueName,
  FollowUpQueues,
  Gathered,
  IncidentFilter,
  IncidentPage,
  IncidentStore,
  MailboxAuditQuery,
  StoredFinding,
} from '../../shared/runbook/ports';
import {
  ATTACKER_IP,
  audit,
  method,
  NOW,
  rule,
  storySignIns,
  T0,
  to,
  USER,
  newInboxRule,
  HOSTING_ASNS,
} from '../support/diagnosis-evidence';

const INCIDENT_ID = '01HZZZZZZZZZZZZZZZZZZZZZZZ';

function incident(state: IncidentState, extra: Partial<Incident> = {}): Incident {
  return {
    id: INCIDENT_ID,
    state,
    user: { upn: USER.upn, objectId: USER.id },
    userKey: USER.id,
    alertKey: 'manual:test',
    alertId: 'test',
    source: 'manual',
    severity: 'high',
    title: 'test',
    ips: [ATTACKER_IP],
    userAgents: [],
    mode: 'enforce',
    createdAt: NOW,
    updatedAt: NOW,
    t0: state === 'contained' || state === 'diagnosed' ? T0 : undefined,
    actions: [],
    alertRaw: '{}',
    ...extra,
  };
}

const message: FollowUpMessage = {
  version: 1,
  incidentId: INCIDENT_ID,
  userKey: USER.id,
  upn: USER.upn,
  alertKey: 'manual:test',
  ips: [ATTACKER_IP],
  userAgents: [],
  t0: T0,
};

class MemoryStore implements IncidentStore, FindingStore {
  current?: StoredIncident;
  events: TimelineEvent[] = [];
  rows = new Map<string, StoredFinding>();
  private version = 0;
  /** Answers `containing` this many times before the containment "settles". */
  stillContaining = 0;

  constructor(initial: Incident) {
    this.current = { incident: initial, etag: 'v0' };
  }

  async claimAlert(): Promise<never> {
    throw new Error('not used');
  }
  async reclaimAlert(): Promise<boolean> {
    return false;
  }
  async alertClaim(): Promise<never> {
    throw new Error('not used');
  }
  async pointAlert(): Promise<never> {
    throw new Error('not used');
  }
  async claimPerson(): Promise<never> {
    throw new Error('not used');
  }
  async linkPerson(): Promise<never> {
    throw new Error('not used');
  }
  async replacePerson(): Promise<never> {
    throw new Error('not used');
  }
  async reclaimPerson(): Promise<never> {
    throw new Error('not used');
  }
  async create(): Promise<never> {
    throw new Error('not used');
  }
  async update(next: Incident, etag: string, events: TimelineEvent[]): Promise<StoredIncident | undefined> {
    if (!this.current || this.current.etag !== etag) return undefined;
    this.current = { incident: next, etag: `v${++this.version}` };
    this.events.push(...events);
    return this.current;
  }
  async appendEvents(_id: string, events: TimelineEvent[]): Promise<void> {
    this.events.push(...events);
  }
  async get(): Promise<StoredIncident | undefined> {
    if (this.current && this.stillContaining > 0) {
      this.stillContaining--;
      return { incident: { ...this.current.incident, state: 'containing' }, etag: 'containing' };
    }
    return this.current;
  }
  async timeline(): Promise<TimelineEvent[]> {
    return this.events;
  }
  async list(_filter: IncidentFilter): Promise<IncidentPage> {
    return { incidents: [] };
  }
  async upsertFindings(_id: string, findings: readonly Finding[], observedAt: string): Promise<void> {
    for (const finding of findings)
      this.rows.set(`${finding.kind}|${finding.providerId}`, { ...finding, id: `${finding.kind}|${finding.providerId}`, observedAt });
  }
  async findings(): Promise<StoredFinding[]> {
    return [...this.rows.values()];
  }
}

class MemoryQueues implements FollowUpQueues {
  sent: Array<{ queue: QueueName; message: QueueMessages[QueueName]; options?: EnqueueOptions }> = [];
  async enqueue<Q extends QueueName>(queue: Q, sent: QueueMessages[Q], options?: EnqueueOptions): Promise<void> {
    this.sent.push({ queue, message: sent, options });
  }
}

function gathered<T>(items: T[]): Gathered<T> {
  return { items, truncated: false, via: 'fake' };
}

type Failures = Partial<Record<keyof EvidenceReader, UpstreamError>>;

/** The provider's objects, built once: the same ids on every read, as Graph's. */
const STORY = {
  signIns: storySignIns(),
  audits: [audit(150, 'User registered security info', { resultReason: 'User registered Mobile Phone SMS' })],
  mailbox: [newInboxRule(170, '.', ATTACKER_IP)],
  rules: [rule('.', { forwardTo: [to('leak0314@protonmail.example')] })],
  methods: [method('phoneAuthenticationMethod', { phoneNumber: '+1 5555550100' })],
};

/** Avery's story, source by source; `fail` makes a source throw, `queryStatuses` scripts the audit query. */
class StoryReader implements EvidenceReader {
  calls: string[] = [];
  queryStatuses: string[] = ['succeeded'];
  queriesStarted = 0;
  /** Queries Purview has dropped: reading them is a 404. */
  gone = new Set<string>();

  constructor(private readonly fail: Failures = {}) {}

  private track(name: keyof EvidenceReader): void {
    this.calls.push(name);
    const failure = this.fail[name];
    if (failure) throw failure;
  }

  async user() {
    this.track('user');
    return USER;
  }
  async signIns() {
    this.track('signIns');
    return gathered(STORY.signIns);
  }
  async directoryAudits() {
    this.track('directoryAudits');
    return gathered(STORY.audits);
  }
  async startMailboxAuditQuery(): Promise<MailboxAuditQuery> {
    this.track('startMailboxAuditQuery');
    this.queriesStarted++;
    return { id: `query-${this.queriesStarted}`, status: 'notStarted', truncated: false };
  }
  async mailboxAuditQuery(id: string): Promise<MailboxAuditQuery> {
    this.track('mailboxAuditQuery');
    if (this.gone.has(id)) throw graphError('The audit log query was not found.', 404, 'ResourceNotFound');
    const status = this.queryStatuses.length > 1 ? (this.queryStatuses.shift() as string) : this.queryStatuses[0];
    return { id, status, truncated: false };
  }
  async mailboxAuditRecords() {
    this.track('mailboxAuditRecords');
    return gathered(STORY.mailbox);
  }
  async inboxRules() {
    this.track('inboxRules');
    return gathered(STORY.rules);
  }
  async folderNames() {
    this.track('folderNames');
    return new Map<string, string>();
  }
  async sentMessages() {
    this.track('sentMessages');
    return new Map();
  }
  async oauthGrants() {
    this.track('oauthGrants');
    return gathered([]);
  }
  async appRoleAssignments() {
    this.track('appRoleAssignments');
    return gathered([]);
  }
  async authenticationMethods() {
    this.track('authenticationMethods');
    return gathered(STORY.methods);
  }
  async devices() {
    this.track('devices');
    return [];
  }
}

function deps(reader: EvidenceReader, store: MemoryStore, queues = new MemoryQueues(), timing = {}): DiagnoseDeps {
  return {
    reader,
    store,
    findings: store,
    queues,
    clock: { now: () => new Date(NOW) },
    settings: { hostingAsns: HOSTING_ASNS, internalDomains: [] },
    timing: { ...DEFAULT_DIAGNOSE_TIMING, auditPollMs: [0], auditWaitMs: 50, settleWaitMs: 1_000, settlePollMs: 1, ...timing },
    sleep: async () => undefined,
  };
}

const forbidden = () => graphError('Insufficient privileges to complete the operation.', 403, 'Authorization_RequestDenied', 'req-403');
const unavailable = () => graphError('The service is temporarily unavailable.', 503, 'ServiceUnavailable', 'req-503');

describe('diagnoseIncident', () => {
  it('a complete pack moves a contained incident to diagnosed, with its findings and one event', async () => {
    const store = new MemoryStore(incident('contained'));
    const result = await diagnoseIncident(message, deps(new StoryReader(), store), 'inv-1');
    expect(result).toMatchObject({ outcome: 'complete', state: 'diagnosed' });
    expect(store.current?.incident.diagnosis).toMatchObject({
      status: 'complete',
      runs: 1,
      containmentHeld: true,
      counts: { suspicious: 4 },
    });
    expect(
      [...store.rows.values()]
        .filter((f) => f.verdict === 'suspicious')
        .map((f) => f.kind)
        .sort(),
    ).toEqual(['authentication_method', 'inbox_rule', 'sign_in', 'sign_in']);
    expect(store.events.map((e) => e.kind)).toEqual(['diagnosed']);
  });

  it.each<IncidentState>(['awaiting_approval', 'skipped_protected', 'partially_contained', 'failed'])(
    'a %s incident gets its pack and keeps its state',
    async (state) => {
      const store = new MemoryStore(incident(state));
      const result = await diagnoseIncident({ ...message, t0: undefined }, deps(new StoryReader(), store), 'inv-1');
      expect(result.state).toBe(state);
      expect(store.current?.incident.diagnosis?.status).toBe('complete');
      expect(store.current?.incident.diagnosis?.window.endsAt).toBe('diagnosis');
      expect(store.events.map((e) => e.kind)).toEqual(['diagnosis_completed']);
      expect(store.events[0].summary).toContain(`(state stays ${state})`);
    },
  );

  it('a 403 source is recorded unavailable with the permission it needs, and the rest still lands', async () => {
    const store = new MemoryStore(incident('contained'));
    const result = await diagnoseIncident(message, deps(new StoryReader({ authenticationMethods: forbidden() }), store), 'inv-1');
    expect(result.outcome).toBe('complete');
    const record = store.current!.incident.diagnosis!;
    expect(record.sources.authenticationMethods).toMatchObject({
      status: 'unavailable',
      httpStatus: 403,
      requestId: 'req-403',
      detail: 'unavailable: missing permission UserAuthenticationMethod.Read.All (Graph 403 Authorization_RequestDenied)',
    });
    expect(record.sources.inboxRules?.status).toBe('complete');
    expect([...store.rows.values()].some((f) => f.kind === 'inbox_rule' && f.verdict === 'suspicious')).toBe(true);
    expect([...store.rows.values()].some((f) => f.kind === 'authentication_method')).toBe(false);
    expect(record.summary).toContain(
      'Incomplete: authentication methods unavailable: missing permission UserAuthenticationMethod.Read.All',
    );
  });

  it('a transient failure records what landed, then throws so the queue retries; the retry completes it', async () => {
    const store = new MemoryStore(incident('contained'));
    await expect(diagnoseIncident(message, deps(new StoryReader({ oauthGrants: unavailable() }), store), 'inv-1')).rejects.toThrow(
      DiagnosisRetryError,
    );
    expect(store.current?.incident.state).toBe('contained');
    expect(store.current?.incident.diagnosis).toMatchObject({
      status: 'in_progress',
      sources: { oauthGrants: { status: 'failed', transient: true, httpStatus: 503 } },
    });
    const firstRows = store.rows.size;
    expect(firstRows).toBeGreaterThan(0);
    expect(store.events.map((e) => e.kind)).toEqual(['diagnosis_partial']);

    const retried = await diagnoseIncident(message, deps(new StoryReader(), store), 'inv-2');
    expect(retried.state).toBe('diagnosed');
    expect(store.current?.incident.diagnosis).toMatchObject({ status: 'complete', runs: 2 });
    expect(store.rows.size).toBe(firstRows);
  });

  it('re-running a complete diagnosis upserts the same rows', async () => {
    const store = new MemoryStore(incident('contained'));
    await diagnoseIncident(message, deps(new StoryReader(), store), 'inv-1');
    const keys = [...store.rows.keys()].sort();
    await diagnoseIncident(message, deps(new StoryReader(), store), 'inv-2');
    expect([...store.rows.keys()].sort()).toEqual(keys);
    expect(store.current?.incident).toMatchObject({ state: 'diagnosed', diagnosis: { runs: 2 } });
  });

  it('a mailbox audit query still running is deferred: the pack says pending, a delayed message looks again with the same query', async () => {
    const store = new MemoryStore(incident('contained'));
    const queues = new MemoryQueues();
    const reader = new StoryReader();
    reader.queryStatuses = ['running'];
    const first = await diagnoseIncident(message, deps(reader, store, queues), 'inv-1');
    expect(first.outcome).toBe('deferred');
    expect(store.current?.incident.state).toBe('contained');
    expect(store.current?.incident.diagnosis).toMatchObject({
      status: 'in_progress',
      sources: { mailboxAudit: { status: 'pending' } },
      mailboxAuditQuery: { id: 'query-1', deferrals: 1 },
    });
    expect(queues.sent).toEqual([{ queue: 'diagnose', message, options: { delaySeconds: DEFAULT_DIAGNOSE_TIMING.deferSeconds } }]);
    expect(store.events.map((e) => e.kind)).toEqual(['diagnosis_deferred']);

    reader.queryStatuses = ['succeeded'];
    const second = await diagnoseIncident(message, deps(reader, store, queues), 'inv-2');
    expect(second.outcome).toBe('complete');
    expect(reader.queriesStarted).toBe(1);
    expect(store.current?.incident).toMatchObject({
      state: 'diagnosed',
      diagnosis: { sources: { mailboxAudit: { status: 'complete', items: 1 } } },
    });
    // The complete pack queues the hunt's second pass (its pivots); the deferred run did not.
    expect(queues.sent.map((sent) => sent.queue)).toEqual(['diagnose', 'hunt']);
  });

  it('gives the mailbox audit up after the last deferral, and completes the pack without it', async () => {
    const store = new MemoryStore(incident('contained'));
    const reader = new StoryReader();
    reader.queryStatuses = ['running'];
    const timing = { maxDeferrals: 1 };
    await diagnoseIncident(message, deps(reader, store, new MemoryQueues(), timing), 'inv-1');
    const last = await diagnoseIncident(message, deps(reader, store, new MemoryQueues(), timing), 'inv-2');
    expect(last.outcome).toBe('complete');
    expect(store.current?.incident.diagnosis?.sources.mailboxAudit).toMatchObject({ status: 'failed', transient: false });
    expect(store.current?.incident.diagnosis?.sources.mailboxAudit?.detail).toMatch(
      /^failed: the audit query query-1 was still running after \d+ min; read it later by its id$/,
    );
    expect(store.current?.incident.state).toBe('diagnosed');
  });

  it('a pending query Purview no longer has is started afresh in the same run', async () => {
    const store = new MemoryStore(incident('contained'));
    const reader = new StoryReader();
    reader.queryStatuses = ['running'];
    await diagnoseIncident(message, deps(reader, store), 'inv-1');
    reader.gone.add('query-1');
    reader.queryStatuses = ['succeeded'];
    const second = await diagnoseIncident(message, deps(reader, store), 'inv-2');
    expect(second.outcome).toBe('complete');
    expect(reader.queriesStarted).toBe(2);
    expect(store.current?.incident.diagnosis).toMatchObject({
      sources: { mailboxAudit: { status: 'complete' } },
      mailboxAuditQuery: { id: 'query-2', deferrals: 0 },
    });
  });

  it('a failed audit query is transient: the retry starts a new one', async () => {
    const store = new MemoryStore(incident('contained'));
    const reader = new StoryReader();
    reader.queryStatuses = ['failed'];
    await expect(diagnoseIncident(message, deps(reader, store), 'inv-1')).rejects.toThrow(DiagnosisRetryError);
    reader.queryStatuses = ['succeeded'];
    await diagnoseIncident(message, deps(reader, store), 'inv-2');
    expect(reader.queriesStarted).toBe(2);
  });

  it('waits for a containment still being recorded, then records', async () => {
    const store = new MemoryStore(incident('contained'));
    store.stillContaining = 3;
    const result = await diagnoseIncident(message, deps(new StoryReader(), store), 'inv-1');
    expect(result.state).toBe('diagnosed');
  });

  it('CONTAINMENT_MODE=off holds diagnosis: nothing is read', async () => {
    const store = new MemoryStore(incident('awaiting_approval', { mode: 'off' }));
    const reader = new StoryReader();
    const result = await diagnoseIncident(message, deps(reader, store), 'inv-1');
    expect(result.outcome).toBe('held');
    expect(reader.calls).toEqual([]);
    expect(store.events.map((e) => e.kind)).toEqual(['diagnosis_held']);
  });

  it('a user the directory cannot read is diagnosed with what the incident knows', async () => {
    const store = new MemoryStore(incident('contained'));
    const result = await diagnoseIncident(message, deps(new StoryReader({ user: forbidden() }), store), 'inv-1');
    expect(result.outcome).toBe('complete');
    expect(store.current?.incident.diagnosis?.summary).toMatch(/^avery\.chen@wingtip-lab\.example's session was used/);
  });
});
