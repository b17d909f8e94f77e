/**
 * A term whose local validity ran out must end, however the timers and Redis's answers fall: the
 * consumer loop stops for good when it is told the lease is not held, so a term that carried on
 * after such an answer (a renewal answered late, an expiry timer fired early) led nothing, and its
 * signals sat queued until the process restarted. The clock here is moved and its timers fired by
 * hand, as Node's are under load: late, and early against monotonic time.
 */
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/clock.js';
import { createLogger } from '../../src/log.js';
import { createLeaderLease, type LeaderLease } from '../../src/service/lease.js';
import { deleteKeys, testRedisUrl, uniquePrefix } from '../support/redis.js';
import { eventually } from '../support/service.js';

/** Timers that fire only when the test says so, at whatever time the test has set. */
class HandClock implements Clock {
  time = 0;
  readonly #timers = new Map<number, { callback: () => void; dueAt: number }>();
  #next = 0;

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = ++this.#next;
    this.#timers.set(id, { callback, dueAt: this.time + ms });
    return id;
  }

  clearTimeout(handle: unknown): void {
    if (typeof handle === 'number') this.#timers.delete(handle);
  }

  /** Due times of the armed timers, earliest first. */
  dueTimes(): number[] {
    return [...this.#timers.values()].map((timer) => timer.dueAt).sort((a, b) => a - b);
  }

  /** Fires the armed timer due at `dueAt`, now, whatever the time. */
  fire(dueAt: number): void {
    const found = [...this.#timers].find(([, timer]) => timer.dueAt === dueAt);
    if (found === undefined) throw new Error(`no timer due at ${dueAt}; armed: ${this.dueTimes().join(', ')}`);
    this.#timers.delete(found[0]);
    found[1].callback();
  }
}

const LEASE_MS = 600;
/** Where the first term's local validity ends: 80 % of the lease after the try was sent at 0. */
const VALID_UNTIL = LEASE_MS * 0.8;
/** The first renewal, a third of the lease after the start. */
const RENEWAL_DUE = LEASE_MS / 3;

let redis: Redis;
let prefix: string;
let leases: LeaderLease[];

beforeEach(() => {
  redis = new Redis(testRedisUrl());
  prefix = uniquePrefix();
  leases = [];
});

afterEach(async () => {
  await Promise.all(leases.map((lease) => lease.release()));
  await deleteKeys(redis, prefix);
  await redis.quit();
});

async function startedLease(clock: HandClock): Promise<{ lease: LeaderLease; changes: (number | null)[] }> {
  const lease = createLeaderLease({
    redis,
    key: `${prefix}leader`,
    epochKey: `${prefix}leader.epoch`,
    holderId: JSON.stringify({ consumer: 'a' }),
    leaseMs: LEASE_MS,
    log: createLogger('silent'),
    clock,
  });
  leases.push(lease);
  const changes: (number | null)[] = [];
  lease.onChange((term) => changes.push(term?.epoch ?? null));
  await lease.start();
  expect(changes).toEqual([1]);
  // The renewal loop and the expiry timer (a millisecond past the validity).
  expect(clock.dueTimes()).toEqual([RENEWAL_DUE, VALID_UNTIL + 1]);
  return { lease, changes };
}

describe('leader lease: a term that ran out', () => {
  it('ends even when its expiry timer fires before the validity is over', async () => {
    const clock = new HandClock();
    const { lease, changes } = await startedLease(clock);
    // Node armed the timer from a stale loop time: it fires 5 ms early.
    clock.time = VALID_UNTIL - 4;
    clock.fire(VALID_UNTIL + 1);
    expect(lease.isHeld()).toBe(true);
    expect(changes).toEqual([1]);
    // The validity runs out without a renewal: the step-down must still be announced.
    clock.time = VALID_UNTIL + 1;
    expect(lease.isHeld()).toBe(false);
    const rearmed = clock.dueTimes().filter((due) => due !== RENEWAL_DUE);
    expect(rearmed).toHaveLength(1);
    clock.fire(rearmed[0] ?? -1);
    expect(changes).toEqual([1, null]);
    expect(lease.term()).toBeNull();
  });

  it('ends when a renewal is answered only after the validity ran out, and the next try is a new term', async () => {
    const clock = new HandClock();
    const { lease, changes } = await startedLease(clock);
    // The process stalled past the validity with the renewal due: an observer was told "not held".
    clock.time = VALID_UNTIL + 0.5;
    expect(lease.isHeld()).toBe(false);
    clock.fire(RENEWAL_DUE);
    // Redis renews the key (it is still ours), but the term that ran out must not come back.
    await eventually('the late renewal to be answered', () => changes.length === 2, 2000);
    expect(changes).toEqual([1, null]);
    expect(lease.isHeld()).toBe(false);
    // The next try takes the key again, as a new term above the old one.
    const nextTry = clock.dueTimes().at(-1) ?? -1;
    clock.time = nextTry;
    clock.fire(nextTry);
    await eventually('the lease to be taken again', () => changes.length === 3, 2000);
    expect(changes).toEqual([1, null, 2]);
    expect(lease.isHeld()).toBe(true);
  });

  it('carries on when a renewal is answered within the validity', async () => {
    const clock = new HandClock();
    const { lease, changes } = await startedLease(clock);
    clock.time = RENEWAL_DUE;
    clock.fire(RENEWAL_DUE);
    await eventually('the renewal to move the expiry timer', () => clock.dueTimes().includes(RENEWAL_DUE + VALID_UNTIL + 1), 2000);
    clock.time = VALID_UNTIL + 10;
    expect(lease.isHeld()).toBe(true);
    expect(changes).toEqual([1]);
  });
});
