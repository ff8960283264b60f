// The reports API limiter: at most N requests in any 10 s, first come first served, on a fake clock.
import { SlidingWindowLimiter } from '../../shared/diagnosis/rate-limiter';

function fakeClock() {
  let now = 0;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleeps,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('SlidingWindowLimiter', () => {
  it('lets 5 through at once and makes the 6th wait for the first to leave the 10 s window', async () => {
    const clock = fakeClock();
    const limiter = new SlidingWindowLimiter({ max: 5, windowMs: 10_000, now: clock.now, sleep: clock.sleep });
    const waits = await Promise.all(Array.from({ length: 6 }, () => limiter.acquire()));
    expect(waits).toEqual([0, 0, 0, 0, 0, 10_000]);
    expect(clock.sleeps).toEqual([10_000]);
  });

  it('counts only the grants still inside the window', async () => {
    const clock = fakeClock();
    const limiter = new SlidingWindowLimiter({ max: 2, windowMs: 10_000, now: clock.now, sleep: clock.sleep });
    await limiter.acquire();
    clock.advance(6_000);
    await limiter.acquire();
    // The first grant leaves the window 4 s from now; the third waits exactly that long.
    expect(await limiter.acquire()).toBe(4_000);
    expect(await limiter.acquire()).toBe(6_000);
  });

  it('serves waiting callers in arrival order across diagnoses', async () => {
    const clock = fakeClock();
    const limiter = new SlidingWindowLimiter({ max: 1, windowMs: 1_000, now: clock.now, sleep: clock.sleep });
    const order: string[] = [];
    await Promise.all(['a', 'b', 'c'].map((name) => limiter.acquire().then(() => order.push(name))));
    expect(order).toEqual(['a', 'b', 'c']);
    expect(clock.now()).toBe(2_000);
  });

  it('refuses a nonsensical limit', () => {
    expect(() => new SlidingWindowLimiter({ max: 0, windowMs: 1 })).toThrow(RangeError);
  });
});
