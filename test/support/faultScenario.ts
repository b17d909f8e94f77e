/**
 * A fault scenario and how one is run: a lab is started, the scenario injects its fault and records
 * checks of the behaviour the contract promises around it, then the lab waits for every signal to
 * settle, stops the instances (so anything they still do is seen) and counts. Shared by the vitest
 * tests and the `npm run faults` runner.
 */
import { startFaultLab, type FaultLab, type FaultLabOptions } from './faultHarness.js';
import type { FaultTally } from './faultTally.js';

/** One named expectation a scenario checked, with what it saw. */
export interface FaultCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** Where a scenario records its checks. */
export class FaultChecks {
  readonly #checks: FaultCheck[] = [];

  /** Records a check; `detail` says what was seen, for the report either way. */
  add(name: string, ok: boolean, detail: string): void {
    this.#checks.push({ name, ok, detail });
  }

  /** Every check so far, in order. */
  all(): readonly FaultCheck[] {
    return this.#checks;
  }
}

/** A fault and what to check around it. */
export interface FaultScenario {
  /** Short name: the row label of `npm run faults`, the lab's log folder, the signal id prefix. */
  readonly id: string;
  /** One line for people. */
  readonly title: string;
  /** The lab the scenario runs in (`name` is the id). */
  readonly lab: Omit<FaultLabOptions, 'name' | 'logRoot'>;
  /** How long the signals may take to settle after `run` returns. */
  readonly settleTimeoutMs: number;
  /**
   * Starts instances, produces signals, injects the fault and records checks. May answer a step
   * to run once every signal has settled (checks of the end state), before the instances stop.
   */
  run(lab: FaultLab, checks: FaultChecks): Promise<AfterSettled | void>;
  /**
   * Lines to print with a failure besides the checks and findings, read once the run is over (a
   * randomised scenario's seed and its schedule as played).
   */
  report?(): readonly string[];
}

/** A scenario's checks of the end state, run once the signals have settled. */
export type AfterSettled = () => Promise<void>;

/** How one scenario ended. */
export interface FaultResult {
  readonly id: string;
  readonly title: string;
  /** Null when the lab could not even be counted (Redis never answered). */
  readonly tally: FaultTally | null;
  readonly checks: readonly FaultCheck[];
  /** What stopped the scenario early, with its causes; null when it ran to the end. */
  readonly error: string | null;
  readonly seconds: number;
  /** Where the instances' logs are; kept when the scenario failed or `keepLogs` was asked for. */
  readonly logDir: string;
  /** The scenario's own report lines (see {@link FaultScenario.report}); empty for most. */
  readonly report: readonly string[];
  /** No error, every check held, and the tally found nothing lost, doubled, extra or unsettled. */
  readonly passed: boolean;
}

/** An error's message followed by its causes', for a report. */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth += 1) {
    parts.push(current instanceof Error ? current.message : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(' <- caused by: ');
}

/** Whether a tally shows the guarantee held: nothing lost, doubled, extra, unsettled or mislabelled. */
export function tallyIsClean(tally: FaultTally): boolean {
  return (
    tally.lost === 0 &&
    tally.executedTwice === 0 &&
    tally.extraOutcomes === 0 &&
    tally.unsettled === 0 &&
    tally.misattributed === 0 &&
    tally.orphans === 0 &&
    tally.badIdempotencyKeys === 0
  );
}

/** How long the counting waits for stragglers after a scenario stopped early. */
const SETTLE_AFTER_ERROR_MS = 2000;

/** Runs one scenario in a lab of its own and closes the lab, whatever happens. */
export async function runFaultScenario(scenario: FaultScenario, options: { logRoot?: string; keepLogs?: boolean } = {}): Promise<FaultResult> {
  const startedAt = Date.now();
  const checks = new FaultChecks();
  let error: string | null = null;
  let tally: FaultTally | null = null;
  let lab: FaultLab | null = null;
  try {
    lab = await startFaultLab({ ...scenario.lab, name: scenario.id, ...(options.logRoot === undefined ? {} : { logRoot: options.logRoot }) });
    let afterSettled: AfterSettled | void = undefined;
    try {
      afterSettled = await scenario.run(lab, checks);
    } catch (failure) {
      error = describeError(failure);
    }
    // Whatever is still queued after the deadline shows up in the tally as unsettled.
    await lab.waitSettled(error === null ? scenario.settleTimeoutMs : SETTLE_AFTER_ERROR_MS);
    if (afterSettled !== undefined && error === null) {
      try {
        await afterSettled();
      } catch (failure) {
        error = describeError(failure);
      }
    }
    await lab.stopInstances();
    tally = await lab.tally();
  } catch (failure) {
    error ??= describeError(failure);
  }
  const passed = error === null && tally !== null && tallyIsClean(tally) && checks.all().every((check) => check.ok);
  const logDir = lab?.logDir ?? '';
  await lab?.close({ keepLogs: !passed || options.keepLogs === true });
  return {
    id: scenario.id,
    title: scenario.title,
    tally,
    checks: checks.all(),
    error,
    seconds: (Date.now() - startedAt) / 1000,
    logDir,
    report: scenario.report?.() ?? [],
    passed,
  };
}

/** A failed result explained for people: error, failed checks, findings, and where the logs are. */
export function explainFaultResult(result: FaultResult, maxFindings = 12): string {
  const lines = [`${result.id}: ${result.title}`];
  if (result.error !== null) lines.push(`  error: ${result.error}`);
  for (const check of result.checks.filter((candidate) => !candidate.ok)) lines.push(`  check failed: ${check.name}: ${check.detail}`);
  const findings = result.tally?.findings ?? [];
  for (const finding of findings.slice(0, maxFindings)) lines.push(`  ${finding}`);
  if (findings.length > maxFindings) lines.push(`  … ${findings.length - maxFindings} more findings`);
  if (result.tally !== null && result.tally.misattributed + result.tally.badIdempotencyKeys > 0) {
    lines.push(`  misattributed outcomes: ${result.tally.misattributed}, bad Idempotency-Keys: ${result.tally.badIdempotencyKeys}`);
  }
  for (const line of result.report) lines.push(`  ${line}`);
  lines.push(`  logs: ${result.logDir}`);
  return lines.join('\n');
}
