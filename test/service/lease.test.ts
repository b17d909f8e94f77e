import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { createLeaderLease, type LeaderLease, type LeaseTerm } from '../../src/service/lease.js';
import { deleteKeys, testRedisUrl, uniquePrefix } from '../support/redis.js';
import { eventually } from '../support/service.js';

const log = createLogger('silent');
let redis: Redis;
let prefix: string;
let key: string;
let epochKey: string;
let leases: LeaderLease[];
let connections: Redis[];

beforeEach(() => {
  redis = new Redis(testRedisUrl());
  prefix = uniquePrefix();
  key = `${prefix}leader`;
  epochKey = `${prefix}leader.epoch`;
  leases = [];
  connections = [];
});

afterEach(async () => {
  await Promise.all(leases.map((lease) => lease.release()));
  await deleteKeys(redis, prefix);
  await redis.quit();
  for (const connection of connections) connection.disconnect();
});

const holder = (name: string): string => JSON.stringify({ consumer: name });

function lease(
  name: string,
  options: { leaseMs?: number; takeOverIf?: (holder: string) => boolean; confirmTerm?: () => Promise<boolean>; on?: Redis } = {},
): LeaderLease {
  const made = createLeaderLease({
    redis: options.on ?? redis,
    key,
    epochKey,
    holderId: holder(name),
    leaseMs: options.leaseMs ?? 600,
    log,
    ...(options.takeOverIf === undefined ? {} : { takeOverIf: options.takeOverIf }),
    ...(options.confirmTerm === undefined ? {} : { confirmTerm: options.confirmTerm }),
  });
  leases.push(made);
  return made;
}

async function holderOfKey(): Promise<unknown> {
  const value = await redis.get(key);
  return value === null ? null : JSON.parse(value);
}

describe('leader lease', () => {
  it('lets one holder win, keeps it renewed past the lease, and refuses a second', async () => {
    const first = lease('a');
    const second = lease('b');
    await first.start();
    await second.start();
    expect(first.isHeld()).toBe(true);
    expect(second.isHeld()).toBe(false);
    expect(await holderOfKey()).toEqual({ consumer: 'a', epoch: 1 });
    // Three lease lengths later the holder has renewed and still holds it alone, in the same term.
    const until = Date.now() + 1800;
    await eventually('three lease lengths to pass', () => Date.now() > until, 3000);
    expect(first.isHeld()).toBe(true);
    expect(first.term()?.epoch).toBe(1);
    expect(second.isHeld()).toBe(false);
    expect(await holderOfKey()).toEqual({ consumer: 'a', epoch: 1 });
  });

  it('gives every term an epoch above every earlier one, kept in the epoch key', async () => {
    await redis.set(epochKey, '41');
    const first = lease('a');
    const second = lease('b');
    const terms: (LeaseTerm | null)[] = [];
    second.onChange((term) => terms.push(term));
    await first.start();
    await second.start();
    expect(first.term()?.epoch).toBe(42);
    await first.release();
    await eventually('the standby to take the lease', () => second.isHeld(), 3000);
    expect(terms.map((term) => term?.epoch)).toEqual([43]);
    expect(await redis.get(epochKey)).toBe('43');
    expect(await redis.get(key)).toBe(second.term()?.token);
  });

  it('steps down, before the key could expire, when another holder took the key', async () => {
    const first = lease('a');
    const changes: (number | null)[] = [];
    first.onChange((term) => changes.push(term?.epoch ?? null));
    await first.start();
    // Someone else overwrote the key (as after an expiry during an outage): the next renewal must see it.
    await redis.set(key, 'intruder', 'PX', 5000);
    await eventually('the holder to step down', () => !first.isHeld(), 3000);
    expect(changes).toEqual([1, null]);
    expect(await redis.get(key)).toBe('intruder');
  });

  it('counts itself out when it cannot renew, while its key has not yet expired', async () => {
    const own = new Redis(testRedisUrl(), { maxRetriesPerRequest: 0, retryStrategy: () => null });
    own.on('error', () => {});
    connections.push(own);
    // The holder steps down 20 % of the lease before the key expires; that margin (600 ms here)
    // is what this test has to see the key still standing, on a busy machine too.
    const made = lease('a', { leaseMs: 3000, on: own });
    const changes: (number | null)[] = [];
    made.onChange((term) => changes.push(term?.epoch ?? null));
    await made.start();
    const token = made.term()?.token;
    // The network goes away: renewals fail.
    own.disconnect();
    await eventually('the holder to count itself out', () => !made.isHeld(), 6000);
    // Stepped down while the key still stands: nobody else could have taken over yet. One round
    // trip reads both, so they describe the same moment.
    const [ttl, value] = await redis
      .multi()
      .pttl(key)
      .get(key)
      .exec()
      .then((replies) => (replies ?? []).map(([, reply]) => reply));
    expect(ttl).toBeGreaterThan(0);
    expect(value).toBe(token);
    // Listeners hear of it from the expiry timer, a moment after isHeld() turned false.
    await eventually('the step-down to be announced', () => changes.length === 2, 1000);
    expect(changes).toEqual([1, null]);
  });

  it('takes over at once a lease whose holder it knows is gone, and waits out a live one', async () => {
    // A previous run died holding the lease.
    await redis.set(key, 'dead-run', 'PX', 60_000);
    const waiting = lease('b', { takeOverIf: (value) => value === 'someone-else' });
    await waiting.start();
    expect(waiting.isHeld()).toBe(false);
    expect(await redis.get(key)).toBe('dead-run');
    const restarted = lease('a', { takeOverIf: (value) => value === 'dead-run' });
    await restarted.start();
    expect(restarted.isHeld()).toBe(true);
    expect(await holderOfKey()).toEqual({ consumer: 'a', epoch: 1 });
    // A live holder is never taken over, even by a caller that would like to.
    const greedy = lease('c', { takeOverIf: (value) => value === 'dead-run' });
    await greedy.start();
    expect(greedy.isHeld()).toBe(false);
    expect(await holderOfKey()).toEqual({ consumer: 'a', epoch: 1 });
  });

  it('after a fencing answer, raises the epoch above the one the bridge saw and leads again above it', async () => {
    const only = lease('a');
    const epochs: (number | null)[] = [];
    only.onChange((term) => epochs.push(term?.epoch ?? null));
    await only.start();
    expect(only.term()?.epoch).toBe(1);
    // A bridge has seen epoch 9 (a term whose counter a failed-over Redis forgot).
    await only.fence(9);
    expect(only.isHeld()).toBe(false);
    expect(await redis.get(epochKey)).toBe('9');
    await eventually('the next term', () => only.isHeld(), 3000);
    expect(only.term()?.epoch).toBe(10);
    expect(epochs).toEqual([1, null, 10]);
  });

  it('never lowers the epoch when a fencing answer names an older one', async () => {
    await redis.set(epochKey, '20');
    const only = lease('a');
    await only.start();
    await only.fence(3);
    expect(await redis.get(epochKey)).toBe('21');
  });

  it('gives the lease back when the replicas do not confirm the new term', async () => {
    let confirm = false;
    const made = lease('a', { confirmTerm: async () => confirm });
    await made.start();
    expect(made.isHeld()).toBe(false);
    expect(await redis.get(key)).toBeNull();
    confirm = true;
    await eventually('the term once the replicas confirm', () => made.isHeld(), 3000);
    expect(made.term()?.epoch).toBe(2);
  });

  it('does not try to lead while it is not ready to, and leads once it is', async () => {
    let ready = false;
    const made = createLeaderLease({ redis, key, epochKey, holderId: holder('a'), leaseMs: 600, log, readyToLead: async () => ready });
    leases.push(made);
    await made.start();
    expect(made.isHeld()).toBe(false);
    // No term was opened meanwhile: the epoch counter is untouched.
    expect(await redis.get(epochKey)).toBeNull();
    ready = true;
    await eventually('the term once ready', () => made.isHeld(), 3000);
    expect(made.term()?.epoch).toBe(1);
  });
});
