/**
 * The live feed behind the page: what a stream starts with, coalescing of bursts (on the test
 * clock), ending streams when the policy actor stops or changes, standbys, and pages that go away
 * or stop reading.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_SETTINGS } from '../../machines/policy.js';
import { createEngine, isSimEngine } from '../../src/engines/createEngine.js';
import type { ExecutionEngine } from '../../src/engines/types.js';
import { InspectionLog } from '../../src/inspector/eventLog.js';
import { LiveFeed, type FeedPolicy, type LiveFeedOptions } from '../../src/inspector/liveFeed.js';
import type { Closing, Hello, LiveSnapshot, LogUpdate } from '../../src/inspector/protocol.js';
import { startPolicyRuntime, type PolicyRuntime } from '../../src/policy/runtime.js';
import { TestClock } from '../support/testClock.js';
import { nextTurn, recordSse, type SseRecording } from '../support/sseReader.js';

const START = Date.parse('2026-11-25T14:30:00.000Z');
const HELLO: Hello = { instance: 'instance-1', startedAt: new Date(START).toISOString() };

const runtimes: PolicyRuntime[] = [];
const recordings: SseRecording[] = [];
afterEach(async () => {
  for (const recording of recordings.splice(0)) await recording.cancel();
  for (const runtime of runtimes.splice(0)) runtime.stop();
});

/** A policy actor on the feed's clock, as in the service, where one clock times both. */
function runtime(log: InspectionLog, clock: TestClock): PolicyRuntime {
  const started = startPolicyRuntime({
    settings: { ...DEFAULT_POLICY_SETTINGS, failureThreshold: 2 },
    effects: { alert: () => {}, requestHealthCheck: () => {} },
    clock,
    inspect: log.record,
  });
  runtimes.push(started);
  return started;
}

interface Fixture {
  readonly feed: LiveFeed;
  readonly clock: TestClock;
  readonly policy: PolicyRuntime;
  readonly log: InspectionLog;
  readonly engines: Record<string, ExecutionEngine>;
  /** What `currentPolicy()` answers; a test changes it to play a new term or a standby. */
  current: FeedPolicy | null;
}

function fixture(options: LiveFeedOptions = {}): Fixture {
  const clock = new TestClock(START);
  const log = new InspectionLog();
  const policy = runtime(log, clock);
  const engines = {
    lean_self_hosted: createEngine('lean_self_hosted', 'sim://?latency_ms=5', { timeoutMs: 1000 }),
    quanttrader_pybroker: createEngine('quanttrader_pybroker', 'http://127.0.0.1:9/bridge', { timeoutMs: 1000 }),
  };
  const state: Fixture = {
    clock,
    policy,
    log,
    engines,
    current: policy,
    feed: new LiveFeed(
      { currentPolicy: () => state.current, leaderEpoch: () => (state.current === null ? null : 4), engines: () => engines, log, hello: HELLO },
      { clock, ...options },
    ),
  };
  return state;
}

function open(feed: LiveFeed, live = true): SseRecording {
  const opened = feed.open();
  expect(opened.live).toBe(live);
  const recording = recordSse(opened.stream);
  recordings.push(recording);
  return recording;
}

describe('the live feed', () => {
  it('starts each stream with hello, the current snapshot and the whole event log', async () => {
    const { feed, policy } = fixture();
    policy.send({ type: 'EXECUTION_FAILED', engine: 'lean_self_hosted' });
    policy.send({ type: 'EXECUTION_FAILED', engine: 'lean_self_hosted' });
    const stream = open(feed);
    await stream.settle();

    expect(stream.events.map((event) => event.event)).toEqual(['hello', 'snapshot', 'log']);
    expect(stream.data<Hello>('hello')).toEqual([HELLO]);
    const [snapshot] = stream.data<LiveSnapshot>('snapshot');
    expect(snapshot).toMatchObject({ role: 'leader', statePath: 'backup1Active.waiting' });
    expect(snapshot?.status).toMatchObject({ state: 'backup1Active', active_engine: 'quanttrader_pybroker', failure_counts: { lean_self_hosted: 2 } });
    expect(snapshot?.transitions).toEqual([{ from: 'primaryActive', to: 'backup1Active', reason: 'threshold', at: new Date(START).toISOString() }]);
    expect(snapshot?.engines).toEqual([
      {
        id: 'lean_self_hosted',
        kind: 'sim',
        url: 'sim://?latency_ms=5',
        faults: { mode: 'ok', latency_ms: 5, fail_rate: 0, reject_rate: 0 },
        lastProbeHealthy: null,
      },
      { id: 'quanttrader_pybroker', kind: 'http', url: 'http://127.0.0.1:9/bridge', faults: null, lastProbeHealthy: null },
      { id: 'nautilus_trader', kind: 'absent', url: null, faults: null, lastProbeHealthy: null },
    ]);
    const [log] = stream.data<LogUpdate>('log');
    expect(log?.entries.map((entry) => entry.type)).toContain('EXECUTION_FAILED');
    expect(feed.clientCount).toBe(1);
  });

  it('sends a burst of changes within one tick as one message with the latest state', async () => {
    const { feed, policy, clock } = fixture();
    const stream = open(feed);
    await stream.settle();
    const initial = stream.events.length;
    for (let index = 0; index < 100; index += 1) policy.send({ type: 'EXECUTION_SUCCEEDED', engine: 'lean_self_hosted' });
    policy.send({ type: 'EXECUTION_FAILED', engine: 'lean_self_hosted' });
    await stream.settle();
    expect(stream.events.length).toBe(initial);

    await clock.advance(0);
    await stream.settle();
    const sent = stream.events.slice(initial).map((event) => event.event);
    expect(sent).toEqual(['snapshot', 'log']);
    const snapshots = stream.data<LiveSnapshot>('snapshot');
    expect(snapshots.at(-1)?.status?.failure_counts.lean_self_hosted).toBe(1);
  });

  it('sends at most 20 messages a second however fast the policy changes', async () => {
    const { feed, policy, clock } = fixture();
    const stream = open(feed);
    await stream.settle();
    const initial = stream.data('snapshot').length;
    for (let ms = 0; ms < 1000; ms += 1) {
      policy.send({ type: 'EXECUTION_SUCCEEDED', engine: 'lean_self_hosted' });
      await clock.advance(1);
    }
    await stream.settle();
    const sent = stream.data('snapshot').length - initial;
    expect(sent).toBeGreaterThanOrEqual(19);
    expect(sent).toBeLessThanOrEqual(21);
  });

  it('sends a snapshot when something outside the actor changed (faults)', async () => {
    const { feed, clock, engines } = fixture();
    const stream = open(feed);
    await stream.settle();
    const lean = engines.lean_self_hosted;
    if (lean === undefined || !isSimEngine(lean)) throw new Error('the fixture has no sim engine');
    lean.setFaults({ mode: 'hang' });
    feed.changed();
    await clock.advance(0);
    await stream.settle();
    const last = stream.data<LiveSnapshot>('snapshot').at(-1);
    expect(last?.engines[0]?.faults?.mode).toBe('hang');
  });

  it('ends its streams with closing when the policy actor stops, and lets go of everything', async () => {
    const { feed, policy, clock } = fixture();
    const stream = open(feed);
    await stream.settle();
    policy.stop();
    await clock.advance(250);
    await stream.settle();
    expect(stream.data<Closing>('closing')).toEqual([{ reason: 'stopped' }]);
    expect(stream.ended()).toBe(true);
    expect(feed.clientCount).toBe(0);
    expect(clock.pendingCount()).toBe(0);
  });

  it('ends its streams when another policy actor takes over (a new leader term)', async () => {
    const state = fixture();
    const stream = open(state.feed);
    await stream.settle();
    state.current = runtime(state.log, state.clock);
    await state.clock.advance(250);
    await stream.settle();
    expect(stream.data<Closing>('closing')).toEqual([{ reason: 'policy-changed' }]);
    expect(stream.ended()).toBe(true);
  });

  it('on a standby, sends one snapshot without policy data and ends the stream at once', async () => {
    const state = fixture();
    state.current = null;
    const stream = open(state.feed, false);
    await stream.settle();
    expect(stream.events.map((event) => event.event)).toEqual(['hello', 'snapshot', 'log', 'closing']);
    expect(stream.data<LiveSnapshot>('snapshot')[0]).toMatchObject({ role: 'standby', status: null, statePath: null, transitions: [] });
    expect(stream.data<Closing>('closing')).toEqual([{ reason: 'standby' }]);
    expect(stream.ended()).toBe(true);
    expect(state.feed.clientCount).toBe(0);
  });

  it('ends a stream at once when the actor has already stopped', async () => {
    const { feed, policy } = fixture();
    policy.stop();
    const stream = open(feed, false);
    await stream.settle();
    expect(stream.data<Closing>('closing')).toEqual([{ reason: 'stopped' }]);
    expect(stream.ended()).toBe(true);
  });

  it('stops watching when the last page goes away', async () => {
    const { feed, policy, clock } = fixture();
    const stream = open(feed);
    await stream.settle();
    expect(clock.pendingCount()).toBeGreaterThan(0);
    await stream.cancel();
    expect(feed.clientCount).toBe(0);
    policy.send({ type: 'EXECUTION_FAILED', engine: 'lean_self_hosted' });
    expect(clock.pendingCount()).toBe(0);
  });

  it('drops a page that stops reading instead of buffering for it', async () => {
    const { feed, policy, clock } = fixture({ maxQueuedMessages: 3 });
    const unread = feed.open().stream;
    const reader = open(feed);
    await reader.settle();
    for (let index = 0; index < 10; index += 1) {
      policy.send({ type: 'EXECUTION_SUCCEEDED', engine: 'lean_self_hosted' });
      await clock.advance(50);
      await reader.settle();
    }
    expect(feed.clientCount).toBe(1);
    expect(reader.data('snapshot').length).toBeGreaterThanOrEqual(10);
    await expect(unread.getReader().closed).rejects.toThrow(/fell too far behind/);
  });

  it('keeps quiet connections open with a comment every heartbeat', async () => {
    const { feed, clock } = fixture({ heartbeatMs: 1000 });
    const reader = feed.open().stream.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readAvailable = async (): Promise<void> => {
      const chunk = await Promise.race([reader.read(), nextTurn().then(() => null)]);
      if (chunk !== null && !chunk.done) text += decoder.decode(chunk.value, { stream: true });
    };
    await readAvailable();
    expect(text).not.toContain(': heartbeat');
    await clock.advance(1000);
    await readAvailable();
    expect(text).toContain(': heartbeat\n\n');
    await reader.cancel();
  });
});
