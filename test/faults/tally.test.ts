/**
 * The counting rules of the fault suite: each rule must catch the failure it names, or the suite
 * would pass on a service that loses or repeats signals. "Executed" is what the bridges placed,
 * never what was merely sent to them.
 */
import { describe, expect, it } from 'vitest';
import type { EngineId } from '../../machines/engines.js';
import type { OrderPost, PlacedOrder } from '../support/faultBridges.js';
import type { OutcomeEntry } from '../support/faultRedis.js';
import { tallyFaultRun, type TallyInput } from '../support/faultTally.js';

let position = 0;

function placed(signalId: string, engine: EngineId = 'lean_self_hosted', sender: string | null = 'a'): PlacedOrder {
  position += 1;
  return { engine, signalId, orderId: `fake-${position}`, sender, epoch: 1, position, placedAt: 1_700_000_000_000 + position };
}

function post(signalId: string, engine: EngineId = 'lean_self_hosted', idempotencyKey: string | undefined = signalId): OrderPost {
  position += 1;
  return { engine, signalId, idempotencyKey, sender: 'a', epoch: 1, mode: 'ok', position, receivedAt: 1_700_000_000_000 + position };
}

function outcome(signalId: string, kind: string, engine = 'lean_self_hosted'): OutcomeEntry {
  position += 1;
  const stream = kind === 'executed' || kind === 'duplicate' ? 'execution.events' : 'execution.signals.dead';
  return { stream, entryId: `${1_700_000_000_000 + position}-0`, signalId, outcome: kind, engine, recordedAt: 1_700_000_000_000 + position };
}

function tally(input: Partial<TallyInput>) {
  return tallyFaultRun({ sent: [], placements: [], posts: [], outcomes: [], queued: [], ...input });
}

const CLEAN = { lost: 0, executedTwice: 0, crossEngine: 0, extraOutcomes: 0, unsettled: 0, misattributed: 0, orphans: 0, badIdempotencyKeys: 0 };

describe('tallyFaultRun', () => {
  it('counts a clean run: every signal placed once and recorded once', () => {
    const result = tally({
      sent: ['s1', 's2', 's3'],
      placements: [placed('s1'), placed('s2'), placed('s3', 'quanttrader_pybroker')],
      posts: [post('s1'), post('s2'), post('s3', 'quanttrader_pybroker')],
      outcomes: [outcome('s1', 'executed'), outcome('s2', 'executed'), outcome('s3', 'executed', 'quanttrader_pybroker')],
    });
    expect(result).toMatchObject({ ...CLEAN, sent: 3, executed: 3, deadLettered: 0, findings: [] });
  });

  it('counts an id placed twice by one bridge (a naive bridge placing a concurrent repeat) as executed twice', () => {
    const result = tally({ sent: ['s1'], placements: [placed('s1'), placed('s1')], outcomes: [outcome('s1', 'executed')] });
    expect(result.executedTwice).toBe(1);
    expect(result.crossEngine).toBe(0);
    expect(result.executed).toBe(1);
    expect(result.findings.join('\n')).toContain('s1: executed 2 times');
  });

  it('counts an id placed by two bridges as executed twice, naming both and their senders', () => {
    const result = tally({
      sent: ['s1'],
      placements: [placed('s1', 'lean_self_hosted', 'a'), placed('s1', 'quanttrader_pybroker', 'b')],
      outcomes: [outcome('s1', 'executed')],
    });
    expect(result.executedTwice).toBe(1);
    expect(result.crossEngine).toBe(1);
    expect(result.findings.join('\n')).toMatch(/lean_self_hosted from a .*quanttrader_pybroker from b/);
  });

  it('does not count repeated POSTs the bridge answered without placing again', () => {
    const result = tally({
      sent: ['s1'],
      placements: [placed('s1')],
      posts: [post('s1'), post('s1'), post('s1')],
      outcomes: [outcome('s1', 'executed')],
    });
    expect(result).toMatchObject({ ...CLEAN, executed: 1 });
  });

  it('does not count POSTs no bridge placed (a failure, then the backup)', () => {
    const result = tally({
      sent: ['s1'],
      placements: [placed('s1', 'quanttrader_pybroker')],
      posts: [post('s1', 'lean_self_hosted'), post('s1', 'quanttrader_pybroker')],
      outcomes: [outcome('s1', 'executed', 'quanttrader_pybroker')],
    });
    expect(result).toMatchObject(CLEAN);
  });

  it('counts a signal with no outcome as lost, unless it is still queued (then unsettled)', () => {
    expect(tally({ sent: ['s1'] })).toMatchObject({ lost: 1, unsettled: 0, orphans: 0 });
    expect(tally({ sent: ['s1'], queued: ['s1'] })).toMatchObject({ lost: 0, unsettled: 1, orphans: 0 });
  });

  it('counts a signal a bridge placed but recorded as something else as lost', () => {
    const result = tally({ sent: ['s1'], placements: [placed('s1')], outcomes: [outcome('s1', 'in_doubt')] });
    expect(result.lost).toBe(1);
    expect(result.findings.join('\n')).toContain('recorded as in_doubt');
  });

  it('counts a signal recorded executed that no bridge placed as lost, even though it was sent', () => {
    const result = tally({ sent: ['s1'], posts: [post('s1')], outcomes: [outcome('s1', 'executed')] });
    expect(result.lost).toBe(1);
    expect(result.findings.join('\n')).toContain('no engine placed it');
  });

  it('accepts in_doubt or rejected for a signal no bridge placed', () => {
    const result = tally({
      sent: ['s1', 's2'],
      posts: [post('s1'), post('s2')],
      outcomes: [outcome('s1', 'in_doubt'), outcome('s2', 'rejected')],
    });
    expect(result).toMatchObject({ ...CLEAN, executed: 0, deadLettered: 2 });
  });

  it('counts a placed order whose outcome accounts for no placement as an orphan', () => {
    const rejected = tally({ sent: ['s1'], placements: [placed('s1')], outcomes: [outcome('s1', 'rejected')] });
    expect(rejected).toMatchObject({ orphans: 1, lost: 1 });
    expect(rejected.findings.join('\n')).toContain('s1: orphan: placed on lean_self_hosted');
    const queuedStill = tally({ sent: ['s1'], placements: [placed('s1')], queued: ['s1'] });
    expect(queuedStill).toMatchObject({ orphans: 1, unsettled: 1, lost: 0 });
    const noOutcome = tally({ sent: ['s1'], placements: [placed('s1')] });
    expect(noOutcome).toMatchObject({ orphans: 1, lost: 1 });
  });

  it('does not count a placed order handed to a person (in_doubt) as an orphan, though it is lost', () => {
    const result = tally({ sent: ['s1'], placements: [placed('s1')], outcomes: [outcome('s1', 'in_doubt')] });
    expect(result).toMatchObject({ orphans: 0, lost: 1 });
  });

  it('counts a placement of an id never produced as an orphan', () => {
    const result = tally({ sent: ['s1'], placements: [placed('s1'), placed('ghost')], outcomes: [outcome('s1', 'executed')] });
    expect(result.orphans).toBe(1);
    expect(result.executed).toBe(1);
    expect(result.findings.join('\n')).toContain('ghost: orphan');
  });

  it('counts two outcome entries for one signal as extra', () => {
    const twoFinals = tally({ sent: ['s1'], placements: [placed('s1')], outcomes: [outcome('s1', 'executed'), outcome('s1', 'in_doubt')] });
    expect(twoFinals.extraOutcomes).toBe(1);
    const recordedTwice = tally({ sent: ['s1'], placements: [placed('s1')], outcomes: [outcome('s1', 'executed'), outcome('s1', 'duplicate')] });
    expect(recordedTwice.extraOutcomes).toBe(1);
  });

  it('accepts one duplicate outcome per extra copy of an id produced twice, and nothing more', () => {
    const fine = tally({ sent: ['s1', 's1'], placements: [placed('s1')], outcomes: [outcome('s1', 'executed'), outcome('s1', 'duplicate')] });
    expect(fine).toMatchObject(CLEAN);
    const executedAgain = tally({
      sent: ['s1', 's1'],
      placements: [placed('s1'), placed('s1')],
      outcomes: [outcome('s1', 'executed'), outcome('s1', 'executed')],
    });
    expect(executedAgain).toMatchObject({ executedTwice: 1, extraOutcomes: 1 });
    const oneCopyLost = tally({ sent: ['s1', 's1'], placements: [placed('s1')], outcomes: [outcome('s1', 'executed')] });
    expect(oneCopyLost.lost).toBe(1);
  });

  it('accepts a later copy of a rejected id executing (only executed ids are deduplicated), never the reverse', () => {
    const retried = tally({ sent: ['s1', 's1'], placements: [placed('s1')], outcomes: [outcome('s1', 'rejected'), outcome('s1', 'executed')] });
    expect(retried).toMatchObject(CLEAN);
    const bothRejected = tally({ sent: ['s1', 's1'], outcomes: [outcome('s1', 'rejected'), outcome('s1', 'rejected')] });
    expect(bothRejected).toMatchObject(CLEAN);
    const sentAfterExecution = tally({ sent: ['s1', 's1'], placements: [placed('s1')], outcomes: [outcome('s1', 'executed'), outcome('s1', 'rejected')] });
    expect(sentAfterExecution.extraOutcomes).toBe(1);
    expect(sentAfterExecution.findings.join('\n')).toContain('s1: 2 outcome entries (executed, rejected) for 2 produced; after executed: rejected');
  });

  it('counts an outcome naming an engine other than the one that placed it', () => {
    const result = tally({ sent: ['s1'], placements: [placed('s1', 'quanttrader_pybroker')], outcomes: [outcome('s1', 'executed', 'lean_self_hosted')] });
    expect(result.misattributed).toBe(1);
    expect(result.orphans).toBe(0);
  });

  it('counts a POST whose Idempotency-Key is not its signal_id', () => {
    const result = tally({
      sent: ['s1'],
      placements: [placed('s1')],
      posts: [post('s1', 'lean_self_hosted', 'other')],
      outcomes: [outcome('s1', 'executed')],
    });
    expect(result.badIdempotencyKeys).toBe(1);
  });
});
