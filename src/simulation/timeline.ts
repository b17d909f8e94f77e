/**
 * The readable text of a simulation: the scenario's settings, its timeline, and its expectations,
 * ending with the line `N/M expectations met`. Pure, so the page can show the same text.
 */
import { ENGINE_IDS } from '../../machines/engines.js';
import { POLICY_VARIABLES, type PolicySettings } from '../../machines/policy.js';
import type { EngineCounts, ExpectationResult, SimulationResult, TimelineEntry } from './entries.js';
import type { OperatorAction, Scenario } from './scenario.js';

/** An operator action in words. */
function describeOperator(action: OperatorAction): string {
  switch (action.operator) {
    case 'pause':
      return `pause (reason: ${action.reason})`;
    case 'switch':
      return `switch to ${action.engine}`;
    case 'resume':
      return 'resume';
    case 'maintenance':
      return `maintenance of ${action.engine} (reason: ${action.reason}${action.until === undefined ? '' : `, until ${formatSeconds(action.until)}`})`;
    case 'maintenance_end':
      return `end of ${action.engine}'s maintenance`;
  }
}

/** Seconds as people write them: `14 s`, `0.5 s`. */
export function formatSeconds(seconds: number): string {
  return `${Number(seconds.toFixed(3))} s`;
}

function formatCounts(counts: EngineCounts): string {
  return ENGINE_IDS.map((engine) => `${engine}=${counts[engine]}`).join(' ');
}

function formatTimeout(current: number, previous: number): string {
  const changed = current === previous ? '' : ` (was ${formatSeconds(previous)})`;
  return `recovery timeout ${formatSeconds(current)}${changed}`;
}

function formatNextCheck(nextAt: number | null): string {
  return nextAt === null ? '' : `, next recovery check at ${formatSeconds(nextAt)}`;
}

/** The text of one timeline entry, without its time. */
export function describeEntry(entry: TimelineEntry): string {
  switch (entry.kind) {
    case 'start':
      return `start in ${entry.state}; failures ${formatCounts(entry.failures)}; ` + `recovery timeout ${formatSeconds(entry.recoveryTimeoutSeconds)}`;
    case 'engine':
      return `${entry.engine} goes ${entry.becomes}${entry.latencyMs === undefined ? '' : ` (${entry.latencyMs} ms)`}`;
    case 'operator': {
      const { action } = entry;
      const what = describeOperator(action);
      return `operator ${what}${entry.accepted ? '' : ': ignored in this state'}`;
    }
    case 'transition': {
      const alerts = entry.alerts.length === 0 ? '' : `; alert ${entry.alerts.join(', ')}`;
      const paused = entry.pausedReason === null ? '' : `; paused: ${entry.pausedReason}`;
      return (
        `${entry.from} -> ${entry.to} (${entry.reason}); failures ${formatCounts(entry.failures)}${alerts}${paused}; ` +
        `${formatTimeout(entry.recoveryTimeoutSeconds, entry.previousRecoveryTimeoutSeconds)}` +
        formatNextCheck(entry.nextRecoveryCheckAt)
      );
    }
    case 'recoveryCheck': {
      if (entry.outcome === 'started') {
        return `recovery check in ${entry.state}: probing ${entry.candidates.join(', ')}`;
      }
      const unhealthy = ENGINE_IDS.filter((engine) => entry.probe[engine] === false);
      const probe = unhealthy.length === 0 ? 'no candidate healthy' : `${unhealthy.join(', ')} unhealthy`;
      return (
        `recovery check failed (${probe}); ` +
        `${formatTimeout(entry.recoveryTimeoutSeconds, entry.previousRecoveryTimeoutSeconds)}` +
        formatNextCheck(entry.nextRecoveryCheckAt)
      );
    }
    case 'recoveryTimeout':
      return formatTimeout(entry.recoveryTimeoutSeconds, entry.previousRecoveryTimeoutSeconds);
    case 'backlog': {
      const signals = entry.count === 1 ? '1 signal' : `${entry.count} signals`;
      return `${signals} held while paused go out, oldest first, to ${entry.engine}`;
    }
    case 'affinity':
      return `${entry.action} ${entry.quantity} goes to ${entry.engine}, which holds the position (position affinity)`;
    case 'positionWait':
      return `the next signal reduces the position on ${entry.engine}, unavailable: it waits, and the signals behind it too`;
    case 'positionUnavailable':
      return `${entry.action} ${entry.quantity} gave up waiting for ${entry.engine}: position_engine_unavailable, sent nowhere`;
    case 'end': {
      const { signals } = entry;
      const held = ENGINE_IDS.some((engine) => signals.positions[engine] !== 0);
      const positions = held ? `; positions ${formatCounts(signals.positions)}` : '';
      const unavailable = signals.positionUnavailable === 0 ? '' : `, position_engine_unavailable ${signals.positionUnavailable}`;
      return (
        `end in ${entry.state}; failures ${formatCounts(entry.failures)}; ` +
        `signals executed ${formatCounts(signals.executed)}, ` +
        `failed attempts ${formatCounts(signals.failed)}, still waiting ${signals.waiting}${unavailable}${positions}`
      );
    }
  }
}

/** The timeline, one line per entry, times right-aligned. */
export function formatTimeline(entries: readonly TimelineEntry[]): string {
  const times = entries.map((entry) => formatSeconds(entry.at));
  const width = Math.max(0, ...times.map((time) => time.length));
  return entries.map((entry, index) => `  ${(times[index] ?? '').padStart(width)}  ${describeEntry(entry)}`).join('\n');
}

/** One line per expectation, then `N/M expectations met`. */
export function formatExpectations(results: readonly ExpectationResult[]): string {
  const lines = results.map((result) =>
    result.met
      ? `  met      at ${formatSeconds(result.at)}: ${result.expected}`
      : `  NOT MET  at ${formatSeconds(result.at)}: expected ${result.expected}, was ${result.actual}`,
  );
  const met = results.filter((result) => result.met).length;
  return [...lines, `${met}/${results.length} expectations met`].join('\n');
}

/** The policy variables in force, marking those the scenario set. */
export function formatSettings(scenario: Scenario): string {
  // In the order of POLICY_VARIABLES, which is the contract's.
  const fields = Object.keys(POLICY_VARIABLES) as (keyof PolicySettings)[];
  return fields
    .map((field) => {
      const name = POLICY_VARIABLES[field];
      const value = scenario.settings[field];
      const origin = scenario.config[name] === undefined ? ' (default)' : '';
      return `  ${name}=${String(value)}${origin}`;
    })
    .join('\n');
}

/** The actions of the signals and the position-affinity settings, when the scenario gives actions. */
function formatSignalPattern(scenario: Scenario): string[] {
  const { actions, quantities, affinity, positionWaitSeconds } = scenario.signals;
  if (actions === null) return [];
  const count = Math.max(actions.length, quantities.length);
  const pattern = Array.from({ length: count }, (_, index) => `${actions[index % actions.length] ?? ''} ${quantities[index % quantities.length] ?? ''}`);
  return [
    `  signals in turn: ${pattern.join(', ')}, then again`,
    `  EXECUTION_POSITION_AFFINITY=${String(affinity)}, EXECUTION_POSITION_WAIT=${positionWaitSeconds}`,
  ];
}

/** The whole report of a run, as `npm run simulate` prints it. */
export function formatReport(result: SimulationResult): string {
  const { scenario } = result;
  const header = [
    `Scenario: ${scenario.name}`,
    ...(scenario.description === null ? [] : [scenario.description]),
    '',
    'Settings:',
    formatSettings(scenario),
    `  a signal every ${formatSeconds(scenario.signals.every)}, until ${formatSeconds(scenario.until)}`,
    ...formatSignalPattern(scenario),
  ];
  return [...header, '', 'Timeline:', formatTimeline(result.timeline), '', 'Expectations:', formatExpectations(result.expectations)].join('\n');
}
