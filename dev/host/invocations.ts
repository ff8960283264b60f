// Counts running handler invocations so drainQueues() can tell "idle" from "between two steps".
export class InvocationTracker {
  #running = 0;
  #changes = 0;

  /** Marks an invocation as started; call the returned function once it has finished. */
  begin(): () => void {
    this.#running += 1;
    this.#changes += 1;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.#running -= 1;
      this.#changes += 1;
    };
  }

  get running(): number {
    return this.#running;
  }

  /** Grows on every start and finish; equal readings around a check mean nothing ran in between. */
  get changes(): number {
    return this.#changes;
  }
}
