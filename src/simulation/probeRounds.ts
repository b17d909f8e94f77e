/**
 * When the simulated prober runs a round (`HEALTH_CHECKED` for all three engines): every
 * `EXECUTION_HEALTH_CHECK_INTERVAL` seconds from 0, and at once when the machine asks for one
 * (`requestHealthCheck`, when a recovery check starts). A round restarts the interval, so
 * consecutive rounds are never closer than the interval unless the machine asks.
 */
import { toMs } from './clock.js';

export class ProbeRounds {
  private readonly intervalMs: number;
  private nextMs = 0;
  private requestedMs: number | null = null;

  constructor(intervalSeconds: number) {
    this.intervalMs = Math.max(1, toMs(intervalSeconds));
  }

  /** The machine asked for a round now (clock milliseconds): it joins the agenda of this instant. */
  request(atMs: number): void {
    this.requestedMs = atMs;
  }

  /** When a round is due and when one was asked for (clock milliseconds; null: none asked). */
  get dueTimes(): readonly (number | null)[] {
    return [this.nextMs, this.requestedMs];
  }

  /** Whether a round runs at `atMs`; when it does, the interval starts again from it. */
  takeIfDue(atMs: number): boolean {
    if (this.nextMs !== atMs && this.requestedMs !== atMs) return false;
    this.requestedMs = null;
    this.nextMs = atMs + this.intervalMs;
    return true;
  }
}
