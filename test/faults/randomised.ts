/**
 * The randomised fault run: two instances (`a` leads, `b` stands by) on one lab play a schedule
 * drawn from a seed (`faultSchedule.ts`: bridge modes, kill -9 and restart, SIGSTOP past the lease
 * and SIGCONT, Redis stopped and started, operator pause and resume, signals produced throughout
 * with some ids twice), then everything is put back in order and the whole history is counted by
 * the tally. Run by `randomised.test.ts` and as rows of `npm run faults`; README.md says how to
 * replay a seed. The lab keeps its timing defaults (FAULT_TIMINGS), which the schedule's
 * DEFAULT_LIMITS match (asserted by `faultSchedule.test.ts`).
 */
import type { FaultLab } from '../support/faultHarness.js';
import { pollFor } from '../support/faultPolling.js';
import { SchedulePlayer } from '../support/faultPlayer.js';
import type { QueueKind } from '../support/faultRedis.js';
import { generateSchedule, INSTANCE_NAMES } from '../support/faultSchedule.js';
export { FIXED_SEED } from '../support/faultSchedule.js';
import { scheduleProblems } from '../support/faultScheduleCheck.js';
import type { FaultScenario } from '../support/faultScenario.js';

let drawn = 0;

/** A seed from the clock, different on every call, so that CI explores a new schedule each run. */
export function freshSeed(): number {
  drawn += 1;
  return (Date.now() + drawn) % 2 ** 32;
}

/** `FAULT_SEED` as a seed, or null when unset; a value that is no seed is an error, not ignored. */
export function seedFromEnvironment(env: NodeJS.ProcessEnv = process.env): number | null {
  const text = env.FAULT_SEED;
  if (text === undefined || text.trim() === '') return null;
  const seed = Number(text);
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw new Error(`FAULT_SEED=${text}: expected an integer from 0 to ${2 ** 32 - 1}`);
  return seed;
}

/** How to run `seed` again, for the vitest file and for the runner. */
export function replayHint(seed: number, id: string): string {
  return `replay: FAULT_SEED=${seed} npx vitest run test/faults/randomised.test.ts -t ${id}  or  npm run faults -- --seed ${seed} ${id}`;
}

function counted(values: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].map(([value, count]) => `${value} ${count}`).join(', ');
}

/** What the run did, in one line: outcomes by kind, placements by engine and by sender. */
async function summariseHistory(lab: FaultLab): Promise<string> {
  const outcomes = await lab.outcomes();
  const placements = lab.placements();
  return [
    `outcomes: ${counted(outcomes.map((entry) => entry.outcome))}`,
    `placed on: ${counted(placements.map((placement) => placement.engine))}`,
    `placed by: ${counted(placements.map((placement) => `${placement.sender ?? '?'} (epoch ${placement.epoch ?? '-'})`))}`,
  ].join('; ');
}

/** The randomised run of `seed` on a `kind` queue; `id` names its row, lab and signal ids. */
export function randomisedScenario(options: { seed: number; kind: QueueKind; id?: string }): FaultScenario {
  const { seed, kind } = options;
  const id = options.id ?? `random-${kind}`;
  const schedule = generateSchedule(seed);
  let player: SchedulePlayer | null = null;
  let history = '';
  return {
    id,
    title: `randomised faults over two instances (${kind} queue), seed ${seed}`,
    lab: {
      kind,
      // Exactly once is promised with bridges that honour the Idempotency-Key as the IETF draft
      // says and refuse orders below the highest leader epoch they saw (contract sections 4, 7):
      // a frozen leader's late order is refused only by the fence.
      bridges: {
        lean_self_hosted: { idempotency: 'ietf', fencing: true },
        quanttrader_pybroker: { idempotency: 'ietf', fencing: true },
        nautilus_trader: { idempotency: 'ietf', fencing: true },
      },
    },
    // Retries back off up to seconds after long outages; the whole history must settle in this.
    settleTimeoutMs: 30_000,
    async run(lab, checks) {
      const problems = scheduleProblems(schedule);
      checks.add('the schedule is well formed', problems.length === 0, problems.length === 0 ? `${schedule.steps.length} steps` : problems.join('; '));
      const playing = new SchedulePlayer(lab, schedule);
      player = playing;
      await playing.startInstances();
      await playing.play();
      await playing.restore();
      return async () => {
        history = await summariseHistory(lab);
        const failed = playing.played.filter((step) => step.error !== null);
        checks.add(
          'every step of the schedule was played',
          failed.length === 0,
          failed.length === 0 ? `${playing.played.length} steps` : failed.map((step) => `${step.step.kind} at ${step.step.at}: ${step.error ?? ''}`).join('; '),
        );
        checks.add(
          'every pause the operator made held until its resume (a resume never found execution running)',
          playing.lostPauses.length === 0,
          playing.lostPauses.length === 0 ? 'none lost' : playing.lostPauses.map((step) => `resume at +${step.startedAt ?? '?'} ms: ${step.note}`).join('; '),
        );
        let roles: string[] = [];
        const oneLeader = await pollFor(5000, async () => {
          roles = await Promise.all(INSTANCE_NAMES.map(async (name) => `${name}: ${String((await playing.instance(name).status())?.role ?? 'no status')}`));
          return roles.filter((role) => role.endsWith(': leader')).length === 1 && roles.filter((role) => role.endsWith(': standby')).length === 1;
        });
        checks.add('at the end one instance leads and the other stands by', oneLeader, roles.join(', '));
      };
    },
    report() {
      return [
        `seed ${seed}; ${replayHint(seed, id)}`,
        ...(history === '' ? [] : [`history: ${history}`]),
        `schedule of seed ${seed}, ${schedule.steps.length} steps (times after the start of the fault phase, as played):`,
        ...(player?.lines() ?? ['(not played: the lab did not start)']).map((line) => `  ${line}`),
        ...(player?.notes ?? []),
      ];
    },
  };
}
