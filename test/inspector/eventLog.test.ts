/**
 * The inspector's event log: the failover actor's inspection events as lines for people, repeats
 * counted into one line, bounded in size.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_SETTINGS } from '../../machines/policy.js';
import { InspectionLog, type LogLine } from '../../src/inspector/eventLog.js';
import type { LogEntry } from '../../src/inspector/protocol.js';
import { startPolicyRuntime, type PolicyRuntime } from '../../src/policy/runtime.js';
import { TestClock } from '../support/testClock.js';

const START = Date.parse('2026-11-25T14:30:00.000Z');
const runtimes: PolicyRuntime[] = [];
afterEach(() => {
  for (const runtime of runtimes.splice(0)) runtime.stop();
});

function watchedRuntime(log: InspectionLog): PolicyRuntime {
  const clock = new TestClock(START);
  const runtime = startPolicyRuntime({
    settings: { ...DEFAULT_POLICY_SETTINGS, failureThreshold: 2 },
    effects: { alert: () => {}, requestHealthCheck: () => {} },
    clock,
    inspect: log.record,
  });
  runtimes.push(runtime);
  return runtime;
}

const line = (type: string, detail = ''): LogLine => ({ kind: 'event', type, detail, at: START });
const shown = (entries: readonly LogEntry[]) => entries.map((entry) => `${entry.kind} ${entry.type} | ${entry.detail} ×${entry.count}`);

describe('the inspection event log', () => {
  it('says what the actor received, did and became', () => {
    const log = new InspectionLog();
    const runtime = watchedRuntime(log);
    runtime.send({ type: 'EXECUTION_FAILED', engine: 'lean_self_hosted' });
    runtime.send({ type: 'EXECUTION_FAILED', engine: 'lean_self_hosted' });
    runtime.send({ type: 'HEALTH_CHECKED', results: { lean_self_hosted: false, quanttrader_pybroker: true } });

    expect(shown(log.entries())).toEqual([
      'event xstate.init | the policy actor started ×1',
      'state primaryActive | initial state ×1',
      'event EXECUTION_FAILED | engine lean_self_hosted ×2',
      'action alert | kind failover ×1',
      'action timer | armed: fires in 300 s ×1',
      'state backup1Active.waiting | from primaryActive ×1',
      'event HEALTH_CHECKED | lean_self_hosted unhealthy, quanttrader_pybroker healthy ×1',
    ]);
    const failed = log.entries().find((entry) => entry.type === 'EXECUTION_FAILED');
    expect(failed?.firstAt).toBe(START);
  });

  it('counts a busy stream of routine events into a few lines, however they interleave', () => {
    const log = new InspectionLog();
    const runtime = watchedRuntime(log);
    const before = log.entries().length;
    for (let round = 0; round < 500; round += 1) {
      runtime.send({ type: 'EXECUTION_SUCCEEDED', engine: 'lean_self_hosted' });
      runtime.send({ type: 'HEALTH_CHECKED', results: { lean_self_hosted: true } });
    }
    const added = log.entries().slice(before);
    expect(shown(added)).toEqual(['event EXECUTION_SUCCEEDED | engine lean_self_hosted ×500', 'event HEALTH_CHECKED | lean_self_hosted healthy ×500']);
  });

  it("counts calls together whatever each one took: the service sends every call's duration, measured to the microsecond", () => {
    const log = new InspectionLog();
    const runtime = watchedRuntime(log);
    const before = log.entries().length;
    // As src/execution/attempt.ts reports a real bridge's answers: performance.now() differences.
    for (let round = 0; round < 300; round += 1) {
      runtime.send({ type: 'EXECUTION_SUCCEEDED', engine: 'lean_self_hosted', durationMs: 3 + round / 7 });
      runtime.send({ type: 'HEALTH_CHECKED', results: { lean_self_hosted: true } });
    }
    runtime.send({ type: 'EXECUTION_FAILED', engine: 'lean_self_hosted', durationMs: 12.345678 });
    runtime.send({ type: 'EXECUTION_SUCCEEDED', engine: 'quanttrader_pybroker', durationMs: 0.5 });
    const added = log.entries().slice(before);
    expect(shown(added)).toEqual([
      'event EXECUTION_SUCCEEDED | engine lean_self_hosted ×300',
      'event HEALTH_CHECKED | lean_self_hosted healthy ×300',
      'event EXECUTION_FAILED | engine lean_self_hosted ×1',
      'event EXECUTION_SUCCEEDED | engine quanttrader_pybroker ×1',
    ]);
  });

  it('moves a counted repeat to the top and keeps its id', () => {
    const log = new InspectionLog();
    log.add(line('A'));
    log.add(line('B'));
    const [first] = log.entries();
    log.add({ ...line('A'), at: START + 5 });
    const entries = log.entries();
    expect(entries.map((entry) => entry.type)).toEqual(['B', 'A']);
    expect(entries[1]).toMatchObject({ id: first?.id, count: 2, firstAt: START, lastAt: START + 5 });
    expect(entries[1]?.seq).toBeGreaterThan(entries[0]?.seq ?? Number.POSITIVE_INFINITY);
  });

  it('starts a new line for a repeat older than the merge window', () => {
    const log = new InspectionLog({ mergeWindow: 2 });
    for (const type of ['A', 'B', 'C', 'A']) log.add(line(type));
    expect(shown(log.entries())).toEqual(['event A |  ×1', 'event B |  ×1', 'event C |  ×1', 'event A |  ×1']);
  });

  it('keeps only the newest lines, up to its limit', () => {
    const log = new InspectionLog({ limit: 3 });
    for (let index = 0; index < 10; index += 1) log.add(line(`E${index}`));
    expect(log.entries().map((entry) => entry.type)).toEqual(['E7', 'E8', 'E9']);
  });

  it('tells subscribers about every new or updated line until they unsubscribe', () => {
    const log = new InspectionLog();
    const heard: string[] = [];
    const unsubscribe = log.subscribe((entry) => heard.push(`${entry.type}×${entry.count}`));
    log.add(line('A'));
    log.add(line('A'));
    unsubscribe();
    log.add(line('B'));
    expect(heard).toEqual(['A×1', 'A×2']);
  });

  it('refuses a limit or window that is not a whole number of at least 1', () => {
    expect(() => new InspectionLog({ limit: 0 })).toThrow(RangeError);
    expect(() => new InspectionLog({ mergeWindow: 1.5 })).toThrow(RangeError);
  });
});
