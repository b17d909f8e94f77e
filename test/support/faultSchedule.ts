/**
 * A randomised fault schedule for two service instances, as a pure function of a seed: the same
 * seed gives the same schedule on every machine, so a failing run is replayed with `FAULT_SEED`.
 * It says what happens when (ms after the start of the fault phase): signals produced (some ids a
 * second time), bridge modes switched, instances killed and restarted or frozen and thawed, Redis
 * stopped and started, execution paused and resumed by an operator. `faultPlayer.ts` plays it.
 *
 * The schedule stays inside the conditions under which the service promises exactly once, so that
 * anything the tally finds is the service's fault, not the schedule's:
 * - bridges keep `ietf` idempotency and fencing (set by the lab, never switched here);
 * - `slow` answers come below ENGINE_TIMEOUT_MS, and an order is in progress at most
 *   {@link MAX_PLACE_MS} + that, far below IN_DOUBT_TIMEOUT;
 * - a bridge answers no lookup in `fail` and `down`, so an unknown outcome could legitimately end
 *   `in_doubt` if they lasted IN_DOUBT_TIMEOUT. Each such stretch lasts at most
 *   {@link MAX_UNREACHABLE_MS} and is followed by at least {@link MIN_ANSWERING_MS} of a mode that
 *   answers lookups: every IN_DOUBT_TIMEOUT window of a settler then holds answered lookups, and
 *   the tally may count a placed order that ends `in_doubt` as lost ("the engine knew").
 * - no signal is produced while Redis is down or within {@link REDIS_GUARD_MS} of it (a producer's
 *   XADD cut by the stop could be applied and still fail, and the count of copies would be wrong).
 */
import { ENGINE_IDS, type EngineId } from '../../machines/engines.js';
import type { FakeBridgeMode } from './fakeBridge.js';

/** The instances of a randomised run. */
export const INSTANCE_NAMES = ['a', 'b'] as const;
export type InstanceName = (typeof INSTANCE_NAMES)[number];

/** The bridge modes a schedule switches between (`hang` and `status` would make in_doubt legitimate or test nothing). */
export const SCHEDULED_MODES = [
  'ok',
  'fail',
  'slow',
  'hang-after-execute',
  'drop-after-execute',
  'down',
  'reject',
] as const satisfies readonly FakeBridgeMode[];
export type ScheduledMode = (typeof SCHEDULED_MODES)[number];

/** Modes in which the bridge answers no lookup. */
const UNREACHABLE: ReadonlySet<ScheduledMode> = new Set(['fail', 'down']);

/** Longest stretch of `fail` or `down` on one bridge. */
export const MAX_UNREACHABLE_MS = 1200;
/** Shortest stretch of a lookup-answering mode after one. */
export const MIN_ANSWERING_MS = 1000;
/** Largest `placeMs` a bridge is given. */
export const MAX_PLACE_MS = 400;
/** No signal is produced this close to a Redis stop or start. */
export const REDIS_GUARD_MS = 500;

/** The service timings a schedule is drawn against (the lab's FAULT_TIMINGS, in ms). */
export interface ScheduleLimits {
  /** How long the fault phase lasts; every fault has ended by then. */
  readonly durationMs: number;
  readonly engineTimeoutMs: number;
  readonly leaseMs: number;
  readonly inDoubtTimeoutMs: number;
}

/** The lab's timings (FAULT_TIMINGS: ENGINE_TIMEOUT_MS 300, LEADER_LEASE_SECONDS 1, IN_DOUBT_TIMEOUT 3). */
export const DEFAULT_LIMITS: ScheduleLimits = { durationMs: 32_000, engineTimeoutMs: 300, leaseMs: 1000, inDoubtTimeoutMs: 3000 };

/** One step; `at` is ms after the start of the fault phase. */
export type FaultStep =
  | { readonly kind: 'produce'; readonly at: number; readonly count: number; readonly repeats: readonly number[] }
  | {
      readonly kind: 'bridge';
      readonly at: number;
      readonly engine: EngineId;
      readonly mode: ScheduledMode;
      readonly placeMs: number;
      readonly delayMs: number;
    }
  | { readonly kind: 'kill' | 'restart' | 'freeze' | 'thaw'; readonly at: number; readonly instance: InstanceName }
  | { readonly kind: 'stop-redis' | 'start-redis' | 'pause' | 'resume'; readonly at: number };

/** A schedule: its seed and its steps in time order. */
export interface FaultSchedule {
  readonly seed: number;
  readonly limits: ScheduleLimits;
  readonly steps: readonly FaultStep[];
}

/** A small seeded PRNG (mulberry32): uniform in [0, 1), a pure function of the seed and the draws. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A seed whose schedule has every kind of step (asserted by `faultSchedule.test.ts`): the fixed
 * run of the randomised test. Pick another if a change to the generator loses a kind.
 */
export const FIXED_SEED = 1;

/** Draws from one PRNG. */
class Draw {
  readonly #next: () => number;
  constructor(seed: number) {
    this.#next = mulberry32(seed);
  }
  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.#next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.#next() < p;
  }
  pick<T>(items: readonly T[]): T {
    const item = items[this.int(0, items.length - 1)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }
  /** One of `weights`' keys, in proportion to its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = Object.entries(weights) as [K, number][];
    let roll = this.#next() * entries.reduce((sum, [, weight]) => sum + weight, 0);
    for (const [key, weight] of entries) {
      roll -= weight;
      if (roll < 0) return key;
    }
    const last = entries[entries.length - 1];
    if (last === undefined) throw new Error('weighted pick from nothing');
    return last[0];
  }
}

/** An interval [from, to) of the fault phase. */
interface Span {
  readonly from: number;
  readonly to: number;
}

/** Up to `count` non-overlapping spans of `hold` ms inside [start, end), at least `gap` apart. */
function spans(draw: Draw, count: number, start: number, end: number, hold: () => number, gap: number): Span[] {
  const taken: Span[] = [];
  for (let tries = 0; taken.length < count && tries < 20; tries += 1) {
    const length = hold();
    const from = draw.int(start, Math.max(start, end - length));
    const span = { from, to: from + length };
    if (span.to <= end && taken.every((other) => span.to + gap <= other.from || other.to + gap <= span.from)) taken.push(span);
  }
  return taken.sort((x, y) => x.from - y.from);
}

/** How often each engine's bridge misbehaves: the primary most, so failover and failback both happen. */
const ACTIVITY: Readonly<Record<EngineId, number>> = { lean_self_hosted: 1, quanttrader_pybroker: 0.7, nautilus_trader: 0.5 };

const MODE_WEIGHTS: Readonly<Record<Exclude<ScheduledMode, 'ok'>, number>> = {
  fail: 1,
  slow: 1.5,
  'hang-after-execute': 1.5,
  'drop-after-execute': 1.5,
  down: 1,
  reject: 0.7,
};

function bridgeSteps(draw: Draw, engine: EngineId, limits: ScheduleLimits): FaultStep[] {
  const steps: FaultStep[] = [];
  const end = limits.durationMs - 500;
  const step = (at: number, mode: ScheduledMode): void => {
    // Placing takes a while in some steps: an order is then still in progress when its answer is due.
    const placeMs = draw.pick([0, 0, 50, 150, MAX_PLACE_MS]);
    // `slow` answers well below the engine timeout, so a slow bridge is slow, not dead.
    const delayMs = mode === 'slow' ? draw.int(40, Math.min(160, limits.engineTimeoutMs / 2)) : 0;
    steps.push({ kind: 'bridge', at, engine, mode, placeMs, delayMs });
  };
  let at = draw.int(500, 4000);
  while (at < end - MIN_ANSWERING_MS) {
    const mode = draw.weighted(MODE_WEIGHTS);
    if (UNREACHABLE.has(mode)) {
      step(at, mode);
      at += draw.int(300, MAX_UNREACHABLE_MS);
      // Lookups answered again for a while, in whatever answering mode comes next.
      const next = draw.pick(['ok', 'slow', 'hang-after-execute', 'drop-after-execute', 'reject'] as const);
      step(at, next);
      at += draw.int(MIN_ANSWERING_MS, 3000);
    } else {
      step(at, mode);
      at += draw.int(800, 4000);
    }
    if (draw.chance(1 - 0.6 * ACTIVITY[engine]) && at < end) {
      step(at, 'ok');
      at += draw.int(1000, 5000);
    }
  }
  // Every bridge ends the fault phase healthy, in time for a last unknown outcome to be looked up;
  // never before its last step (which may run past `end` by an unreachable stretch).
  const last = steps[steps.length - 1]?.at ?? 0;
  steps.push({ kind: 'bridge', at: Math.max(last + 1, Math.min(at, end)), engine, mode: 'ok', placeMs: 0, delayMs: 0 });
  return steps;
}

function instanceSteps(draw: Draw, instance: InstanceName, limits: ScheduleLimits): FaultStep[] {
  const steps: FaultStep[] = [];
  let at = draw.int(2000, 7000);
  while (at < limits.durationMs - 4000) {
    if (draw.chance(0.5)) {
      steps.push({ kind: 'kill', at, instance });
      at += draw.int(200, 2500);
      steps.push({ kind: 'restart', at, instance });
    } else {
      steps.push({ kind: 'freeze', at, instance });
      // Frozen past its lease, so the other instance takes over (or the lease lapses) meanwhile.
      at += draw.int(limits.leaseMs + 300, limits.leaseMs + 1600);
      steps.push({ kind: 'thaw', at, instance });
    }
    at += draw.int(3000, 9000);
  }
  return steps;
}

function produceSteps(draw: Draw, redisDown: readonly Span[], limits: ScheduleLimits): FaultStep[] {
  const steps: { at: number; count: number; repeats: number[] }[] = [];
  let produced = 0;
  let at = 0;
  while (at < limits.durationMs - 1000) {
    const blocked = redisDown.find((span) => at > span.from - REDIS_GUARD_MS && at < span.to + REDIS_GUARD_MS);
    if (blocked !== undefined) {
      at = blocked.to + REDIS_GUARD_MS;
      continue;
    }
    const count = draw.int(2, 6);
    produced += count;
    // A repeat is a deliberate duplicate of an id produced before, sometimes in this very batch.
    const repeats = draw.chance(0.3) ? [draw.int(1, produced)] : [];
    steps.push({ at, count, repeats });
    at += draw.int(500, 1600);
  }
  // At least two ids produced twice in every run.
  for (let index = steps.length - 1; steps.reduce((sum, step) => sum + step.repeats.length, 0) < 2 && index >= 0; index -= 1) {
    const step = steps[index];
    const before = steps.slice(0, index + 1).reduce((sum, earlier) => sum + earlier.count, 0);
    if (step !== undefined) step.repeats.push(draw.int(1, before));
  }
  return steps.map((step) => ({ kind: 'produce', ...step }));
}

const OUTAGES = { none: 0.15, once: 0.5, twice: 0.35 } as const;
const HOW_MANY: Readonly<Record<keyof typeof OUTAGES, number>> = { none: 0, once: 1, twice: 2 };

/** Draws the schedule of `seed`: a pure function of the seed and the limits. */
export function generateSchedule(seed: number, limits: ScheduleLimits = DEFAULT_LIMITS): FaultSchedule {
  const draw = new Draw(seed);
  const end = limits.durationMs;
  // Most runs stop Redis and pause once or twice; some do neither, to see the other faults alone.
  const redisDown = spans(draw, HOW_MANY[draw.weighted(OUTAGES)], 3000, end - 3000, () => draw.int(400, 2000), 4000);
  const paused = spans(draw, HOW_MANY[draw.weighted(OUTAGES)], 1000, end - 2000, () => draw.int(500, 3000), 2000);
  const steps: FaultStep[] = [
    ...produceSteps(draw, redisDown, limits),
    ...ENGINE_IDS.flatMap((engine) => bridgeSteps(draw, engine, limits)),
    ...INSTANCE_NAMES.flatMap((instance) => instanceSteps(draw, instance, limits)),
    ...redisDown.flatMap((span): FaultStep[] => [
      { kind: 'stop-redis', at: span.from },
      { kind: 'start-redis', at: span.to },
    ]),
    ...paused.flatMap((span): FaultStep[] => [
      { kind: 'pause', at: span.from },
      { kind: 'resume', at: span.to },
    ]),
  ];
  // Stable: steps at the same time keep their generation order (a pair never swaps).
  return {
    seed,
    limits,
    steps: steps
      .map((step, index) => ({ step, index }))
      .sort((x, y) => x.step.at - y.step.at || x.index - y.index)
      .map(({ step }) => step),
  };
}

/** The step as a short phrase, for the schedule printed with a failure. */
export function describeStep(step: FaultStep): string {
  switch (step.kind) {
    case 'produce':
      return `produce ${step.count} new${step.repeats.length === 0 ? '' : `, again #${step.repeats.join(', #')}`}`;
    case 'bridge':
      return `bridge ${step.engine} → ${step.mode}${step.mode === 'slow' ? ` ${step.delayMs} ms` : ''}, placeMs ${step.placeMs}`;
    case 'kill':
      return `kill -9 ${step.instance}`;
    case 'restart':
    case 'freeze':
    case 'thaw':
      return `${step.kind} ${step.instance}`;
    default:
      return step.kind;
  }
}

/** What kind of step it is, for coverage: `mode:<mode>` for a bridge step, `repeat` for a produce step with repeats. */
export function stepLabels(step: FaultStep): string[] {
  if (step.kind === 'bridge') return [`mode:${step.mode}`];
  if (step.kind === 'produce') return step.repeats.length > 0 ? ['produce', 'repeat'] : ['produce'];
  return [step.kind];
}

/** Every label a schedule can have. */
export const ALL_STEP_LABELS: readonly string[] = [
  'produce',
  'repeat',
  ...SCHEDULED_MODES.map((mode) => `mode:${mode}`),
  'kill',
  'restart',
  'freeze',
  'thaw',
  'stop-redis',
  'start-redis',
  'pause',
  'resume',
];

/** The labels of a schedule's steps. */
export function scheduleLabels(schedule: FaultSchedule): Set<string> {
  return new Set(schedule.steps.flatMap(stepLabels));
}
