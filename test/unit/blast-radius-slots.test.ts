// The blast-radius slots over a sliding window, with an injected clock (each request's time) and an
// in-memory store with the same conditional-write semantics as Table Storage (ETag replace, insert that
// fails on an existing row, all-or-nothing transactions). fast-check drives the order in which two
// instances' reads and transactions reach that store. Properties: no span of length W ever holds more
// than MAX grants (window boundaries included), a refusal only when MAX grants are live, one slot per
// holder, and 100 concurrent requests on one instance cost a handful of transactions.
import fc from 'fast-check';
import {
  planGrants,
  SlotConflict,
  SlotLimiter,
  stateOf,
  type SlotRow,
  type SlotStore,
  type SlotWrite,
} from '../../shared/store/blast-radius-slots';

const MINUTE = 60_000;

interface Grant {
  holder: string;
  at: number;
}

/** Table Storage as the limiter sees it: rows with ETags, conditional writes, all-or-nothing transactions. */
class MemorySlots implements SlotStore {
  rows = new Map<string, SlotRow>();
  grants: Grant[] = [];
  reads = 0;
  transactions = 0;
  private version = 0;
  /** Each call waits for this before touching the rows (a fast-check scheduler, or nothing). */
  gate: (label: string) => Promise<unknown> = () => Promise.resolve();
  /** Fails the next calls of a kind; `commit` applies the transaction, then fails (a timeout after the write). */
  faults: Array<'read' | 'claim' | 'commit'> = [];

  async read(): Promise<SlotRow[]> {
    await this.gate('read');
    this.reads++;
    if (this.faults[0] === 'read') {
      this.faults.shift();
      throw new Error('storage unreachable');
    }
    return [...this.rows.values()].map((row) => ({ ...row }));
  }

  async commit(writes: readonly SlotWrite[]): Promise<Array<string | undefined>> {
    await this.gate('claim');
    this.transactions++;
    if (this.faults[0] === 'claim') {
      this.faults.shift();
      throw new Error('storage unreachable');
    }
    const next = new Map(this.rows);
    const etags = writes.map((write) => {
      const key = keyOf(write.row);
      const row = next.get(key);
      if (write.op === 'insert' ? row !== undefined : row?.etag !== write.etag) throw new SlotConflict('moved on');
      const etag = `v${++this.version}`;
      next.set(key, { ...write.row, etag });
      return etag;
    });
    expect(new Set(writes.map((write) => keyOf(write.row))).size).toBe(writes.length);
    this.rows = next;
    for (const write of writes) if (write.row.kind === 'slot') this.grants.push({ holder: write.row.holder, at: write.row.grantedAt });
    // The invariant the rows keep: each slot's holder has a row naming that slot.
    const slots = [...next.values()].filter((row) => row.kind === 'slot');
    for (const slot of slots) expect(next.get(keyOf({ kind: 'holder', index: 0, holder: slot.holder }))?.index).toBe(slot.index);
    if (this.faults[0] === 'commit') {
      this.faults.shift();
      throw new Error('timed out');
    }
    return etags;
  }

  async discard(row: SlotRow): Promise<void> {
    await this.gate('discard');
    const key = keyOf(row);
    if (this.rows.get(key)?.etag !== row.etag) throw new SlotConflict('moved on');
    this.rows.delete(key);
  }
}

function keyOf(row: Pick<SlotRow, 'kind' | 'index' | 'holder'>): string {
  return row.kind === 'slot' ? `slot-${row.index}` : `holder-${row.holder}`;
}

/** The most grants in any closed span of length `windowMs`. */
function busiestSpan(grants: readonly Grant[], windowMs: number): number {
  const times = grants.map((grant) => grant.at).sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i] - times[j] > windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe('planGrants', () => {
  const rule = { max: 3, windowMs: 15 * MINUTE };
  /** A slot granted to `holder` at `grantedAt`, with the holder row naming it. */
  const granted = (index: number, holder: string, grantedAt: number): SlotRow[] => [
    { kind: 'slot', index, holder, grantedAt, etag: `s${index}` },
    { kind: 'holder', index, holder, grantedAt, etag: `h${holder}` },
  ];

  it('a grant counts for exactly W: taken at W, free a millisecond later, then replaced under its ETag, its old holder row to delete', () => {
    const state = stateOf([0, 1, 2].flatMap((index) => granted(index, `h${index}`, 1_000 + index)));
    expect(planGrants(state, ['new'], 1_000 + rule.windowMs, rule).denied).toEqual(['new']);
    const plan = planGrants(state, ['new'], 1_001 + rule.windowMs, rule);
    const grantedAt = 1_001 + rule.windowMs;
    expect(plan.writes).toEqual([
      { op: 'replace', row: { kind: 'slot', index: 0, holder: 'new', grantedAt }, etag: 's0' },
      { op: 'insert', row: { kind: 'holder', index: 0, holder: 'new', grantedAt } },
    ]);
    expect(plan.displaced).toEqual([{ kind: 'holder', index: 0, holder: 'h0', grantedAt: 1_000, etag: 'hh0' }]);
  });

  it('a holder with a live slot keeps it; asked twice, one grant; slots past MAX still count; an expired holder gets its own slot back', () => {
    const state = stateOf([...granted(0, 'a', 0), ...granted(7, 'old-max', 0), ...granted(2, 'late', -rule.windowMs)]);
    const plan = planGrants(state, ['a', 'late', 'b', 'b'], 10, rule, { offset: 1 });
    expect([...plan.held]).toEqual(['a']);
    expect([...plan.granted]).toEqual(['late']);
    expect(plan.writes.map((write) => write.op)).toEqual(['replace', 'replace']);
    expect(plan.writes[0].row).toMatchObject({ kind: 'slot', index: 2 });
    expect(plan.denied).toEqual(['b']);
    expect(plan.live).toBe(3);
    expect(plan.nextFreeAt).toBe(rule.windowMs + 1);
  });

  it('costs what is asked and known, not MAX: with MAX at 2^40 a plan wraps past the end and skips live slots', () => {
    const huge = { max: 2 ** 40, windowMs: rule.windowMs };
    const last = huge.max - 1;
    const state = stateOf([...granted(last, 'a', 0), ...granted(0, 'b', 0)]);
    const plan = planGrants(state, ['c', 'd', 'a'], 10, huge, { offset: last });
    expect([...plan.held]).toEqual(['a']);
    expect(plan.writes.filter((write) => write.row.kind === 'slot').map((write) => [write.row.holder, write.row.index])).toEqual([
      ['c', 1],
      ['d', 2],
    ]);
    expect(plan.live).toBe(4);
  });
});

describe('SlotLimiter', () => {
  const W = 15 * MINUTE;

  it('MAX grants at the end of a clock quarter-hour, then a request just after it is refused; W after the grants it is granted', async () => {
    const store = new MemorySlots();
    const limiter = new SlotLimiter(store, { max: 10, windowMs: W }, 0);
    const boundary = Date.parse('2026-12-02T02:00:00.000Z');
    const before = await Promise.all(Array.from({ length: 10 }, (_, i) => limiter.acquire(new Date(boundary - 1), `incident-${i}`)));
    expect(before.every((slot) => slot.granted)).toBe(true);
    const after = await limiter.acquire(new Date(boundary + 1), 'incident-10');
    expect(after).toMatchObject({ granted: false, count: 10, max: 10, nextFreeAt: new Date(boundary - 1 + W + 1).toISOString() });
    expect(await limiter.acquire(new Date(boundary - 1 + W + 1), 'incident-10')).toMatchObject({ granted: true });
    expect(busiestSpan(store.grants, W)).toBe(10);
  });

  it('prepared at start, the first acquisition commits without reading; a prepare after a transaction keeps what it wrote', async () => {
    const store = new MemorySlots();
    const limiter = new SlotLimiter(store, { max: 10, windowMs: W }, 0);
    await limiter.prepare();
    expect([store.reads, store.transactions]).toEqual([1, 0]);
    expect(await limiter.acquire(new Date('2026-12-02T02:07:00Z'), 'incident-0')).toMatchObject({ granted: true });
    expect([store.reads, store.transactions]).toEqual([1, 1]);
    await limiter.prepare();
    expect(await limiter.acquire(new Date('2026-12-02T02:07:01Z'), 'incident-1')).toMatchObject({ granted: true, count: 2 });
    expect([store.reads, store.transactions]).toEqual([1, 2]);
  });

  it('coalesces: 100 concurrent requests on one instance are answered in a few transactions, exactly MAX granted', async () => {
    const store = new MemorySlots();
    const limiter = new SlotLimiter(store, { max: 10, windowMs: W });
    const at = new Date('2026-12-02T02:07:00Z');
    const slots = await Promise.all(Array.from({ length: 100 }, (_, i) => limiter.acquire(at, `incident-${i}`)));
    expect(slots.filter((slot) => slot.granted)).toHaveLength(10);
    expect(store.grants).toHaveLength(10);
    expect(store.transactions).toBeLessThanOrEqual(2);
    expect(store.reads).toBe(1);
    // Full: the next refusals need no storage at all.
    expect(await limiter.acquire(at, 'incident-100')).toMatchObject({ granted: false });
    expect(store.reads + store.transactions).toBeLessThanOrEqual(3);
  });

  it('coalesces when all are granted too: 100 concurrent requests, MAX 100, in at most 33 grants per transaction', async () => {
    const store = new MemorySlots();
    const limiter = new SlotLimiter(store, { max: 100, windowMs: W });
    const at = new Date('2026-12-02T02:07:00Z');
    const slots = await Promise.all(Array.from({ length: 100 }, (_, i) => limiter.acquire(at, `incident-${i}`)));
    expect(slots.every((slot) => slot.granted)).toBe(true);
    expect(store.grants).toHaveLength(100);
    expect(store.reads).toBe(1);
    expect(store.transactions).toBeLessThanOrEqual(5);
  });

  it('fails closed: a read that fails refuses everyone waiting, with an error and no grant', async () => {
    const store = new MemorySlots();
    store.faults = ['read', 'read'];
    const limiter = new SlotLimiter(store, { max: 10, windowMs: W });
    const at = new Date('2026-12-02T02:07:00Z');
    const answers = await Promise.allSettled([limiter.acquire(at, 'a'), limiter.acquire(at, 'b')]);
    expect(answers.map((answer) => answer.status)).toEqual(['rejected', 'rejected']);
    expect(store.grants).toEqual([]);
    // Storage back: the next request reads again.
    expect(await limiter.acquire(at, 'c')).toMatchObject({ granted: true });
  });

  it('a transaction that committed but answered an error is recognised on the next read: granted once, no second slot', async () => {
    const store = new MemorySlots();
    store.faults = ['commit'];
    const limiter = new SlotLimiter(store, { max: 10, windowMs: W });
    const at = new Date('2026-12-02T02:07:00Z');
    expect(await limiter.acquire(at, 'a')).toMatchObject({ granted: true, count: 1 });
    expect(store.grants).toEqual([{ holder: 'a', at: at.getTime() }]);
  });

  it('a slot committed unseen (the write and then the read failed) is spent for one window, not leaked and not granted twice', async () => {
    const store = new MemorySlots();
    const limiter = new SlotLimiter(store, { max: 1, windowMs: W });
    const at = Date.parse('2026-12-02T02:07:00Z');
    store.faults = ['commit', 'read'];
    await expect(limiter.acquire(new Date(at), 'lost')).rejects.toThrow();
    expect(store.grants).toHaveLength(1);
    expect(await limiter.acquire(new Date(at + W), 'b')).toMatchObject({ granted: false, count: 1 });
    // The holder that died holding it, retried (a takeover), is given its slot back, not another.
    expect(await limiter.acquire(new Date(at + W), 'lost')).toMatchObject({ granted: true, count: 1 });
    expect(await limiter.acquire(new Date(at + W + 1), 'b')).toMatchObject({ granted: true });
    expect(store.grants).toHaveLength(2);
  });

  it('two transaction failures in a row refuse (fail closed) rather than retry without end', async () => {
    const store = new MemorySlots();
    store.faults = ['claim', 'claim'];
    const limiter = new SlotLimiter(store, { max: 10, windowMs: W });
    await expect(limiter.acquire(new Date(), 'a')).rejects.toThrow('storage unreachable');
    expect(store.grants).toEqual([]);
  });
});

describe('properties', () => {
  const W = 10 * MINUTE;

  /** Bursts of requests: each at a time (ms after the previous burst), from one of two instances, for holders of a small pool. */
  const bursts = fc.array(
    fc.record({
      gap: fc.oneof(fc.integer({ min: 0, max: 2 * W }), fc.constantFrom(0, 1, W - 1, W, W + 1)),
      requests: fc.array(fc.record({ instance: fc.constantFrom(0, 1), holder: fc.integer({ min: 0, max: 40 }) }), {
        minLength: 1,
        maxLength: 25,
      }),
    }),
    { minLength: 1, maxLength: 12 },
  );

  it('two instances, any interleaving: no span of W holds more than MAX grants, a refusal only when MAX are live, one slot per holder', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 1, max: 8 }),
        bursts,
        fc.integer({ min: 0, max: 7 }),
        async (s, max, plan, offset) => {
          const store = new MemorySlots();
          store.gate = (label) => s.schedule(Promise.resolve(label));
          const limiters = [new SlotLimiter(store, { max, windowMs: W }, offset % max), new SlotLimiter(store, { max, windowMs: W }, 0)];
          let now = Date.parse('2026-12-02T01:55:00Z');
          for (const burst of plan) {
            now += burst.gap;
            const at = new Date(now);
            const asked = burst.requests.map(({ instance, holder }) => ({
              holder: `incident-${holder}`,
              answer: limiters[instance].acquire(at, `incident-${holder}`),
            }));
            const answers = await s.waitFor(Promise.all(asked.map((request) => request.answer)));
            const live = store.grants.filter((grant) => now - grant.at <= W);
            answers.forEach((answer, i) => {
              const holder = asked[i].holder;
              if (answer.granted) expect(live.some((grant) => grant.holder === holder)).toBe(true);
              else expect(live.length).toBe(max);
            });
          }
          expect(busiestSpan(store.grants, W)).toBeLessThanOrEqual(max);
          // A holder is granted again only once its earlier grant stopped counting.
          const byHolder = new Map<string, number[]>();
          for (const grant of store.grants) byHolder.set(grant.holder, [...(byHolder.get(grant.holder) ?? []), grant.at]);
          for (const times of byHolder.values()) for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThan(W);
        },
      ),
    );
  });

  it('100 concurrent distinct holders split across two instances, any interleaving: exactly MAX granted', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.array(fc.constantFrom(0, 1), { minLength: 100, maxLength: 100 }), async (s, split) => {
        const store = new MemorySlots();
        store.gate = (label) => s.schedule(Promise.resolve(label));
        const limiters = [new SlotLimiter(store, { max: 10, windowMs: W }, 3), new SlotLimiter(store, { max: 10, windowMs: W }, 3)];
        const at = new Date('2026-12-02T02:07:00Z');
        const answers = await s.waitFor(Promise.all(split.map((instance, i) => limiters[instance].acquire(at, `incident-${i}`))));
        expect(answers.filter((answer) => answer.granted)).toHaveLength(10);
        expect(store.grants).toHaveLength(10);
      }),
      { numRuns: 50 },
    );
  });
});
