// The blast-radius limit as BLAST_RADIUS_MAX slots over a sliding window, with no hot row and no retry
// storm. Storage-neutral: shared/store/table-blast-radius.ts is the Table Storage side.
//
// The rule. There are MAX slots. A slot holds the last automatic containment granted on it: the holder
// (the incident) and when. A slot is free only when its grant is more than W old, so two grants on one
// slot are more than W apart, and any span of length W (there are no window boundaries) holds at most
// one grant per slot, MAX in all. The fixed window per clock quarter-hour it replaces allowed MAX at the
// end of one window and MAX more right after it.
//
// Why exact across instances. The truth is rows, written only by conditional writes in one transaction
// (all or nothing): a grant replaces a slot row read as free under its ETag (or inserts a slot never
// used), and inserts a holder row for the incident (or replaces the incident's own expired one). Two
// instances that pick the same slot cannot both commit, nor can two that grant the same incident: the
// loser re-reads and decides again. When a slot passes to a new holder, its old holder's row is deleted
// afterwards if unchanged (it no longer means anything), so the rows stay about 2 x MAX. Nothing is
// counted or decremented.
//
// Why no hot row and no retry storm. Within an instance, acquisitions are coalesced: one transaction at
// a time grants a slot to everyone who asked meanwhile (up to 33 grants: an entity group transaction
// holds 100 operations, a grant takes up to 3), so 100 concurrent alerts on one instance cost two or
// three round trips, not 100 callers racing for one ETag. The instance remembers the rows it last read
// or wrote: a grant normally needs no read first, and a refusal needs no storage at all, because what is
// remembered can only be older than the truth (a grant's time only moves forward), so a slot remembered
// as live is live. A remembered row another instance has since changed makes the transaction fail
// (412/409/404) and that instance re-reads, once per transaction, not once per alert. Each instance
// starts its search at its own offset, so two instances rarely pick the same free slot.
//
// Idempotence. The holder is the incident: a retry, redelivery or takeover of an incident that holds a
// live slot gets that slot back, never a second one, on whichever instance it runs (the holder row).
//
// Slow storage, failures, dying. Every storage call has the storage deadline. No slot, no automatic
// containment: a failed read or write answers an error and the caller holds the incident (fail closed).
// A write that failed ambiguously (a timeout: it may have committed) is followed by a fresh read: if the
// holders are there, it did commit and they are granted; if that read fails too, they are refused, and a
// slot committed unseen is spent, not leaked: like the slot of a process that died after claiming it, it
// counts until W after its grant and then frees itself (never granted twice, never held forever).
// Times are the callers' clocks (the latest request time of a transaction, stamped on its rows); across
// instances a span is measured to within their clock skew (NTP: milliseconds).
import { randomInt } from 'node:crypto';
import { StorageError } from '../errors';
import type { BlastRadiusLimiter, BlastRadiusSlot } from '../runbook/ports';

/** A slot row (`kind: 'slot'`, keyed by index) or a holder row (keyed by holder, naming its slot), with its ETag. */
export interface SlotRow {
  kind: 'slot' | 'holder';
  index: number;
  holder: string;
  /** Epoch ms. */
  grantedAt: number;
  etag: string;
}

export type SlotRowKey = Pick<SlotRow, 'kind' | 'index' | 'holder'>;

/** One write of a transaction: insert (fails if the row exists) or replace under the ETag read. */
export type SlotWrite = { op: 'insert'; row: Omit<SlotRow, 'etag'> } | { op: 'replace'; row: Omit<SlotRow, 'etag'>; etag: string };

/** Another writer changed a row the transaction was based on: read again. */
export class SlotConflict extends Error {
  override readonly name = 'SlotConflict';
}

export interface SlotStore {
  read(): Promise<SlotRow[]>;
  /**
   * All or nothing, in one transaction. Resolves to each write's new ETag in order (undefined for a
   * delete, or when the store did not say); throws SlotConflict when any row moved on, another error when
   * it failed.
   */
  commit(writes: readonly SlotWrite[]): Promise<Array<string | undefined>>;
  /** Deletes a holder row if it is still as read (ETag); tidying only, so a failure changes nothing. */
  discard(row: SlotRow): Promise<void>;
}

export interface SlotRule {
  max: number;
  windowMs: number;
}

/** An entity group transaction holds at most 100 operations; a grant takes up to 3. */
export const MAX_GRANTS_PER_TRANSACTION = 33;

/** Whether a grant still counts at `now`: granted no more than W ago (or stamped by a clock ahead of ours). */
export function isLive(grantedAt: number, now: number, windowMs: number): boolean {
  return now - grantedAt <= windowMs;
}

/** The rows as known: slots by index, holder rows by holder. */
export interface SlotState {
  slots: Map<number, SlotRow>;
  holders: Map<string, SlotRow>;
}

export function stateOf(rows: readonly SlotRow[]): SlotState {
  const state: SlotState = { slots: new Map(), holders: new Map() };
  for (const row of rows) {
    if (row.kind === 'slot') state.slots.set(row.index, row);
    else state.holders.set(row.holder, row);
  }
  return state;
}

export interface SlotPlan {
  /** Holders that already hold a live slot: granted with no write. */
  held: Set<string>;
  /** Holders granted by this plan's writes. */
  granted: Set<string>;
  writes: SlotWrite[];
  /** Rows of holders whose slot the writes give to someone else: deleted once they commit. */
  displaced: SlotRow[];
  denied: string[];
  /** Past the transaction's size: for the next transaction. */
  deferred: string[];
  /** Live grants once the writes are committed. */
  live: number;
  /** When the earliest live grant stops counting (epoch ms), if any. */
  nextFreeAt?: number;
}

/** The slot a holder row points to, when that slot is still the holder's. */
function ownSlot(state: SlotState, holder: string): SlotRow | undefined {
  const own = state.holders.get(holder);
  const slot = own === undefined ? undefined : state.slots.get(own.index);
  return slot?.holder === holder ? slot : undefined;
}

export interface PlanOptions {
  /** Where the search for a free slot starts. */
  offset?: number;
  /** Most grants in one transaction. */
  cap?: number;
}

/**
 * Decides, from the rows as known, who gets a slot at `now`: holders that hold a live one keep it, then
 * free slots go to the others in order (a holder's own expired slot first, else searched from `offset`),
 * while fewer than MAX grants are live.
 */
export function planGrants(state: SlotState, holders: readonly string[], now: number, rule: SlotRule, options: PlanOptions = {}): SlotPlan {
  const { offset = 0, cap = MAX_GRANTS_PER_TRANSACTION } = options;
  const live = [...state.slots.values()].filter((slot) => isLive(slot.grantedAt, now, rule.windowMs));
  const asking = new Set(holders);
  const taken = new Set<number>();
  // The free slots searched from `offset`, only as many as could be granted: MAX may be large (a lab
  // lets everything through with a million), and a plan must not cost O(MAX).
  const wanted = Math.min(asking.size, cap);
  const free: number[] = [];
  for (let step = 0; step < rule.max && free.length < wanted + state.slots.size; step++) {
    const index = (offset + step) % rule.max;
    const slot = state.slots.get(index);
    if (slot === undefined || !isLive(slot.grantedAt, now, rule.windowMs)) free.push(index);
  }
  // Slots past MAX (left by a larger MAX before) still count while live.
  let room = Math.max(0, rule.max - live.length);
  const plan: SlotPlan = {
    held: new Set(),
    granted: new Set(),
    writes: [],
    displaced: [],
    denied: [],
    deferred: [],
    live: live.length,
  };
  for (const holder of asking) {
    const own = ownSlot(state, holder);
    if (own !== undefined && isLive(own.grantedAt, now, rule.windowMs)) plan.held.add(holder);
    else if (room <= 0) plan.denied.push(holder);
    else if (plan.granted.size >= cap) plan.deferred.push(holder);
    else {
      const reusable = own !== undefined && own.index < rule.max && !taken.has(own.index);
      const index = reusable ? own.index : free.find((i) => !taken.has(i) && !isOwnedElsewhere(i));
      if (index === undefined) {
        plan.denied.push(holder);
        continue;
      }
      taken.add(index);
      const { writes, displaced } = grantWrites(state, index, holder, now);
      plan.writes.push(...writes);
      if (displaced !== undefined) plan.displaced.push(displaced);
      plan.granted.add(holder);
      room--;
    }
  }
  plan.live += plan.granted.size;
  if (live.length > 0) plan.nextFreeAt = live.reduce((earliest, slot) => Math.min(earliest, slot.grantedAt), Infinity) + rule.windowMs + 1;
  return plan;

  /** A free slot whose holder is also asking now keeps it for them. */
  function isOwnedElsewhere(index: number): boolean {
    const holder = state.slots.get(index)?.holder;
    return holder !== undefined && asking.has(holder) && ownSlot(state, holder)?.index === index;
  }
}

/**
 * The writes granting slot `index` to `holder`: the slot row and the holder's row, and the row of the
 * slot's previous holder, to delete once they commit (a holder row naming a slot no longer its own means
 * nothing, so it may linger if that delete fails).
 */
function grantWrites(state: SlotState, index: number, holder: string, now: number): { writes: SlotWrite[]; displaced?: SlotRow } {
  const grant = { index, holder, grantedAt: now };
  const slot = state.slots.get(index);
  const own = state.holders.get(holder);
  const writes: SlotWrite[] = [
    slot === undefined
      ? { op: 'insert', row: { kind: 'slot', ...grant } }
      : { op: 'replace', row: { kind: 'slot', ...grant }, etag: slot.etag },
    own === undefined
      ? { op: 'insert', row: { kind: 'holder', ...grant } }
      : { op: 'replace', row: { kind: 'holder', ...grant }, etag: own.etag },
  ];
  const previous = slot === undefined || slot.holder === holder ? undefined : state.holders.get(slot.holder);
  return { writes, displaced: previous !== undefined && previous.index === index ? previous : undefined };
}

interface Waiter {
  at: number;
  holder: string;
  resolve(slot: BlastRadiusSlot): void;
  reject(error: Error): void;
}

/** Read-and-commit rounds per transaction before giving up (each lost round means another writer won one). */
const MAX_ATTEMPTS = 16;

export class SlotLimiter implements BlastRadiusLimiter {
  /** The rows as this instance last read or wrote them; undefined: read before deciding. */
  private state?: SlotState;
  private waiting: Waiter[] = [];
  private draining = false;

  constructor(
    private readonly store: SlotStore,
    readonly rule: SlotRule,
    /** Where this instance starts looking for a free slot; random so instances spread out. */
    private readonly offset: number = randomInt(rule.max),
  ) {}

  /** Reads the rows now (at start), so the first acquisition commits without reading first. */
  async prepare(): Promise<void> {
    if (this.state !== undefined) return;
    const rows = await this.store.read();
    // A transaction may have run meanwhile: what it remembered is newer than this read.
    this.state ??= stateOf(rows);
  }

  acquire(at: Date, holder: string): Promise<BlastRadiusSlot> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ at: at.getTime(), holder, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  /** One transaction at a time; whoever asked while one ran goes in the next. Never rejects. */
  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0);
        const deferred = await this.settle(batch).catch((error: unknown) => {
          const failure = error instanceof Error ? error : new StorageError('the blast-radius slots failed');
          for (const waiter of batch) waiter.reject(failure);
          return [];
        });
        this.waiting.unshift(...deferred);
      }
    } finally {
      this.draining = false;
    }
  }

  /** Answers the batch (or throws for all of it); returns the waiters deferred to the next transaction. */
  private async settle(batch: readonly Waiter[]): Promise<Waiter[]> {
    const now = Math.max(...batch.map((waiter) => waiter.at));
    const holders = batch.map((waiter) => waiter.holder);
    let failures = 0;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      this.state ??= stateOf(await this.store.read());
      const state = this.state;
      const plan = planGrants(state, holders, now, this.rule, { offset: this.offset });
      if (plan.writes.length > 0) {
        try {
          const etags = await this.store.commit(plan.writes);
          plan.writes.forEach((write, i) => remember(state, write, etags[i]));
          for (const row of plan.displaced) this.discard(row);
        } catch (error) {
          this.state = undefined;
          if (error instanceof SlotConflict) continue;
          // It may have committed: the read that follows says whether, and a second failure refuses.
          if (++failures > 1) throw error;
          continue;
        }
      }
      return this.answer(batch, plan, now);
    }
    throw new StorageError(`the blast-radius slots stayed contended for ${MAX_ATTEMPTS} attempts`);
  }

  /** Off the critical path: the answer does not wait for it, and a failure leaves a row that means nothing. */
  private discard(row: SlotRow): void {
    void this.store.discard(row).then(
      () => {
        if (this.state?.holders.get(row.holder)?.etag === row.etag) this.state.holders.delete(row.holder);
      },
      () => undefined,
    );
  }

  private answer(batch: readonly Waiter[], plan: SlotPlan, now: number): Waiter[] {
    const base = { window: new Date(now - this.rule.windowMs).toISOString(), count: plan.live, max: this.rule.max };
    const deferred = new Set(plan.deferred);
    const later: Waiter[] = [];
    for (const waiter of batch) {
      if (deferred.has(waiter.holder)) later.push(waiter);
      else if (plan.held.has(waiter.holder) || plan.granted.has(waiter.holder)) waiter.resolve({ granted: true, ...base });
      else {
        const nextFreeAt = plan.nextFreeAt === undefined ? undefined : new Date(plan.nextFreeAt).toISOString();
        waiter.resolve({ granted: false, ...base, nextFreeAt });
      }
    }
    return later;
  }
}

/** Applies a committed write to what the instance knows; a row whose new ETag is unknown is forgotten (read next time). */
function remember(state: SlotState, write: SlotWrite, etag: string | undefined): void {
  const row = etag === undefined ? undefined : { ...write.row, etag };
  if (write.row.kind === 'slot') {
    if (row === undefined) state.slots.delete(write.row.index);
    else state.slots.set(write.row.index, row);
  } else if (row === undefined) state.holders.delete(write.row.holder);
  else state.holders.set(write.row.holder, row);
}
