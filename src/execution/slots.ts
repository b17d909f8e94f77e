// Every free acquire answers this one settled promise rather than a new one.
const ACQUIRED: Promise<void> = Promise.resolve();

/** A counting semaphore: at most `size` holders at once, the rest wait in arrival order. */
export class Slots {
  #free: number;
  readonly #waiting: Array<() => void> = [];

  constructor(size: number) {
    this.#free = size;
  }

  /** Takes a free slot now, if there is one: true when it is this caller's (then `release()` it). */
  tryAcquire(): boolean {
    if (this.#free === 0) return false;
    this.#free--;
    return true;
  }

  /** Resolves when a slot is this caller's; call `release()` once done with it. */
  acquire(): Promise<void> {
    if (this.tryAcquire()) return ACQUIRED;
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Hands the slot to the next waiter, or frees it. */
  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free++;
  }
}
