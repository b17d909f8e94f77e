/**
 * The roles running over a real lease on the test Redis: a term starts when the lease is won and
 * ends when the roles stop, and the lease released after that finds no actor listening.
 */
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/log.js';
import { createLeaderLease, type LeaderLease } from '../../src/service/lease.js';
import { startRoles } from '../../src/service/roles.js';
import { deleteKeys, testRedisUrl, uniquePrefix } from '../support/redis.js';

const log = createLogger('silent');
let redis: Redis;
let prefix: string;
let lease: LeaderLease;

beforeEach(() => {
  redis = new Redis(testRedisUrl());
  prefix = uniquePrefix();
  lease = createLeaderLease({
    redis,
    key: `${prefix}leader`,
    epochKey: `${prefix}leader.epoch`,
    holderId: JSON.stringify({ consumer: 'a' }),
    leaseMs: 3000,
    log,
  });
});

afterEach(async () => {
  vi.restoreAllMocks();
  await lease.release();
  await deleteKeys(redis, prefix);
  await redis.quit();
});

describe('startRoles', () => {
  it('leads the term the lease won, ends it on stop, and sends nothing once stopped when the lease is released', async () => {
    const warn = vi.spyOn(console, 'warn');
    const terms: string[] = [];
    const roles = await startRoles({
      lease,
      log,
      lead: (epoch) => {
        terms.push(`lead ${epoch}`);
        return Promise.resolve();
      },
      stepDown: () => {
        terms.push('step down');
        return Promise.resolve();
      },
    });
    await roles.settled;
    expect(roles.role()).toBe('leader');
    const epoch = lease.term()?.epoch;
    expect(epoch).toBeTypeOf('number');
    await roles.stop();
    expect(terms).toEqual([`lead ${String(epoch)}`, 'step down']);
    await lease.release();
    expect(lease.isHeld()).toBe(false);
    // XState's development build warns of every event sent to an actor that has stopped.
    expect(warn.mock.calls.filter(([message]) => String(message).includes('stopped actor'))).toEqual([]);
  });
});
