/** The periodic health prober, on the test clock: cadence, timeouts, no overlap, stopping. */
import { describe, expect, it } from 'vitest';
import type { EngineId } from '../../machines/engines.js';
import { createHealthProber, type HealthProberOptions, type HealthResults } from '../../src/engines/healthProber.js';
import type { EngineCall, ExecutionEngine } from '../../src/engines/types.js';
import { TestClock } from '../support/testClock.js';

const INTERVAL_MS = 10_000;
const EPOCH = 7;

/**
 * An engine whose health answers as the test says: a fixed answer, or held open until the test
 * releases it. It records when each probe began and how many ran at once.
 */
class ProbedEngine implements ExecutionEngine {
  readonly url = 'test://engine';
  readonly probeTimes: number[] = [];
  /** The call each probe came with. */
  readonly calls: EngineCall[] = [];
  concurrent = 0;
  maxConcurrent = 0;
  private readonly held: Array<(healthy: boolean) => void> = [];

  constructor(
    readonly id: EngineId,
    private readonly clock: TestClock,
    public answer: boolean | 'hold' | 'throw' | 'reject' = true,
  ) {}

  health(call: EngineCall): Promise<boolean> {
    this.probeTimes.push(this.clock.now());
    this.calls.push(call);
    if (this.answer === 'throw') throw new Error('health exploded');
    if (this.answer === 'reject') return Promise.reject(new Error('health failed'));
    if (this.answer !== 'hold') return Promise.resolve(this.answer);
    this.concurrent += 1;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.concurrent);
    return new Promise((resolve) => {
      this.held.push((healthy) => {
        this.concurrent -= 1;
        resolve(healthy);
      });
    });
  }

  /** Answers every held probe. */
  release(healthy: boolean): void {
    for (const answer of this.held.splice(0)) answer(healthy);
  }

  execute(): never {
    throw new Error('the prober must not execute');
  }

  lookup(): never {
    throw new Error('the prober must not look up');
  }
}

function only(engines: ProbedEngine[]): ProbedEngine {
  const [engine] = engines;
  if (engine === undefined || engines.length !== 1) throw new Error('the test needs exactly one engine');
  return engine;
}

interface Round {
  readonly results: HealthResults;
  readonly at: number;
}

function setup(engines: (clock: TestClock) => ProbedEngine[], options: Partial<HealthProberOptions> = {}) {
  const clock = new TestClock();
  const probed = engines(clock);
  const rounds: Round[] = [];
  const prober = createHealthProber({
    engines: probed,
    epoch: EPOCH,
    intervalSeconds: INTERVAL_MS / 1000,
    onResults: (results, at) => rounds.push({ results, at }),
    clock,
    ...options,
  });
  return { clock, engines: probed, rounds, prober };
}

describe('health prober', () => {
  it('probes every engine at start and once per interval after, one result set per round', async () => {
    const { clock, rounds, prober } = setup((t) => [new ProbedEngine('lean_self_hosted', t, true), new ProbedEngine('quanttrader_pybroker', t, false)]);
    prober.start();
    await clock.advance(INTERVAL_MS - 1);
    expect(rounds).toEqual([{ results: { lean_self_hosted: true, quanttrader_pybroker: false }, at: 0 }]);
    await clock.advance(1 + INTERVAL_MS);
    expect(rounds.map((round) => round.at)).toEqual([0, INTERVAL_MS, 2 * INTERVAL_MS]);
    await prober.stop();
  });

  it('sends the term’s epoch with every probe, so a fencing bridge learns of the leader', async () => {
    const { clock, engines, prober } = setup((t) => [new ProbedEngine('lean_self_hosted', t), new ProbedEngine('nautilus_trader', t)]);
    prober.start();
    await clock.advance(INTERVAL_MS);
    await prober.probeNow();
    for (const engine of engines) expect(engine.calls).toEqual([{ epoch: EPOCH }, { epoch: EPOCH }, { epoch: EPOCH }]);
    await prober.stop();
  });

  it('does nothing before start', async () => {
    const { clock, rounds } = setup((t) => [new ProbedEngine('lean_self_hosted', t)]);
    await clock.advance(3 * INTERVAL_MS);
    expect(rounds).toEqual([]);
  });

  it('counts a probe that throws, rejects or answers late as unhealthy, without holding up the others', async () => {
    const { clock, rounds, engines, prober } = setup(
      (t) => [
        new ProbedEngine('lean_self_hosted', t, 'throw'),
        new ProbedEngine('quanttrader_pybroker', t, 'reject'),
        new ProbedEngine('nautilus_trader', t, 'hold'),
      ],
      { probeTimeoutMs: 3000 },
    );
    const round = prober.probeNow();
    await clock.advance(2999);
    expect(rounds).toEqual([]);
    await clock.advance(1);
    const expected = { lean_self_hosted: false, quanttrader_pybroker: false, nautilus_trader: false };
    expect(rounds).toEqual([{ results: expected, at: 3000 }]);
    expect(await round).toEqual(expected);
    // A late "healthy" changes nothing: the round has been delivered.
    engines[2]?.release(true);
    await clock.advance(0);
    expect(rounds).toHaveLength(1);
  });

  it('leaves no probe deadline behind once a round has answered', async () => {
    const { clock, prober } = setup((t) => [new ProbedEngine('lean_self_hosted', t), new ProbedEngine('nautilus_trader', t)]);
    prober.start();
    await clock.advance(0);
    // Only the interval timer remains.
    expect(clock.pendingCount()).toBe(1);
    await prober.stop();
    expect(clock.pendingCount()).toBe(0);
  });

  it('never overlaps rounds: a round slower than the interval delays the next one until it ends', async () => {
    const { clock, rounds, engines, prober } = setup((t) => [new ProbedEngine('lean_self_hosted', t, 'hold')], {
      probeTimeoutMs: 25_000,
    });
    const engine = only(engines);
    prober.start();
    await clock.advance(15_000);
    expect(engine.probeTimes).toEqual([0]);
    engine.release(true);
    await clock.advance(0);
    // The interval ran out at 10 s during the first round: the next starts as soon as it ends.
    expect(rounds).toEqual([{ results: { lean_self_hosted: true }, at: 15_000 }]);
    expect(engine.probeTimes).toEqual([0, 15_000]);
    await clock.advance(5000);
    engine.release(false);
    await clock.advance(5000);
    expect(rounds.map((round) => round.at)).toEqual([15_000, 20_000]);
    expect(engine.probeTimes).toEqual([0, 15_000, 25_000]);
    expect(engine.maxConcurrent).toBe(1);
    engine.release(true);
    await prober.stop();
  });

  it('starts the next round only after a timed-out one has been delivered', async () => {
    const { clock, rounds, engines, prober } = setup((t) => [new ProbedEngine('lean_self_hosted', t, 'hold')], {
      probeTimeoutMs: 25_000,
    });
    const engine = only(engines);
    prober.start();
    await clock.advance(24_999);
    expect(engine.probeTimes).toEqual([0]);
    await clock.advance(1);
    expect(rounds).toEqual([{ results: { lean_self_hosted: false }, at: 25_000 }]);
    expect(engine.probeTimes).toEqual([0, 25_000]);
    engine.release(true);
    await prober.stop();
  });

  it('probeNow runs a round at once and restarts the interval from it', async () => {
    const { clock, rounds, prober } = setup((t) => [new ProbedEngine('lean_self_hosted', t)]);
    prober.start();
    await clock.advance(6000);
    expect(await prober.probeNow()).toEqual({ lean_self_hosted: true });
    await clock.advance(INTERVAL_MS - 1);
    expect(rounds.map((round) => round.at)).toEqual([0, 6000]);
    await clock.advance(1);
    expect(rounds.map((round) => round.at)).toEqual([0, 6000, 16_000]);
    await prober.stop();
  });

  it('probeNow during a round answers that round instead of starting another', async () => {
    const { clock, rounds, engines, prober } = setup((t) => [new ProbedEngine('lean_self_hosted', t, 'hold')]);
    const first = prober.probeNow();
    const second = prober.probeNow();
    await clock.advance(1000);
    engines[0]?.release(true);
    expect(await second).toEqual(await first);
    expect(engines[0]?.probeTimes).toEqual([0]);
    expect(rounds).toHaveLength(1);
  });

  it('probeNow without start runs one round and schedules nothing', async () => {
    const { clock, rounds, prober } = setup((t) => [new ProbedEngine('lean_self_hosted', t)]);
    await prober.probeNow();
    await clock.advance(3 * INTERVAL_MS);
    expect(rounds).toHaveLength(1);
    expect(clock.pendingCount()).toBe(0);
  });

  it('start during a probeNow round keeps that round as the first and schedules the next', async () => {
    const { clock, engines, prober } = setup((t) => [new ProbedEngine('lean_self_hosted', t, 'hold')]);
    void prober.probeNow();
    prober.start();
    engines[0]?.release(true);
    await clock.advance(0);
    only(engines).answer = true;
    await clock.advance(INTERVAL_MS);
    expect(engines[0]?.probeTimes).toEqual([0, INTERVAL_MS]);
    await prober.stop();
  });

  it('stop waits for the round in flight, lets it deliver, and ends the schedule; stopping again is harmless', async () => {
    const { clock, rounds, engines, prober } = setup((t) => [new ProbedEngine('lean_self_hosted', t, 'hold')]);
    prober.start();
    await clock.advance(100);
    let stopped = false;
    const stopping = prober.stop().then(() => {
      stopped = true;
    });
    await clock.advance(100);
    expect(stopped).toBe(false);
    engines[0]?.release(true);
    await stopping;
    expect(rounds).toEqual([{ results: { lean_self_hosted: true }, at: 200 }]);
    await prober.stop();
    await clock.advance(5 * INTERVAL_MS);
    expect(engines[0]?.probeTimes).toEqual([0]);
  });

  it('keeps probing when the results handler throws, and reports the error', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const { clock, prober } = setup((t) => [new ProbedEngine('lean_self_hosted', t)], {
      onResults: () => {
        calls += 1;
        throw new Error('policy unavailable');
      },
      onError: (error) => errors.push(error),
    });
    prober.start();
    await clock.advance(INTERVAL_MS);
    expect(calls).toBe(2);
    expect(errors).toEqual([new Error('policy unavailable'), new Error('policy unavailable')]);
    await prober.stop();
  });

  it.each([0, -1, Number.NaN])('refuses an interval of %s seconds', (intervalSeconds) => {
    expect(() => setup(() => [], { intervalSeconds })).toThrow('interval');
  });
});
