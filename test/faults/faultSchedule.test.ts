/**
 * The randomised run's schedule generator is pure: a seed gives one schedule, every kind of step
 * comes up across seeds, and every schedule is well formed (each fault it opens it closes, inside
 * the conditions under which the service promises exactly once). The checker itself must catch
 * each malformation it names, or "well formed" would prove nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ENGINE_IDS } from '../../machines/engines.js';
import { FAULT_TIMINGS } from '../support/faultHarness.js';
import {
  ALL_STEP_LABELS,
  DEFAULT_LIMITS,
  FIXED_SEED,
  generateSchedule,
  mulberry32,
  scheduleLabels,
  type FaultSchedule,
  type FaultStep,
} from '../support/faultSchedule.js';
import { scheduleProblems } from '../support/faultScheduleCheck.js';

const SEEDS = Array.from({ length: 200 }, (_, index) => index);

/**
 * A schedule of `steps` plus what every schedule needs besides: two produce steps with a repeat
 * each, and every bridge back to ok at 20 s.
 */
function completed(steps: FaultStep[]): FaultSchedule {
  const produce: FaultStep[] = [
    { kind: 'produce', at: 0, count: 3, repeats: [1] },
    { kind: 'produce', at: 100, count: 3, repeats: [2] },
  ];
  const healthy = ENGINE_IDS.map((engine): FaultStep => ({ kind: 'bridge', at: 20_000, engine, mode: 'ok', placeMs: 0, delayMs: 0 }));
  return { seed: 0, limits: DEFAULT_LIMITS, steps: [...produce, ...steps, ...healthy].sort((x, y) => x.at - y.at) };
}

describe('mulberry32', () => {
  it('is a pure function of the seed, uniform in [0, 1)', () => {
    const first = mulberry32(42);
    const again = mulberry32(42);
    const draws = Array.from({ length: 1000 }, () => first());
    expect(Array.from({ length: 1000 }, () => again())).toEqual(draws);
    expect(draws.every((value) => value >= 0 && value < 1)).toBe(true);
    expect(draws.filter((value) => value < 0.5).length).toBeGreaterThan(400);
    expect(mulberry32(43)()).not.toBe(mulberry32(42)());
  });
});

describe('generateSchedule', () => {
  it('gives the same schedule for the same seed, and another for another seed', () => {
    for (const seed of [0, 1, 7, 123_456, 2 ** 32 - 1]) expect(generateSchedule(seed)).toEqual(generateSchedule(seed));
    expect(generateSchedule(1).steps).not.toEqual(generateSchedule(2).steps);
  });

  it('draws its limits from the lab timings the randomised run keeps (FAULT_TIMINGS)', () => {
    expect(DEFAULT_LIMITS.engineTimeoutMs).toBe(Number(FAULT_TIMINGS.ENGINE_TIMEOUT_MS));
    expect(DEFAULT_LIMITS.leaseMs).toBe(Number(FAULT_TIMINGS.LEADER_LEASE_SECONDS) * 1000);
    expect(DEFAULT_LIMITS.inDoubtTimeoutMs).toBe(Number(FAULT_TIMINGS.IN_DOUBT_TIMEOUT) * 1000);
  });

  it('makes well-formed schedules for 200 seeds and for any seed fast-check draws', () => {
    for (const seed of SEEDS) expect(scheduleProblems(generateSchedule(seed)), `seed ${seed}`).toEqual([]);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (seed) => scheduleProblems(generateSchedule(seed)).length === 0),
      { numRuns: 300 },
    );
  });

  it('has every kind of step across seeds, most of them in a typical seed', () => {
    const seen = new Set(SEEDS.flatMap((seed) => [...scheduleLabels(generateSchedule(seed))]));
    expect([...seen].sort()).toEqual([...ALL_STEP_LABELS].sort());
    const kinds = SEEDS.map((seed) => scheduleLabels(generateSchedule(seed)).size);
    const median = [...kinds].sort((x, y) => x - y)[Math.floor(kinds.length / 2)] ?? 0;
    expect(median).toBeGreaterThanOrEqual(ALL_STEP_LABELS.length - 2);
  });

  it(`the fixed seed ${FIXED_SEED} has every kind of step`, () => {
    const labels = scheduleLabels(generateSchedule(FIXED_SEED));
    expect(ALL_STEP_LABELS.filter((label) => !labels.has(label))).toEqual([]);
  });

  it('produces signals throughout, some ids twice, and ends every fault within the fault phase', () => {
    for (const seed of SEEDS.slice(0, 50)) {
      const { steps, limits } = generateSchedule(seed);
      const produce = steps.flatMap((step) => (step.kind === 'produce' ? [step] : []));
      expect(produce.reduce((sum, step) => sum + step.count, 0)).toBeGreaterThan(40);
      expect(produce.reduce((sum, step) => sum + step.repeats.length, 0)).toBeGreaterThanOrEqual(2);
      expect(Math.max(...steps.map((step) => step.at))).toBeLessThanOrEqual(limits.durationMs);
    }
  });
});

describe('scheduleProblems', () => {
  it('accepts a schedule that closes every fault it opens', () => {
    expect(
      scheduleProblems(
        completed([
          { kind: 'freeze', at: 200, instance: 'a' },
          { kind: 'kill', at: 300, instance: 'b' },
          { kind: 'thaw', at: 1500, instance: 'a' },
          { kind: 'restart', at: 1600, instance: 'b' },
          { kind: 'stop-redis', at: 2000 },
          { kind: 'start-redis', at: 2500 },
          { kind: 'pause', at: 3000 },
          { kind: 'resume', at: 3500 },
        ]),
      ),
    ).toEqual([]);
  });

  it.each<[string, FaultStep[], RegExp]>([
    ['a freeze without a thaw', [{ kind: 'freeze', at: 200, instance: 'a' }], /instance a: the freeze at 200 is never closed/],
    ['a kill without a restart', [{ kind: 'kill', at: 200, instance: 'b' }], /instance b: the kill at 200 is never closed/],
    ['a restart of an instance never killed', [{ kind: 'restart', at: 200, instance: 'a' }], /restart at 200 closes nothing/],
    ['a Redis stop without a start', [{ kind: 'stop-redis', at: 200 }], /redis: the stop-redis at 200 is never closed/],
    ['a pause without a resume', [{ kind: 'pause', at: 200 }], /operator: the pause at 200 is never closed/],
    [
      'a freeze within the lease',
      [
        { kind: 'freeze', at: 200, instance: 'a' },
        { kind: 'thaw', at: 900, instance: 'a' },
      ],
      /freeze at 200 held 700 ms/,
    ],
    [
      'a kill of a frozen instance',
      [
        { kind: 'freeze', at: 200, instance: 'a' },
        { kind: 'kill', at: 300, instance: 'a' },
        { kind: 'thaw', at: 1500, instance: 'a' },
        { kind: 'restart', at: 1600, instance: 'a' },
      ],
      /kill at 300 while the freeze at 200 is not closed/,
    ],
    [
      'a bridge down for longer than lookups may fail',
      [
        { kind: 'bridge', at: 200, engine: 'lean_self_hosted', mode: 'down', placeMs: 0, delayMs: 0 },
        { kind: 'bridge', at: 2000, engine: 'lean_self_hosted', mode: 'ok', placeMs: 0, delayMs: 0 },
      ],
      /lean_self_hosted: down at 200 lasts more than/,
    ],
    [
      'two unreachable stretches with too little answering between them',
      [
        { kind: 'bridge', at: 200, engine: 'nautilus_trader', mode: 'fail', placeMs: 0, delayMs: 0 },
        { kind: 'bridge', at: 700, engine: 'nautilus_trader', mode: 'ok', placeMs: 0, delayMs: 0 },
        { kind: 'bridge', at: 900, engine: 'nautilus_trader', mode: 'down', placeMs: 0, delayMs: 0 },
        { kind: 'bridge', at: 1200, engine: 'nautilus_trader', mode: 'ok', placeMs: 0, delayMs: 0 },
      ],
      /nautilus_trader: lookups answered only 200 ms/,
    ],
    [
      'a slow bridge as slow as the engine timeout',
      [{ kind: 'bridge', at: 200, engine: 'quanttrader_pybroker', mode: 'slow', placeMs: 0, delayMs: 300 }],
      /slow at 200 with delay 300/,
    ],
    [
      'a bridge left failing',
      [{ kind: 'bridge', at: 20_001, engine: 'quanttrader_pybroker', mode: 'reject', placeMs: 0, delayMs: 0 }],
      /quanttrader_pybroker: does not end the fault phase in ok/,
    ],
    [
      'signals produced while Redis is down',
      [
        { kind: 'stop-redis', at: 1000 },
        { kind: 'produce', at: 1500, count: 2, repeats: [] },
        { kind: 'start-redis', at: 2000 },
      ],
      /produce at 1500 while Redis is down/,
    ],
    ['a repeat of an id not produced yet', [{ kind: 'produce', at: 300, count: 1, repeats: [9] }], /repeats #9, not produced yet/],
  ])('catches %s', (_name, steps, problem) => {
    expect(scheduleProblems(completed(steps)).join('\n')).toMatch(problem);
  });
});
