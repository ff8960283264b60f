// Fake only Date: tests that need the clock moved (or pinned) while timers, I/O and the event loop run
// for real pass this to jest.useFakeTimers({ doNotFake }).
export const REAL_TIMERS = [
  'hrtime',
  'nextTick',
  'performance',
  'queueMicrotask',
  'setImmediate',
  'clearImmediate',
  'setInterval',
  'clearInterval',
  'setTimeout',
  'clearTimeout',
] as const;
