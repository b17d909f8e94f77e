import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { createLeaderLease, type LeaderLease, type LeaseStore } from '../../src/policy/leaderLease.js';
import { deleteKeys, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { eventually } from '../helpers/service.js';

const log = createLogger('silent');
let redis: Redis;
let prefix: string;
let key: string;
let leases: LeaderLease[];

beforeEach(() => {
  redis = new Redis(testRedisUrl());
  prefix = uniquePrefix();
  key = `${prefix}leader`;
  leases = [];
});

afterEach(async () => {
  await Promise.all(leases.map((lease) => lease.release()));
  await deleteKeys(redis, prefix);
  await redis.quit();
});

function lease(holderId: string, leaseMs = 600, takeOverIf?: (holder: string) => boolean): LeaderLease {
  const made = createLeaderLease({ store: redis, key, holderId, leaseMs, log, ...(takeOverIf === undefined ? {} : { takeOverIf }) });
  leases.push(made);
  return made;
}

describe('leader lease', () => {
  it('lets one holder win, keeps it renewed past the lease, and refuses a second', async () => {
    const first = lease('a');
    const second = lease('b');
    await first.start();
    await second.start();
    expect(first.isHeld()).toBe(true);
    expect(second.isHeld()).toBe(false);
    expect(await redis.get(key)).toBe('a');
    // Three lease lengths later the holder has renewed and still holds it alone.
    const until = Date.now() + 1800;
    await eventually('three lease lengths to pass', () => Date.now() > until, 3000);
    expect(first.isHeld()).toBe(true);
    expect(second.isHeld()).toBe(false);
    expect(await redis.get(key)).toBe('a');
  });

  it('hands over when the holder releases, and the successor learns it by itself', async () => {
    const first = lease('a');
    const second = lease('b');
    const changes: boolean[] = [];
    second.onChange((held) => changes.push(held));
    await first.start();
    await second.start();
    await first.release();
    expect(first.isHeld()).toBe(false);
    await eventually('the standby to take the lease', () => second.isHeld(), 3000);
    expect(changes).toEqual([true]);
    expect(await redis.get(key)).toBe('b');
  });

  it('steps down, before the key could expire, when another holder took the key', async () => {
    const first = lease('a');
    const changes: boolean[] = [];
    first.onChange((held) => changes.push(held));
    await first.start();
    // Someone else overwrote the key (as after an expiry during an outage): the next renewal must see it.
    await redis.set(key, 'intruder', 'PX', 5000);
    await eventually('the holder to step down', () => !first.isHeld(), 3000);
    expect(changes).toEqual([true, false]);
    expect(await redis.get(key)).toBe('intruder');
  });

  it('counts itself out when it cannot renew, while its key has not yet expired', async () => {
    let reachable = true;
    // The real Redis, with renewals failing once "the network" goes away.
    const store: LeaseStore = {
      eval: (script, numberOfKeys, ...args) =>
        reachable ? redis.eval(script, numberOfKeys, ...args) : Promise.reject(new Error('connection lost')),
    };
    const made = createLeaderLease({ store, key, holderId: 'a', leaseMs: 900, log });
    leases.push(made);
    const changes: boolean[] = [];
    made.onChange((held) => changes.push(held));
    await made.start();
    reachable = false;
    await eventually('the holder to count itself out', () => !made.isHeld(), 3000);
    // Stepped down while the key still stands: nobody else could have taken over yet.
    expect(await redis.pttl(key)).toBeGreaterThan(0);
    expect(await redis.get(key)).toBe('a');
    // Listeners hear of it from the expiry timer, a moment after isHeld() turned false.
    await eventually('the step-down to be announced', () => changes.length === 2, 1000);
    expect(changes).toEqual([true, false]);
  });

  it('takes over at once a lease whose holder it knows is gone, and waits out a live one', async () => {
    // A previous run died holding the lease.
    await redis.set(key, 'dead-run', 'PX', 60_000);
    const waiting = lease('b', 600, (holder) => holder === 'someone-else');
    await waiting.start();
    expect(waiting.isHeld()).toBe(false);
    expect(await redis.get(key)).toBe('dead-run');
    const restarted = lease('a', 600, (holder) => holder === 'dead-run');
    await restarted.start();
    expect(restarted.isHeld()).toBe(true);
    expect(await redis.get(key)).toBe('a');
    // A live holder is never taken over, even by a caller that would like to.
    const greedy = lease('c', 600, (holder) => holder === 'dead-run');
    await greedy.start();
    expect(greedy.isHeld()).toBe(false);
    expect(await redis.get(key)).toBe('a');
  });
});
