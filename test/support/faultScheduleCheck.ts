/**
 * Whether a fault schedule is well formed: every fault it opens it also closes (a thaw after each
 * freeze, a restart after each kill, Redis started after each stop, a resume after each pause),
 * and it stays inside the conditions under which the service promises exactly once (see the header
 * of `faultSchedule.ts`). Pure; the unit tests run it over many seeds, and a randomised run checks
 * its own schedule with it before playing it.
 */
import { ENGINE_IDS } from '../../machines/engines.js';
import { INSTANCE_NAMES, MAX_PLACE_MS, MAX_UNREACHABLE_MS, MIN_ANSWERING_MS, REDIS_GUARD_MS, type FaultSchedule, type FaultStep } from './faultSchedule.js';

type Opening = 'kill' | 'freeze' | 'stop-redis' | 'pause';
const CLOSES: Readonly<Record<Opening, FaultStep['kind']>> = { kill: 'restart', freeze: 'thaw', 'stop-redis': 'start-redis', pause: 'resume' };

/** Checks that `steps` (of one target) alternate opening and closing steps and end closed. */
function pairsProblems(target: string, steps: readonly FaultStep[], minHeldMs: Partial<Record<Opening, number>>): string[] {
  const problems: string[] = [];
  let open: FaultStep | null = null;
  for (const step of steps) {
    if (step.kind in CLOSES) {
      if (open !== null) problems.push(`${target}: ${step.kind} at ${step.at} while the ${open.kind} at ${open.at} is not closed`);
      open = step;
      continue;
    }
    if (open === null || CLOSES[open.kind as Opening] !== step.kind) {
      problems.push(`${target}: ${step.kind} at ${step.at} closes nothing`);
      continue;
    }
    const held = step.at - open.at;
    const least = minHeldMs[open.kind as Opening] ?? 1;
    if (held < least) problems.push(`${target}: ${open.kind} at ${open.at} held ${held} ms, less than ${least}`);
    open = null;
  }
  if (open !== null) problems.push(`${target}: the ${open.kind} at ${open.at} is never closed`);
  return problems;
}

function bridgeProblems(schedule: FaultSchedule): string[] {
  const problems: string[] = [];
  const { engineTimeoutMs, durationMs } = schedule.limits;
  for (const engine of ENGINE_IDS) {
    const steps = schedule.steps.filter((step) => step.kind === 'bridge' && step.engine === engine);
    steps.forEach((step, index) => {
      if (step.kind !== 'bridge') return;
      if (step.mode === 'slow' && (step.delayMs <= 0 || step.delayMs >= engineTimeoutMs)) {
        problems.push(`${engine}: slow at ${step.at} with delay ${step.delayMs} ms, not in (0, ENGINE_TIMEOUT_MS)`);
      }
      if (step.placeMs < 0 || step.placeMs > MAX_PLACE_MS) problems.push(`${engine}: placeMs ${step.placeMs} at ${step.at}`);
      if (step.mode !== 'fail' && step.mode !== 'down') return;
      const next = steps[index + 1];
      if (next === undefined || next.at - step.at > MAX_UNREACHABLE_MS) {
        problems.push(`${engine}: ${step.mode} at ${step.at} lasts more than ${MAX_UNREACHABLE_MS} ms`);
        return;
      }
      // Answering modes from `next` on until the next unreachable one, for at least MIN_ANSWERING_MS.
      const again = steps.slice(index + 1).find((later) => later.kind === 'bridge' && (later.mode === 'fail' || later.mode === 'down'));
      if (again !== undefined && again.at - next.at < MIN_ANSWERING_MS) {
        problems.push(
          `${engine}: lookups answered only ${again.at - next.at} ms between the ${step.mode} at ${step.at} and the ${again.kind === 'bridge' ? again.mode : ''} at ${again.at}`,
        );
      }
    });
    const last = steps[steps.length - 1];
    if (last === undefined || last.kind !== 'bridge' || last.mode !== 'ok' || last.at > durationMs) {
      problems.push(`${engine}: does not end the fault phase in ok`);
    }
  }
  return problems;
}

function produceProblems(schedule: FaultSchedule): string[] {
  const problems: string[] = [];
  let produced = 0;
  let repeats = 0;
  const stops = schedule.steps.filter((step) => step.kind === 'stop-redis' || step.kind === 'start-redis').map((step) => step.at);
  const down = schedule.steps
    .filter((step) => step.kind === 'stop-redis')
    .map((stop) => ({
      from: stop.at,
      to: schedule.steps.find((step) => step.kind === 'start-redis' && step.at >= stop.at)?.at ?? Infinity,
    }));
  for (const step of schedule.steps) {
    if (step.kind !== 'produce') continue;
    produced += step.count;
    repeats += step.repeats.length;
    if (step.count < 1) problems.push(`produce at ${step.at}: count ${step.count}`);
    for (const ordinal of step.repeats) if (ordinal < 1 || ordinal > produced) problems.push(`produce at ${step.at}: repeats #${ordinal}, not produced yet`);
    if (down.some((span) => step.at > span.from && step.at < span.to)) problems.push(`produce at ${step.at} while Redis is down`);
    if (stops.some((at) => Math.abs(at - step.at) < REDIS_GUARD_MS))
      problems.push(`produce at ${step.at} within ${REDIS_GUARD_MS} ms of a Redis stop or start`);
  }
  if (repeats < 2) problems.push(`only ${repeats} ids produced twice`);
  return problems;
}

/** Every way `schedule` is not well formed; empty when it is. */
export function scheduleProblems(schedule: FaultSchedule): string[] {
  const { steps, limits } = schedule;
  const problems: string[] = [];
  steps.forEach((step, index) => {
    const before = steps[index - 1];
    if (before !== undefined && before.at > step.at) problems.push(`step ${index} at ${step.at} comes after one at ${before.at}`);
    if (step.at < 0 || !Number.isInteger(step.at)) problems.push(`step ${index} at ${step.at}`);
  });
  for (const instance of INSTANCE_NAMES) {
    const own = steps.filter((step) => 'instance' in step && step.instance === instance);
    problems.push(...pairsProblems(`instance ${instance}`, own, { freeze: limits.leaseMs + 1 }));
  }
  problems.push(
    ...pairsProblems(
      'redis',
      steps.filter((step) => step.kind === 'stop-redis' || step.kind === 'start-redis'),
      {},
    ),
  );
  problems.push(
    ...pairsProblems(
      'operator',
      steps.filter((step) => step.kind === 'pause' || step.kind === 'resume'),
      {},
    ),
  );
  problems.push(...bridgeProblems(schedule), ...produceProblems(schedule));
  const last = steps[steps.length - 1];
  if (last !== undefined && last.at > limits.durationMs) problems.push(`the last step at ${last.at} is past the fault phase (${limits.durationMs} ms)`);
  return problems;
}
