/**
 * The persisted policy state against the real Redis: the round trip with the recovery deadline, a
 * restored runtime that keeps the original deadline (the re-arm of statelyai/xstate#5331, checked on
 * a simulated clock), unusable stored content, and the writer's coalescing, ordering and retry.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EngineId } from '../../machines/engines.js';
import { DEFAULT_POLICY_SETTINGS, type PolicySettings } from '../../machines/policy.js';
import {
  PERSISTED_FORMAT_VERSION,
  createPolicyStateWriter,
  loadPolicyState,
  parsePolicyState,
  serializePolicyState,
  startingPolicyState,
  type LoadedPolicyState,
  type PolicyStateWriter,
  type StateStore,
} from '../../src/policy/persistence.js';
import { startPolicyRuntime, type PolicyRuntime } from '../../src/policy/runtime.js';
import type { PolicyState } from '../../src/policy/status.js';
import { deleteKeys, testRedisUrl, uniquePrefix } from '../support/redis.js';
import { TestClock } from '../support/testClock.js';

const START = Date.parse('2026-11-25T14:30:00.000Z');
const SETTINGS: PolicySettings = { ...DEFAULT_POLICY_SETTINGS, recoveryTimeoutSeconds: 300, recoverySuccesses: 2 };

let redis: Redis;
let prefix: string;
let key: string;
const runtimes: PolicyRuntime[] = [];

beforeAll(() => {
  redis = new Redis(testRedisUrl());
});
afterAll(async () => {
  await redis.quit();
});
beforeEach(() => {
  prefix = uniquePrefix();
  key = `${prefix}execution.failover.state`;
});
afterEach(async () => {
  for (const runtime of runtimes.splice(0)) runtime.stop();
  await deleteKeys(redis, prefix);
});

interface Started {
  readonly runtime: PolicyRuntime;
  readonly clock: TestClock;
  /** How many times the runtime asked for a health check. */
  healthChecks(): number;
}

function start(options: { at?: number; restoreFrom?: PolicyState; settings?: PolicySettings } = {}): Started {
  const clock = new TestClock(options.at ?? START);
  let healthChecks = 0;
  const runtime = startPolicyRuntime({
    settings: options.settings ?? SETTINGS,
    effects: { alert: () => {}, requestHealthCheck: () => void healthChecks++ },
    clock,
    ...(options.restoreFrom ? { restoreFrom: options.restoreFrom } : {}),
  });
  runtimes.push(runtime);
  return { runtime, clock, healthChecks: () => healthChecks };
}

function fail(runtime: PolicyRuntime, engine: EngineId, count: number): void {
  for (let i = 0; i < count; i++) runtime.send({ type: 'EXECUTION_FAILED', engine });
}

function found(loaded: LoadedPolicyState): { state: PolicyState; savedAt: number } {
  if (loaded.kind !== 'found') throw new Error(`expected a stored state, got ${JSON.stringify(loaded)}`);
  return loaded;
}

/** Saves the runtime's state under `key` as the writer would, and reads it back. */
async function saveAndLoad(runtime: PolicyRuntime, savedAt: number, settings: PolicySettings = SETTINGS): Promise<LoadedPolicyState> {
  await redis.set(key, serializePolicyState(runtime.state(), savedAt));
  return loadPolicyState(redis, key, settings);
}

/** A store on the real Redis that records every SET and can be told how to answer each. */
function recordingStore(options: { before?: (call: number) => Promise<void> | void; after?: (call: number) => void } = {}) {
  const written: string[] = [];
  const store: StateStore = {
    get: redis.get.bind(redis),
    set: new Proxy(redis.set, {
      async apply(target, _this, args: unknown[]) {
        const call = written.length;
        written.push(String(args[1]));
        await options.before?.(call);
        const reply: unknown = await Reflect.apply(target, redis, args);
        options.after?.(call);
        return reply;
      },
    }),
  };
  return { store, written };
}

/** The stored JSON with its save time left out, for comparing states. */
function withoutSaveTime(stored: string | null): unknown {
  if (stored === null) return null;
  const { savedAt: _savedAt, ...rest } = JSON.parse(stored) as { savedAt: number };
  return rest;
}

describe('round trip', () => {
  it('keeps a backup1Active state with its recovery deadline, and not the settings', async () => {
    const { runtime, clock } = start();
    fail(runtime, 'lean_self_hosted', 4);
    clock.increment(1000);
    fail(runtime, 'lean_self_hosted', 1);
    runtime.send({ type: 'HEALTH_CHECKED', results: { nautilus_trader: false } });
    expect(runtime.state().value).toEqual({ backup1Active: 'waiting' });

    const loaded = found(await saveAndLoad(runtime, START + 2000));
    expect(loaded.savedAt).toBe(START + 2000);
    expect(loaded.state).toEqual(runtime.state());
    expect(loaded.state.context.recoveryDeadline).toBe(START + 1000 + 300_000);
    expect(loaded.state.context.recoveryArmedAt).toBe(START + 1000);
    expect(loaded.state.context.lastTransition).toEqual({ from: 'primaryActive', to: 'backup1Active', reason: 'threshold', at: START + 1000 });

    const stored = JSON.parse((await redis.get(key)) ?? 'null') as { version: number; context: Record<string, unknown> };
    expect(stored.version).toBe(PERSISTED_FORMAT_VERSION);
    expect(stored.context).not.toHaveProperty('settings');
  });

  it('takes today’s settings, not the ones the state was saved under', async () => {
    const { runtime } = start();
    fail(runtime, 'lean_self_hosted', 5);
    const today: PolicySettings = { ...SETTINGS, failureThreshold: 9, recoveryTimeoutSeconds: 60 };
    const loaded = found(await saveAndLoad(runtime, START, today));
    expect(loaded.state.context.settings).toEqual(today);
    // The deadline already armed stands; the new base applies from the next one.
    expect(loaded.state.context.recoveryDeadline).toBe(START + 300_000);
  });

  it('answers absent for a key that was never written', async () => {
    expect(await loadPolicyState(redis, key, SETTINGS)).toEqual({ kind: 'absent' });
  });

  it('calls another Redis type under the key incompatible, so start-up does not retry forever', async () => {
    await redis.rpush(key, 'not a string');
    expect(await loadPolicyState(redis, key, SETTINGS)).toEqual({
      kind: 'incompatible',
      reason: `${key} holds another Redis type than a string`,
    });
  });

  it('lets Redis errors through rather than calling them absent', async () => {
    const closed = new Redis(testRedisUrl(), { lazyConnect: true, enableOfflineQueue: false });
    await expect(loadPolicyState(closed, key, SETTINGS)).rejects.toThrow();
    closed.disconnect();
  });
});

describe('a restored runtime', () => {
  it('starts its recovery check at the original deadline, not a full timeout after the restart', async () => {
    const first = start();
    fail(first.runtime, 'lean_self_hosted', 5);
    const deadline = START + 300_000;
    first.clock.increment(120_000);
    const loaded = found(await saveAndLoad(first.runtime, first.clock.now()));
    first.runtime.stop();

    // A new process, 120 s into the 300 s wait.
    const second = start({ at: START + 120_000, restoreFrom: loaded.state });
    expect(second.runtime.state().value).toEqual({ backup1Active: 'waiting' });
    expect(second.runtime.state().context.recoveryDeadline).toBe(deadline);

    second.clock.set(deadline - 1);
    expect(second.runtime.state().value).toEqual({ backup1Active: 'waiting' });
    second.clock.set(deadline);
    expect(second.runtime.state().value).toEqual({ backup1Active: 'checking' });
    await vi.waitFor(() => expect(second.healthChecks()).toBe(1), { timeout: 1000, interval: 5 });

    second.runtime.send({ type: 'HEALTH_CHECKED', results: { lean_self_hosted: true } });
    second.clock.increment(10_000);
    second.runtime.send({ type: 'HEALTH_CHECKED', results: { lean_self_hosted: true } });
    expect(second.runtime.activeEngine()).toBe('lean_self_hosted');
    expect(second.runtime.state().context.lastTransition).toEqual({
      from: 'backup1Active',
      to: 'primaryActive',
      reason: 'recovered',
      at: deadline + 10_000,
    });
  });

  it('checks at once when it restarts after the deadline passed', async () => {
    const first = start();
    fail(first.runtime, 'lean_self_hosted', 5);
    const loaded = found(await saveAndLoad(first.runtime, START));
    first.runtime.stop();

    const second = start({ at: START + 900_000, restoreFrom: loaded.state });
    second.clock.increment(0);
    expect(second.runtime.state().value).toEqual({ backup1Active: 'checking' });
  });

  it('asks for a health check again when it was restored in the middle of one', async () => {
    const first = start();
    fail(first.runtime, 'lean_self_hosted', 5);
    first.clock.increment(300_000);
    expect(first.runtime.state().value).toEqual({ backup1Active: 'checking' });
    first.runtime.send({ type: 'HEALTH_CHECKED', results: { lean_self_hosted: true } });
    const loaded = found(await saveAndLoad(first.runtime, first.clock.now()));
    first.runtime.stop();

    const second = start({ at: first.clock.now() + 5000, restoreFrom: loaded.state });
    expect(second.runtime.state().value).toEqual({ backup1Active: 'checking' });
    await vi.waitFor(() => expect(second.healthChecks()).toBe(1), { timeout: 1000, interval: 5 });
  });

  it('stays paused with its reason, and resumes on command', async () => {
    const first = start();
    first.runtime.send({ type: 'PAUSE', reason: 'broker maintenance' });
    const loaded = found(await saveAndLoad(first.runtime, START));
    first.runtime.stop();

    const second = start({ at: START + 3_600_000, restoreFrom: loaded.state });
    second.clock.increment(3_600_000);
    expect(second.runtime.activeEngine()).toBeNull();
    expect(second.runtime.state().context.pausedReason).toBe('broker maintenance');
    second.runtime.send({ type: 'RESUME' });
    expect(second.runtime.activeEngine()).toBe('lean_self_hosted');
  });
});

describe('unusable stored content', () => {
  function validStored(): Record<string, unknown> {
    const { runtime } = start();
    fail(runtime, 'lean_self_hosted', 5);
    return JSON.parse(serializePolicyState(runtime.state(), START)) as Record<string, unknown>;
  }

  const cases: [string, () => string, RegExp][] = [
    ['corrupt JSON', () => '{"version": 1, "value": ', /not JSON/],
    ['an empty string', () => '', /not JSON/],
    ['JSON null', () => 'null', /format/],
    ['a JSON array', () => '[]', /format/],
    ['another version', () => JSON.stringify({ ...validStored(), version: PERSISTED_FORMAT_VERSION + 1 }), /version/],
    ['no context', () => JSON.stringify({ ...validStored(), context: undefined }), /context/],
    [
      'a bad failure count',
      () => {
        const stored = validStored();
        const context = stored.context as Record<string, unknown>;
        return JSON.stringify({ ...stored, context: { ...context, failures: { lean_self_hosted: -1 } } });
      },
      /failures/,
    ],
    ['an unknown top-level state', () => JSON.stringify({ ...validStored(), value: 'standbyActive' }), /standbyActive/],
    ['an unknown substate', () => JSON.stringify({ ...validStored(), value: { backup1Active: 'probing' } }), /probing/],
    ['a substate under a state that has none', () => JSON.stringify({ ...validStored(), value: { primaryActive: 'waiting' } }), /waiting/],
    ['a dotted path instead of a state value', () => JSON.stringify({ ...validStored(), value: 'backup1Active.waiting' }), /backup1Active\.waiting/],
    ['an empty state value', () => JSON.stringify({ ...validStored(), value: {} }), /\{\}/],
    ['two top-level states at once', () => JSON.stringify({ ...validStored(), value: { backup1Active: 'waiting', paused: 'holding' } }), /paused/],
  ];

  it.each(cases)('calls %s incompatible, with a reason, and never throws', async (_name, content, says) => {
    await redis.set(key, content());
    const loaded = await loadPolicyState(redis, key, SETTINGS);
    expect(loaded.kind).toBe('incompatible');
    if (loaded.kind === 'incompatible') expect(loaded.reason).toMatch(says);
  });

  it('only ever answers found for a state a runtime can start from', () => {
    for (const [, content] of cases) {
      const loaded = parsePolicyState(content(), SETTINGS);
      if (loaded.kind === 'found') expect(() => start({ restoreFrom: loaded.state })).not.toThrow();
    }
  });
});

describe('createPolicyStateWriter', () => {
  function writerFor(runtime: PolicyRuntime, clock: TestClock, store: StateStore, extra: { onError?: (error: unknown) => void; retryMs?: number } = {}) {
    const writer = createPolicyStateWriter({
      store,
      key,
      read: () => runtime.state(),
      clock,
      onError: extra.onError ?? ((error) => expect.fail(`unexpected write error: ${String(error)}`)),
      ...(extra.retryMs === undefined ? {} : { retryMs: extra.retryMs }),
    });
    runtime.subscribe(() => writer.changed());
    return writer;
  }

  it('folds a burst of changes into at most two SETs, the latest state last', async () => {
    const { runtime, clock } = start();
    const { store, written } = recordingStore();
    const writer = writerFor(runtime, clock, store);
    for (let i = 0; i < 4; i++) fail(runtime, 'lean_self_hosted', 1);
    clock.increment(1);
    fail(runtime, 'lean_self_hosted', 1);
    fail(runtime, 'quanttrader_pybroker', 3);
    runtime.send({ type: 'PAUSE', reason: 'end of burst' });
    await writer.flush();

    expect(written.length).toBeGreaterThanOrEqual(1);
    expect(written.length).toBeLessThanOrEqual(2);
    const latest = withoutSaveTime(serializePolicyState(runtime.state(), 0));
    expect(withoutSaveTime(written.at(-1) ?? null)).toEqual(latest);
    expect(withoutSaveTime(await redis.get(key))).toEqual(latest);
  });

  it('costs one SET for the first change of a burst and one for the rest', async () => {
    const { runtime, clock } = start();
    const { store, written } = recordingStore();
    const writer = writerFor(runtime, clock, store);
    for (let i = 0; i < 30; i++) runtime.send({ type: 'EXECUTION_FAILED', engine: i % 2 === 0 ? 'nautilus_trader' : 'quanttrader_pybroker' });
    runtime.send({ type: 'PAUSE', reason: 'last' });
    await writer.flush();
    expect(written).toHaveLength(2);
    const stored = JSON.parse((await redis.get(key)) ?? 'null') as { context: { pausedReason: string } };
    expect(stored.context.pausedReason).toBe('last');
  });

  it('stamps each write with the time it was made', async () => {
    const { runtime, clock } = start();
    const { store } = recordingStore();
    const writer = writerFor(runtime, clock, store);
    clock.increment(42_000);
    runtime.send({ type: 'PAUSE', reason: 'x' });
    await writer.flush();
    expect(found(await loadPolicyState(redis, key, SETTINGS)).savedAt).toBe(START + 42_000);
  });

  it('does not write a state it already wrote', async () => {
    const { runtime, clock } = start();
    const { store, written } = recordingStore();
    const writer = writerFor(runtime, clock, store);
    writer.changed();
    await writer.flush();
    runtime.send({ type: 'EXECUTION_SUCCEEDED', engine: 'lean_self_hosted' });
    writer.changed();
    await writer.flush();
    expect(written).toHaveLength(1);
    runtime.send({ type: 'EXECUTION_FAILED', engine: 'lean_self_hosted' });
    await writer.flush();
    expect(written).toHaveLength(2);
  });

  it('writes again by itself after a failed write', async () => {
    const { runtime, clock } = start();
    const errors: unknown[] = [];
    const { store, written } = recordingStore({
      before: (call) => (call === 0 ? Promise.reject(new Error('READONLY You can’t write against a read only replica.')) : undefined),
    });
    const writer = writerFor(runtime, clock, store, { onError: (error) => errors.push(error), retryMs: 10 });
    runtime.send({ type: 'PAUSE', reason: 'keep me' });
    await writer.flush();

    expect(errors).toHaveLength(1);
    const error = errors[0];
    expect(error).toBeInstanceOf(Error);
    expect(error instanceof Error ? error.message : '').toContain(key);
    expect(error instanceof Error && error.cause instanceof Error ? error.cause.message : '').toMatch(/READONLY/);
    expect(await redis.get(key)).toBeNull();

    // The retry is due after retryMs on the writer's clock.
    await clock.advance(9);
    expect(written).toHaveLength(1);
    await clock.advance(1);
    await writer.flush();
    expect(written).toHaveLength(2);
    expect(found(await loadPolicyState(redis, key, SETTINGS)).state.context.pausedReason).toBe('keep me');
  });

  it('writes the latest state after a write that failed mid-burst', async () => {
    const { runtime, clock } = start();
    let writer: PolicyStateWriter | null = null;
    const { store } = recordingStore({
      before: (call) => {
        if (call !== 0) return undefined;
        // A change lands while the failing write is in flight.
        runtime.send({ type: 'PAUSE', reason: 'during the failed write' });
        return Promise.reject(new Error('connection lost'));
      },
    });
    writer = writerFor(runtime, clock, store, { onError: () => {}, retryMs: 10 });
    runtime.send({ type: 'EXECUTION_FAILED', engine: 'lean_self_hosted' });
    await writer.flush();
    await clock.advance(10);
    await writer.flush();
    expect(parsePolicyState(await redis.get(key), SETTINGS)).toMatchObject({ kind: 'found', state: { value: { paused: 'holding' } } });
  });

  it.each([0, 1, 2, 3, 4, 5, 6])('writes a change made %i microtasks after a SET completes', async (depth) => {
    const { runtime, clock } = start();
    let lateChange: () => void = () => {};
    const lateChangeMade = new Promise<void>((resolve) => {
      lateChange = () => {
        runtime.send({ type: 'PAUSE', reason: `late by ${depth}` });
        resolve();
      };
    });
    const afterMicrotasks = (remaining: number, action: () => void): void => {
      if (remaining === 0) action();
      else queueMicrotask(() => afterMicrotasks(remaining - 1, action));
    };
    const { store, written } = recordingStore({
      after: (call) => {
        if (call === 0) afterMicrotasks(depth, lateChange);
      },
    });
    const writer = writerFor(runtime, clock, store);
    runtime.send({ type: 'EXECUTION_FAILED', engine: 'lean_self_hosted' });
    await lateChangeMade;
    await writer.flush();
    expect(written.length).toBeGreaterThanOrEqual(2);
    const stored = found(parsePolicyState(await redis.get(key), SETTINGS));
    expect(stored.state.context.pausedReason).toBe(`late by ${depth}`);
  });

  it('once closed, tries what is unwritten once more and then stops retrying', async () => {
    const { runtime, clock } = start();
    const errors: unknown[] = [];
    const { store, written } = recordingStore({ before: () => Promise.reject(new Error('connection lost')) });
    const writer = writerFor(runtime, clock, store, { onError: (error) => errors.push(error), retryMs: 5 });
    runtime.send({ type: 'PAUSE', reason: 'during an outage' });
    await writer.flush();
    await clock.advance(5);
    await writer.flush();
    expect(errors).toHaveLength(2);
    await writer.close();
    const attempts = written.length;
    // Ten retry intervals on: nothing more was tried.
    await clock.advance(50);
    expect(written.length).toBe(attempts);
  });
});

describe('a state a term could not save (an operator acted while Redis was away)', () => {
  it('is kept by the closed writer and resumed by the next term while the store still holds what it began from', async () => {
    const { runtime, clock } = start();
    const loaded = await saveAndLoad(runtime, START - 1000);
    const down = recordingStore({ before: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')) });
    const writer = createPolicyStateWriter({ store: down.store, key, read: () => runtime.state(), clock, onError: () => {}, basedOn: START - 1000 });
    runtime.subscribe(() => writer.changed());
    runtime.send({ type: 'PAUSE', reason: 'paused during the outage' });
    await writer.close();

    const unsaved = writer.unsaved();
    expect(unsaved?.basedOn).toBe(START - 1000);
    expect(unsaved?.state.context.pausedReason).toBe('paused during the outage');
    // Redis is back and holds what the term began from: the pause is not lost.
    const next = startingPolicyState(await loadPolicyState(redis, key, SETTINGS), unsaved ?? null);
    expect(next.resumedUnsaved).toBe(true);
    expect(next.state?.value).toEqual({ paused: 'holding' });
    expect(found(loaded).state.context.pausedReason).toBeNull();
  });

  it('gives way to a state another leader saved since', async () => {
    const { runtime, clock } = start();
    await saveAndLoad(runtime, START - 1000);
    const down = recordingStore({ before: () => Promise.reject(new Error('connection lost')) });
    const writer = createPolicyStateWriter({ store: down.store, key, read: () => runtime.state(), clock, onError: () => {}, basedOn: START - 1000 });
    runtime.subscribe(() => writer.changed());
    runtime.send({ type: 'PAUSE', reason: 'not saved' });
    await writer.close();

    // A successor led meanwhile and saved its own state.
    const successor = start({ at: START + 5000 });
    successor.runtime.send({ type: 'EXECUTION_FAILED', engine: 'lean_self_hosted' });
    const next = startingPolicyState(await saveAndLoad(successor.runtime, START + 5000), writer.unsaved());
    expect(next.resumedUnsaved).toBe(false);
    expect(next.state?.context.pausedReason).toBeNull();
    expect(next.state?.context.failures.lean_self_hosted).toBe(1);
  });

  it('saved: true once the changes so far are written, however the state moves on after; false when the write failed', async () => {
    const { runtime, clock } = start();
    let failing = false;
    const { store } = recordingStore({ before: () => (failing ? Promise.reject(new Error('connection lost')) : undefined) });
    const writer = createPolicyStateWriter({ store, key, read: () => runtime.state(), clock, onError: () => {}, basedOn: null });
    runtime.subscribe(() => writer.changed());
    runtime.send({ type: 'PAUSE', reason: 'an operator' });
    const saved = writer.saved();
    // A later change (a probe round, say) while the pause is being written must not make it unsaved.
    runtime.send({ type: 'EXECUTION_FAILED', engine: 'quanttrader_pybroker' });
    expect(await saved).toBe(true);
    expect(found(await loadPolicyState(redis, key, SETTINGS)).state.context.pausedReason).toBe('an operator');

    failing = true;
    runtime.send({ type: 'RESUME' });
    expect(await writer.saved()).toBe(false);
    await writer.close();
  });

  it('is nothing once the last write went through', async () => {
    const { runtime, clock } = start();
    const writer = createPolicyStateWriter({ store: redis, key, read: () => runtime.state(), clock, onError: () => {}, basedOn: null });
    runtime.subscribe(() => writer.changed());
    runtime.send({ type: 'PAUSE', reason: 'saved' });
    await writer.close();
    expect(writer.unsaved()).toBeNull();
    expect(startingPolicyState(await loadPolicyState(redis, key, SETTINGS), null).state?.context.pausedReason).toBe('saved');
  });
});

describe('format versions and what version 2 adds', () => {
  it('still loads a version-1 state, written before windows and maintenance, with neither', async () => {
    // Literally what version 1 wrote: a backup waiting for its recovery deadline.
    const v1 = JSON.stringify({
      version: 1,
      savedAt: START,
      value: { backup1Active: 'waiting' },
      context: {
        failures: { lean_self_hosted: 5, quanttrader_pybroker: 0, nautilus_trader: 0 },
        probeHealthy: { lean_self_hosted: null, quanttrader_pybroker: null, nautilus_trader: null },
        healthyStreaks: { lean_self_hosted: 0, quanttrader_pybroker: 0, nautilus_trader: 0 },
        recoveryTimeoutSeconds: 300,
        recoveryDeadline: START + 300_000,
        recoveryArmedAt: START,
        failback: null,
        stableSince: null,
        pausedReason: null,
        lastTransition: { from: 'primaryActive', to: 'backup1Active', reason: 'threshold', at: START },
        history: [{ from: 'primaryActive', to: 'backup1Active', reason: 'threshold', at: START }],
      },
    });
    await redis.set(key, v1);
    const { state } = found(await loadPolicyState(redis, key, SETTINGS));
    expect(state.value).toEqual({ backup1Active: 'waiting' });
    expect(state.context.maintenance).toEqual({ lean_self_hosted: null, quanttrader_pybroker: null, nautilus_trader: null });
    expect(state.context.rateTrips).toEqual({ lean_self_hosted: null, quanttrader_pybroker: null, nautilus_trader: null });
    expect(state.context.windows).toEqual({ lean_self_hosted: [], quanttrader_pybroker: [], nautilus_trader: [] });
    const { runtime, healthChecks } = start({ at: START + 60_000, restoreFrom: state });
    expect(runtime.activeEngine()).toBe('quanttrader_pybroker');
    expect(healthChecks()).toBe(0);
  });

  it('keeps a maintenance with its until across a restart and ends it on time after the restore', async () => {
    const { runtime } = start();
    const until = START + 120_000;
    runtime.send({ type: 'MAINTENANCE_STARTED', engine: 'lean_self_hosted', reason: 'gateway restart', until });
    expect(runtime.activeEngine()).toBe('quanttrader_pybroker');
    const { state } = found(await saveAndLoad(runtime, START));
    runtime.stop();
    expect(state.context.maintenance.lean_self_hosted).toEqual({ reason: 'gateway restart', until });

    const restored = start({ at: START + 60_000, restoreFrom: state });
    expect(restored.runtime.state().context.maintenance.lean_self_hosted).not.toBeNull();
    restored.clock.set(until - 1);
    expect(restored.runtime.state().context.maintenance.lean_self_hosted).not.toBeNull();
    restored.clock.set(until);
    expect(restored.runtime.state().context.maintenance.lean_self_hosted).toBeNull();
  });
});
