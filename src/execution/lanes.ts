/** Per-key serial lanes: tasks with the same key run one at a time, in the order they were added. */

/** Runs tasks of one key in order, tasks of different keys side by side. */
export class KeyedLanes {
  readonly #tails = new Map<string, Promise<void>>();

  /** Queues `task` behind the earlier tasks of `key`; resolves with its result when it has run. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const next = previous.then(task, task);
    const tail = next.then(
      () => {},
      () => {},
    );
    this.#tails.set(key, tail);
    void tail.then(() => {
      // The lane is idle once nothing was queued behind this task: forget it, keeping the map small.
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return next;
  }

  /**
   * Waits behind the earlier tasks of `key`, then holds its lane until the returned release is
   * called: for work whose end comes after the caller has moved on.
   */
  async hold(key: string): Promise<() => void> {
    let release = (): void => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await new Promise<void>((entered) => {
      void this.run(key, () => {
        entered();
        return held;
      });
    });
    return release;
  }

  /** Keys with a task running or waiting. */
  get size(): number {
    return this.#tails.size;
  }
}
