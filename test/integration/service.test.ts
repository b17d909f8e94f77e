/**
 * The running service, in-process, against the shared test Redis and real HTTP fake bridges, once
 * per queue kind: the outcome table of contract section 3, failover, recovery, pause and resume,
 * operator commands, the persisted state across a restart, and admin auth.
 */
import { type Redis } from 'ioredis';
import { beforeEach, describe, expect, it } from 'vitest';
import type { EngineId } from '../../machines/engines.js';
import { DEFAULT_POLICY_SETTINGS, initialContext } from '../../machines/policy.js';
import { serializePolicyState } from '../../src/policy/persistence.js';
import type { FakeBridge, FakeBridgeMode, RecordedRequest } from '../support/fakeBridge.js';
import {
  eventually,
  pendingCount,
  postJson,
  produce,
  signalJson,
  streamRecords,
  waitingCount,
  type QueueKind,
  type ServiceKeys,
  type TestService,
} from '../support/service.js';
import { useServiceFixture } from '../support/serviceFixture.js';

const EXECUTED_FIELDS = ['signal_id', 'outcome', 'engine', 'attempts', 'reason', 'signal', 'at', 'report', 'latency_ms'];
const DEAD_LETTER_FIELDS = ['signal_id', 'outcome', 'engine', 'attempts', 'reason', 'signal', 'at'];
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

type Bridges = Record<EngineId, FakeBridge>;

function orders(bridge: FakeBridge): RecordedRequest[] {
  return bridge.requests.filter((request) => request.method === 'POST' && request.path === '/orders');
}

function healthProbes(bridge: FakeBridge): number {
  return bridge.requests.filter((request) => request.method === 'GET' && request.path === '/health').length;
}

describe.each<QueueKind>(['stream', 'list'])('the running service with a %s queue', (kind) => {
  const fixture = useServiceFixture(kind);
  let keys: ServiceKeys;
  let redis: Redis;
  let bridges: Bridges;

  beforeEach(() => {
    ({ keys, redis, bridges } = fixture);
  });

  async function setModes(modes: Partial<Record<EngineId, FakeBridgeMode>>): Promise<void> {
    await Promise.all(Object.entries(modes).map(([engine, mode]) => bridges[engine as EngineId].setMode(mode)));
  }

  const start = (env: Record<string, string> = {}): Promise<TestService> => fixture.start(env);

  const send = (raw: string): Promise<void> => produce(redis, keys, kind, raw);

  /** Every recorded outcome, from both streams. */
  async function allRecords(): Promise<Record<string, string>[]> {
    const [events, dead] = await Promise.all([streamRecords(redis, keys.executionEvents), streamRecords(redis, keys.deadLetterQueue)]);
    return [...events.map((record) => ({ ...record, stream: 'events' })), ...dead.map((record) => ({ ...record, stream: 'dead' }))];
  }

  /** Waits until `raw` has an outcome recorded, and returns it. */
  async function outcomeOf(raw: string, timeoutMs = 5000): Promise<Record<string, string>> {
    return eventually(`an outcome for ${raw.slice(0, 80)}`, async () => (await allRecords()).find((record) => record.signal === raw), timeoutMs);
  }

  /** Each signal settled with exactly one outcome, nothing pending, nothing left waiting. */
  async function expectEachSettledOnce(raws: readonly string[]): Promise<void> {
    const records = await allRecords();
    for (const raw of raws)
      expect(
        records.filter((record) => record.signal === raw),
        raw.slice(0, 80),
      ).toHaveLength(1);
    expect(records).toHaveLength(raws.length);
    expect(await pendingCount(redis, keys, kind)).toBe(0);
    expect(await waitingCount(redis, keys, kind)).toBe(0);
  }

  /** Signals in Redis and not settled: waiting to be taken, or taken and pending. */
  async function inRedisCount(): Promise<number> {
    return (await waitingCount(redis, keys, kind)) + (await pendingCount(redis, keys, kind));
  }

  function allOrders(): RecordedRequest[] {
    return [...orders(bridges.lean_self_hosted), ...orders(bridges.quanttrader_pybroker), ...orders(bridges.nautilus_trader)];
  }

  /** Sends signals of one symbol until the primary trips; returns the transition's time. */
  async function failOverToBackup1(service: TestService): Promise<number> {
    const first = signalJson('fo-1');
    await send(first);
    const status = await eventually('the failover to backup 1', async () => {
      const current = await service.status();
      return current.state === 'backup1Active' ? current : undefined;
    });
    expect(status.last_transition).toMatchObject({ from: 'primaryActive', to: 'backup1Active', reason: 'threshold' });
    const outcome = await outcomeOf(first);
    expect(outcome).toMatchObject({ outcome: 'executed', engine: 'quanttrader_pybroker', attempts: '3' });
    return Date.parse(status.last_transition?.at ?? '');
  }

  it('executes a valid signal once, with its Idempotency-Key, and records exactly the contract fields', async () => {
    // The engine's own answer, not a lookup after a timeout on a busy machine, carries the report and latency.
    await start({ ENGINE_TIMEOUT_MS: '5000' });
    const raw = signalJson('sig-exec-1', { risk_meta: { max_loss: 50 } });
    await send(raw);
    const record = await outcomeOf(raw);

    expect(Object.keys(record).sort()).toEqual([...EXECUTED_FIELDS, 'stream'].sort());
    expect(record).toMatchObject({ stream: 'events', signal_id: 'sig-exec-1', outcome: 'executed', engine: 'lean_self_hosted', attempts: '1', signal: raw });
    expect(record.reason).not.toBe('');
    expect(record.at).toMatch(ISO_TIME);
    expect(record.latency_ms).toMatch(/^\d+$/);
    expect(JSON.parse(record.report ?? '')).toEqual(bridges.lean_self_hosted.executed.get('sig-exec-1'));

    const sent = orders(bridges.lean_self_hosted);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.idempotencyKey).toBe('sig-exec-1');
    // Fields the service does not know are passed on unchanged.
    expect(sent[0]?.body).toMatchObject({ signal_id: 'sig-exec-1', strategy_id: 'momentum', risk_meta: { max_loss: 50 } });
    await expectEachSettledOnce([raw]);
  });

  it('records invalid, expired and duplicate signals, each once, without sending them anywhere but the first execution', async () => {
    await start();
    const executed = signalJson('sig-dup');
    await send(executed);
    expect(await outcomeOf(executed)).toMatchObject({ outcome: 'executed' });

    // The same signal_id again (a different text, so each raw text has exactly one outcome).
    const repeat = signalJson('sig-dup', { quantity: 11 });
    const notJson = '{"signal_id": "sig-broken"';
    const notObject = '["sig-array"]';
    const ruleBroken = signalJson('sig-no-qty', { quantity: -5 });
    const tooLarge = signalJson('sig-large', { padding: 'x'.repeat(64 * 1024) });
    const expired = signalJson('sig-expired', { expires_at: '2020-01-01T00:00:00Z' });
    const later = [repeat, notJson, notObject, ruleBroken, tooLarge, expired];
    for (const raw of later) await send(raw);
    // Its dead-letter entry keeps the first 64 KiB (all ASCII here, so no character is split).
    const recorded = later.map((raw) => (raw === tooLarge ? tooLarge.slice(0, 64 * 1024) : raw));

    const outcomes = await Promise.all(recorded.map((raw) => outcomeOf(raw)));
    const [duplicate, invalidJson, invalidObject, invalidRule, invalidSize, expiredRecord] = outcomes;
    expect(duplicate).toMatchObject({ stream: 'events', outcome: 'duplicate', signal_id: 'sig-dup' });
    expect(Object.keys(duplicate ?? {}).sort()).toEqual([...DEAD_LETTER_FIELDS, 'stream'].sort());
    expect(invalidJson).toMatchObject({ stream: 'dead', outcome: 'invalid', signal_id: '', engine: '', attempts: '0' });
    expect(invalidObject).toMatchObject({ stream: 'dead', outcome: 'invalid', signal_id: '' });
    expect(invalidRule).toMatchObject({ stream: 'dead', outcome: 'invalid', signal_id: 'sig-no-qty' });
    expect(invalidRule?.reason).toContain('quantity');
    expect(invalidSize).toMatchObject({ stream: 'dead', outcome: 'invalid', signal_id: '' });
    expect(invalidSize?.reason).toContain('64 KiB');
    expect(expiredRecord).toMatchObject({ stream: 'dead', outcome: 'expired', signal_id: 'sig-expired', attempts: '0' });
    for (const record of outcomes.slice(1)) expect(Object.keys(record).sort()).toEqual([...DEAD_LETTER_FIELDS, 'stream'].sort());

    expect(allOrders().map((request) => request.idempotencyKey)).toEqual(['sig-dup']);
    await expectEachSettledOnce([executed, ...recorded]);
  });

  it('dead-letters a signal the engine rejects (422) without counting an engine failure', async () => {
    await setModes({ lean_self_hosted: 'reject' });
    const service = await start();
    const raw = signalJson('sig-rejected');
    await send(raw);
    const record = await outcomeOf(raw);

    expect(record).toMatchObject({ stream: 'dead', outcome: 'rejected', engine: 'lean_self_hosted', attempts: '1', signal_id: 'sig-rejected' });
    expect(record.reason).toContain('422');
    expect(orders(bridges.lean_self_hosted)).toHaveLength(1);
    const status = await service.status();
    expect(status.failure_counts).toEqual({ lean_self_hosted: 0, quanttrader_pybroker: 0, nautilus_trader: 0 });
    expect(status.state).toBe('primaryActive');
    await expectEachSettledOnce([raw]);
  });

  it('dead-letters a signal as attempts_exhausted after SIGNAL_MAX_ATTEMPTS failed attempts, with an alert', async () => {
    await setModes({ lean_self_hosted: 'fail', quanttrader_pybroker: 'fail', nautilus_trader: 'fail' });
    const service = await start({ SIGNAL_MAX_ATTEMPTS: '3', EXECUTION_FAILOVER_THRESHOLD: '100' });
    const raw = signalJson('sig-exhausted');
    await send(raw);
    const record = await outcomeOf(raw);

    expect(record).toMatchObject({ stream: 'dead', outcome: 'attempts_exhausted', engine: 'lean_self_hosted', attempts: '3', signal_id: 'sig-exhausted' });
    expect(orders(bridges.lean_self_hosted).map((request) => request.idempotencyKey)).toEqual(['sig-exhausted', 'sig-exhausted', 'sig-exhausted']);
    expect((await service.status()).failure_counts.lean_self_hosted).toBe(3);
    // The alert follows the record, through the child's stdout: wait for it rather than race it.
    await eventually('the attempts_exhausted alert in the log', () =>
      service.logs.some((line) => typeof line.msg === 'string' && line.msg.startsWith('ALERT attempts_exhausted')),
    );
    await expectEachSettledOnce([raw]);
  });

  it('fails over to backup 1 at the threshold and sends nothing more to the primary', async () => {
    await setModes({ lean_self_hosted: 'fail' });
    const service = await start({ EXECUTION_FAILOVER_TIMEOUT: '30' });
    const trippedAt = await failOverToBackup1(service);

    const later = ['fo-2', 'fo-3', 'fo-4'].map((id) => signalJson(id));
    for (const raw of later) await send(raw);
    for (const raw of later) expect(await outcomeOf(raw)).toMatchObject({ outcome: 'executed', engine: 'quanttrader_pybroker', attempts: '1' });

    // Threshold 2: the first signal's two attempts, and not one request after.
    expect(orders(bridges.lean_self_hosted).map((request) => request.idempotencyKey)).toEqual(['fo-1', 'fo-1']);
    const status = await service.status();
    expect(status).toMatchObject({
      state: 'backup1Active',
      active_engine: 'quanttrader_pybroker',
      paused: false,
      failure_counts: { lean_self_hosted: 2, quanttrader_pybroker: 0, nautilus_trader: 0 },
      engines_available: { lean_self_hosted: false, quanttrader_pybroker: true, nautilus_trader: true },
      failure_threshold: 2,
      recovery_timeout_seconds: 30,
    });
    expect(status.next_recovery_check_at).toBe(new Date(trippedAt + 30_000).toISOString());
    await expectEachSettledOnce([signalJson('fo-1'), ...later]);
  });

  it('fails back to the primary after the recovery timeout and the healthy probes, with reason recovered', async () => {
    await setModes({ lean_self_hosted: 'fail' });
    const service = await start({ EXECUTION_FAILOVER_TIMEOUT: '1', EXECUTION_RECOVERY_SUCCESSES: '2' });
    const trippedAt = await failOverToBackup1(service);
    await setModes({ lean_self_hosted: 'ok' });

    const status = await eventually('the failback to the primary', async () => {
      const current = await service.status();
      return current.state === 'primaryActive' ? current : undefined;
    });
    expect(status.last_transition).toMatchObject({ from: 'backup1Active', to: 'primaryActive', reason: 'recovered' });
    const recoveredAt = Date.parse(status.last_transition?.at ?? '');
    expect(recoveredAt).toBeGreaterThanOrEqual(trippedAt + 1000);
    expect(status.failure_counts.lean_self_hosted).toBe(0);
    expect(status.next_recovery_check_at).toBeNull();

    const raw = signalJson('after-recovery');
    await send(raw);
    expect(await outcomeOf(raw)).toMatchObject({ outcome: 'executed', engine: 'lean_self_hosted' });
  });

  it('pauses when every engine failed, keeps the signals in Redis, and executes them after an operator resume', async () => {
    await setModes({ lean_self_hosted: 'fail', quanttrader_pybroker: 'fail', nautilus_trader: 'fail' });
    const service = await start();
    const first = signalJson('paused-1');
    await send(first);
    const paused = await eventually('the pause', async () => {
      const current = await service.status();
      return current.state === 'paused' ? current : undefined;
    });
    expect(paused).toMatchObject({ paused: true, active_engine: null, paused_reason: 'all_engines_failed' });
    expect(paused.last_transition).toMatchObject({ to: 'paused', reason: 'all_engines_failed' });

    const sentWhilePaused = allOrders().length;
    const waiting = [signalJson('paused-2', { symbol: 'MSFT' }), signalJson('paused-3', { symbol: 'TSLA' })];
    for (const raw of waiting) await send(raw);
    // Let a few probe rounds pass: the service keeps running but sends nothing.
    const probesBefore = healthProbes(bridges.lean_self_hosted);
    await eventually('three more probe rounds', () => healthProbes(bridges.lean_self_hosted) >= probesBefore + 3);
    expect(allOrders()).toHaveLength(sentWhilePaused);
    // Nothing executed, nothing dead-lettered, every signal still in Redis. (A signal that arrives
    // while a blocking read begun before the pause is still waiting is taken into the pending list
    // rather than left waiting: see the report; both places are in Redis.)
    expect(await inRedisCount()).toBe(3);
    expect(await allRecords()).toEqual([]);

    await setModes({ lean_self_hosted: 'ok', quanttrader_pybroker: 'ok', nautilus_trader: 'ok' });
    // The operator resumes once the primary probes healthy again.
    await eventually('the primary to be available again', async () => (await service.status()).engines_available.lean_self_hosted);
    const resumed = await service.request('/admin/execution/resume', postJson());
    expect(resumed.status).toBe(200);
    expect(await resumed.json()).toMatchObject({
      state: 'primaryActive',
      paused: false,
      active_engine: 'lean_self_hosted',
      last_transition: { from: 'paused', reason: 'operator' },
    });

    for (const raw of [first, ...waiting]) expect(await outcomeOf(raw)).toMatchObject({ outcome: 'executed', engine: 'lean_self_hosted' });
    expect(allOrders()).toHaveLength(sentWhilePaused + 3);
    await expectEachSettledOnce([first, ...waiting]);

    const again = await service.request('/admin/execution/resume', postJson());
    expect(again.status).toBe(409);
    expect(await again.json()).toHaveProperty('error');
  });

  it('obeys operator pause, switch and resume through the admin API', async () => {
    const service = await start();
    const paused = await service.request('/admin/execution/pause', postJson({ reason: 'broker maintenance' }));
    expect(paused.status).toBe(200);
    expect(await paused.json()).toMatchObject({
      state: 'paused',
      paused: true,
      paused_reason: 'broker maintenance',
      last_transition: { from: 'primaryActive', to: 'paused', reason: 'operator' },
    });

    const raw = signalJson('operator-1');
    await send(raw);
    const probesBefore = healthProbes(bridges.lean_self_hosted);
    await eventually('two more probe rounds', () => healthProbes(bridges.lean_self_hosted) >= probesBefore + 2);
    expect(await inRedisCount()).toBe(1);
    expect(allOrders()).toHaveLength(0);

    const unknown = await service.request('/admin/execution/switch', postJson({ engine: 'ib_gateway' }));
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: string }).error).toContain('ib_gateway');
    expect((await service.status()).state).toBe('paused');

    const switched = await service.request('/admin/execution/switch', postJson({ engine: 'nautilus_trader' }));
    expect(switched.status).toBe(200);
    expect(await switched.json()).toMatchObject({
      state: 'backup2Active',
      active_engine: 'nautilus_trader',
      last_transition: { from: 'paused', to: 'backup2Active', reason: 'operator' },
    });
    expect(await outcomeOf(raw)).toMatchObject({ outcome: 'executed', engine: 'nautilus_trader' });
    expect(orders(bridges.lean_self_hosted)).toHaveLength(0);

    const back = await service.request('/admin/execution/switch', postJson({ engine: 'lean_self_hosted' }));
    expect(await back.json()).toMatchObject({ state: 'primaryActive', last_transition: { from: 'backup2Active', to: 'primaryActive', reason: 'operator' } });
    const notPaused = await service.request('/admin/execution/resume', postJson());
    expect(notPaused.status).toBe(409);
    await expectEachSettledOnce([raw]);
  });

  it('restores backup1Active after a restart and still fails back at the original deadline', async () => {
    await setModes({ lean_self_hosted: 'fail' });
    const timing = { EXECUTION_FAILOVER_TIMEOUT: '2', EXECUTION_RECOVERY_SUCCESSES: '1' };
    const first = await start(timing);
    const trippedAt = await failOverToBackup1(first);
    const deadline = trippedAt + 2000;
    expect((await first.status()).next_recovery_check_at).toBe(new Date(deadline).toISOString());
    await first.stop();
    await setModes({ lean_self_hosted: 'ok' });

    // The service stays down for more than half the timeout: a timer re-armed from the restart
    // would fire well after the original deadline.
    await eventually('the clock to pass half the recovery timeout', () => Date.now() >= trippedAt + 1200);
    const restartedAt = Date.now();
    const second = await start(timing);
    const restored = await second.status();
    expect(restored).toMatchObject({ state: 'backup1Active', active_engine: 'quanttrader_pybroker', next_recovery_check_at: new Date(deadline).toISOString() });
    expect(restored.last_transition).toMatchObject({ from: 'primaryActive', to: 'backup1Active', reason: 'threshold', at: new Date(trippedAt).toISOString() });
    expect(second.logs.some((line) => line.msg === 'restored the policy state' && line.state !== undefined)).toBe(true);

    const recovered = await eventually(
      'the failback after the restart',
      async () => {
        const current = await second.status();
        return current.state === 'primaryActive' ? current : undefined;
      },
      4000,
    );
    expect(recovered.last_transition).toMatchObject({ from: 'backup1Active', reason: 'recovered' });
    const failedBackAt = Date.parse(recovered.last_transition?.at ?? '');
    expect(failedBackAt).toBeGreaterThanOrEqual(deadline);
    expect(failedBackAt).toBeLessThan(restartedAt + 2000);
  });

  it('ignores a corrupt stored state with a warning and starts in primaryActive', async () => {
    await redis.set(keys.stateKey, '{"version": 1, "value": "backup1Active", "context": {');
    const service = await start();
    const status = await service.status();
    expect(status).toMatchObject({ state: 'primaryActive', last_transition: null });
    expect(service.logs.some((line) => line.level === 'warn' && String(line.msg).includes('ignoring the stored policy state'))).toBe(true);
    // The fresh state replaces the corrupt one.
    await eventually('the fresh state to be saved', async () => {
      const stored = await redis.get(keys.stateKey);
      try {
        return (JSON.parse(stored ?? '') as { value: unknown }).value === 'primaryActive';
      } catch {
        return false;
      }
    });
  });

  it('ignores a stored state naming a state the statechart lacks, and starts in primaryActive', async () => {
    // Well-formed in every other respect: only the state value is unknown to this statechart.
    const state = { value: { backup1Active: 'probingTheMoon' }, context: initialContext(DEFAULT_POLICY_SETTINGS) };
    await redis.set(keys.stateKey, serializePolicyState(state, Date.now()));
    const service = await start();
    expect(await service.status()).toMatchObject({ state: 'primaryActive', last_transition: null });
    expect(service.logs.some((line) => line.level === 'warn' && String(line.msg).includes('ignoring the stored policy state'))).toBe(true);
    const raw = signalJson('after-bad-state');
    await send(raw);
    expect(await outcomeOf(raw)).toMatchObject({ outcome: 'executed', engine: 'lean_self_hosted' });
  });

  it('requires the bearer token on every admin request when ADMIN_TOKEN is set', async () => {
    const service = await start({ ADMIN_TOKEN: 's3cret-token' });
    const missing = await service.request('/admin/execution-status');
    expect(missing.status).toBe(401);
    expect(await missing.json()).toHaveProperty('error');
    expect((await service.request('/admin/execution-status', { headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await service.request('/admin/execution/pause', postJson({ reason: 'no token' }))).status).toBe(401);
    expect(
      (await service.request('/admin/execution/switch', postJson({ engine: 'nautilus_trader' }, { Authorization: 'Basic czNjcmV0LXRva2Vu' }))).status,
    ).toBe(401);
    // Nothing an unauthenticated request asked for happened.
    expect(await service.status()).toMatchObject({ state: 'primaryActive', last_transition: null });

    const allowed = await service.request('/admin/execution/pause', postJson({ reason: 'with token' }, { Authorization: 'Bearer s3cret-token' }));
    expect(allowed.status).toBe(200);
    expect(await allowed.json()).toMatchObject({ state: 'paused', paused_reason: 'with token' });
    expect((await service.request('/health')).status).toBe(200);
  });
});
