/** Per-key serial lanes: tasks with the same key run one at a time, in the order they were added. */

/** A task's function, called with no `this`; a synchronous throw becomes its rejection. */
function start<T>(task: () => Promise<T>): Promise<T> {
  try {
    return task();
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

/** Runs tasks of one key in order, tasks of different keys side by side. */
export class KeyedLanes {
  readonly #tails = new Map<string, Promise<void>>();

  /**
   * Queues `task` behind the earlier tasks of `key`; resolves with its result when it has run. On
   * an idle lane it starts at once: every signal's path goes through two lanes (its copies and its
   * symbol), and the hop through a settled promise cost each of them allocations and a turn.
   */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key);
    const next = previous === undefined ? start(task) : previous.then(task, task);
    this.#follow(key, next);
    return next;
  }

  /**
   * Holds the lane of `key` until the returned release is called, when nothing holds or waits on
   * it now; null otherwise (then {@link hold} waits its turn). The common case, without a wait.
   */
  tryHold(key: string): (() => void) | null {
    if (this.#tails.has(key)) return null;
    let release = (): void => {};
    this.#follow(key, new Promise<void>((resolve) => (release = resolve)));
    return release;
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

  /** Makes `work` the lane's tail; once it ends with nothing queued behind it, the lane is forgotten. */
  #follow(key: string, work: Promise<unknown>): void {
    const done = (): void => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    };
    const tail: Promise<void> = work.then(done, done);
    this.#tails.set(key, tail);
  }
}
