/**
 * What an engine's window counts, as the inspector's window table reads it back (`countsAt`): a
 * call lands in its own bucket only, and a long call is slow only while the slow-call rule is on.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EMPTY_WINDOW, countsAt, recordCall, type CallWindow } from '../../machines/callWindow.js';
import { FailoverHarness, SETTINGS } from './failoverHarness.js';

const WINDOW_MS = 60_000;
const T0 = Date.UTC(2026, 11, 2, 2, 0, 0);

function record(window: CallWindow, at: number, failed = false): CallWindow {
  return recordCall(window, { at, failed, slow: false }, WINDOW_MS);
}

describe('a call into a window of several buckets', () => {
  it('is counted once, in the bucket of its second, the other buckets unchanged', () => {
    const two = record(record(EMPTY_WINDOW, T0), T0 + 1000);
    const window = record(two, T0 + 1500, true);
    expect(window).toEqual([
      { start: T0, calls: 1, failures: 0, slow: 0 },
      { start: T0 + 1000, calls: 2, failures: 1, slow: 0 },
    ]);
    expect(countsAt(window, T0 + 2000, WINDOW_MS)).toEqual({ calls: 3, failures: 1, slow: 0 });
  });
});

describe('a long call while only the failure-rate rule is on', () => {
  let harness: FailoverHarness;

  afterEach(() => harness.stop());

  it('counts as a call but never as a slow one', () => {
    harness = new FailoverHarness({ ...SETTINGS, failureRateThreshold: 50, failureRateMinCalls: 10, slowCallMs: null });
    harness.send({ type: 'EXECUTION_SUCCEEDED', engine: 'lean_self_hosted', durationMs: 30_000 });
    harness.send({ type: 'EXECUTION_FAILED', engine: 'lean_self_hosted', durationMs: 30_000 });
    const window = harness.context().windows.lean_self_hosted;
    expect(countsAt(window, harness.clock.now(), SETTINGS.failureRateWindowSeconds * 1000)).toEqual({ calls: 2, failures: 1, slow: 0 });
  });
});
