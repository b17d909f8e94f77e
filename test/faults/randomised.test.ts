/**
 * The randomised fault run (see `randomised.ts`): two instances under a seeded schedule of every
 * fault the suite knows, judged over the whole history by the tally: every copy of every signal
 * exactly one outcome, nothing placed twice or by two engines, every placed order recorded.
 *
 * By default each run draws a fresh seed from the clock, so CI explores a new schedule every time;
 * `FAULT_SEED=<n>` replays one. The seed is printed before the run and is in any failure message,
 * with the schedule as played, the tally's findings and the folder where the logs were kept. One
 * more run plays a fixed seed whose schedule has every kind of step.
 */
import { afterEach, describe, it } from 'vitest';
import { closeAllFaultLabs } from '../support/faultHarness.js';
import type { QueueKind } from '../support/faultRedis.js';
import { expectFaultFree } from './expectFaultFree.js';
import { FIXED_SEED, freshSeed, randomisedScenario, replayHint, seedFromEnvironment } from './randomised.js';

/** Start-up, a 32 s schedule, clean-up, settling and counting take 40–60 s on two cores. */
const RANDOMISED_TIMEOUT_MS = 120_000;

afterEach(closeAllFaultLabs);

async function runSeed(seed: number, kind: QueueKind, id?: string): Promise<void> {
  const scenario = randomisedScenario({ seed, kind, ...(id === undefined ? {} : { id }) });
  process.stdout.write(`randomised fault run ${scenario.id}: seed ${seed}\n  ${replayHint(seed, scenario.id)}\n`);
  const result = await expectFaultFree(scenario, { maxFindings: 50 });
  const { tally } = result;
  process.stdout.write(
    `${scenario.id} seed ${seed} passed in ${result.seconds.toFixed(1)} s: sent ${tally?.sent ?? '-'}, executed ${tally?.executed ?? '-'}, dead-lettered ${tally?.deadLettered ?? '-'}\n`,
  );
  // FAULT_VERBOSE=1 prints the schedule as played and what the run did, also when it passed.
  if (process.env.FAULT_VERBOSE === '1') process.stdout.write(`${result.report.map((line) => `  ${line}`).join('\n')}\n`);
}

describe('fault: a randomised schedule over two instances', () => {
  it(
    'random-stream: a fresh seed (or FAULT_SEED), stream queue: one outcome per copy, nothing lost or executed twice',
    async () => {
      await runSeed(seedFromEnvironment() ?? freshSeed(), 'stream');
    },
    RANDOMISED_TIMEOUT_MS,
  );

  it(
    'random-list: a fresh seed (or FAULT_SEED), list queue: one outcome per copy, nothing lost or executed twice',
    async () => {
      await runSeed(seedFromEnvironment() ?? freshSeed(), 'list');
    },
    RANDOMISED_TIMEOUT_MS,
  );

  it(
    `random-fixed: the seed ${FIXED_SEED}, which has every kind of step, stream queue`,
    async () => {
      await runSeed(FIXED_SEED, 'stream', 'random-fixed');
    },
    RANDOMISED_TIMEOUT_MS,
  );
});
