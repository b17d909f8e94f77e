/** Per-key serial lanes: tasks with the same key run one at a time, in the order they were added. */

/** Runs tasks of one key in order, tasks of different keys side by side. */
export class KeyedLanes {
  readonly #tails = new Map<string, Promise<void>>();

  /** Queues `task` behind the earlier tasks of `key`; resolves when it has run. */
  run(key: string, task: () => Promise<void>): Promise<void> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const next = previous.then(task, task);
    const tail = next.catch(() => {});
    this.#tails.set(key, tail);
    void tail.then(() => {
      // The lane is idle once nothing was queued behind this task: forget it, keeping the map small.
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return next;
  }

  /** Keys with a task running or waiting. */
  get size(): number {
    return this.#tails.size;
  }
}
