/**
 * Keeps the panels that read the admin API (operator actions, positions) fresh while the live
 * stream is connected: at once when it connects, every `everyMs` after, and soon after a change
 * the stream reports, but never more often than `minGapMs` and never while it is not live (a
 * request to a service that is away or wants a token would only fail).
 */
export class Refresher {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private live = false;
  private last = -Infinity;
  private running = false;

  constructor(
    private readonly refresh: () => Promise<void>,
    private readonly everyMs: number,
    private readonly minGapMs: number,
  ) {}

  /** The stream is live (or no more): start or stop refreshing. */
  setLive(live: boolean): void {
    this.live = live;
    if (live) this.soon(0);
    else this.cancel();
  }

  /** Something changed: refresh soon (within the gap). */
  changed(): void {
    if (this.live) this.soon(Math.max(0, this.last + this.minGapMs - Date.now()));
  }

  private soon(delayMs: number): void {
    this.cancel();
    this.timer = setTimeout(() => void this.run(), delayMs);
  }

  private cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private async run(): Promise<void> {
    this.timer = null;
    if (!this.live || this.running) return;
    this.running = true;
    this.last = Date.now();
    try {
      await this.refresh();
    } finally {
      this.running = false;
      if (this.live && this.timer === null) this.soon(this.everyMs);
    }
  }
}
