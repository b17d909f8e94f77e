/**
 * The record scripts take a batch's items as one JSON argument and name the per-signal keys
 * themselves (`src/signals/recordCalls.ts`): what they write must be the very bytes that arguments
 * of their own would have carried, for text of every kind, and list items that are not UTF-8 text
 * (which JSON cannot carry) must still be named by their bytes, several in one batch.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Outcome } from '../../src/signals/outcome.js';
import type { QueuedSignal } from '../../src/signals/queue.js';
import { outcomeFor, redisHarness, signalJson } from './queueHarness.js';

const harnesses: ReturnType<typeof redisHarness>[] = [];

afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((harness) => harness.close()));
});

function harness(kind: 'stream' | 'list'): ReturnType<typeof redisHarness> {
  const made = redisHarness(kind);
  harnesses.push(made);
  return made;
}

// NUL and other controls, JSON's own escapes, non-ASCII and a surrogate pair; then also an escape's
// text and lone surrogates, which take the encoder's other way.
const CONTROLS = 'a\u0000b\u0001\u001f\n\t"\\/ é€\u{1f600}\u2028 end';
const LONE = `${CONTROLS} \\ud800 lone \ud800 and \udc00`;

/** An executed outcome whose every text field holds `text`, moving a position. */
function awkwardOutcome(entry: QueuedSignal, signalId: string, text: string): Outcome {
  return {
    ...outcomeFor(entry, 'executed', signalId),
    reason: text,
    report: { note: text },
    positionChange: { engine: 'lean_self_hosted', strategyId: text, symbol: 'AAPL', amount: 2.5 },
  };
}

describe.each(['stream', 'list'] as const)('%s queue: the packed record arguments', (kind) => {
  it.each([CONTROLS, LONE])('record text as the bytes the Redis client sends for it, lone surrogates as U+FFFD (%j)', async (text) => {
    const h = harness(kind);
    const queue = h.queue();
    await queue.start();
    await h.produce(signalJson('plain'));
    const [entry] = await queue.take(1, 0);
    if (entry === undefined) throw new Error('expected an entry');
    const signalId = `id ${text}`;
    expect(await queue.beginAttempt(entry, { signalId, engine: 'lean_self_hosted', first: true })).toMatchObject({ kind: 'go' });
    const attemptKey = Buffer.from(`${h.queueName}:attempt:${signalId}`);
    expect(await h.redis.hget(attemptKey, 'engine')).toBe('lean_self_hosted');

    expect(await queue.settle(entry, awkwardOutcome(entry, signalId, text), { clearsAttempt: true })).toBe('settled');
    const sent = (text: string): string => Buffer.from(text, 'utf8').toString('utf8');
    const [event] = await h.events();
    expect(event).toMatchObject({ signal_id: sent(signalId), reason: sent(text), report: JSON.stringify({ note: text }) });
    expect(await h.redis.exists(Buffer.from(`${h.queueName}:executed:${signalId}`))).toBe(1);
    expect(await h.redis.exists(attemptKey)).toBe(0);
    const positions = await h.redis.hgetall(`${h.queueName}:positions:lean_self_hosted`);
    expect(positions).toEqual({ [sent(JSON.stringify([text, 'AAPL']))]: '2.5' });
    expect(await h.queue().start()).toEqual([]);
  });
});

describe('list queue: items that are not UTF-8 text', () => {
  it('are named by their bytes in a batch with text items, each by its own, for attempts and outcomes alike', async () => {
    const h = harness('list');
    const queue = h.queue();
    await queue.start();
    const bad = (n: number): Buffer => Buffer.concat([Buffer.from(`{"signal_id":"b-${n}","symbol":"`), Buffer.from([0xc3, 0x28, n]), Buffer.from('"}')]);
    await h.produce(bad(0xf0));
    await h.produce(signalJson('text-1'));
    await h.produce(bad(0xf1));
    await h.produce(signalJson('text-2'));
    const entries = await queue.take(4, 0);
    expect(entries.map((entry) => entry.invalid === undefined)).toEqual([false, true, false, true]);
    // One turn of the event loop: each way, one script call for the four.
    const starts = await Promise.all(entries.map((entry, i) => queue.beginAttempt(entry, { signalId: `s-${i}`, engine: 'lean_self_hosted', first: true })));
    expect(starts.map((start) => start.kind)).toEqual(['go', 'go', 'go', 'go']);
    const settled = await Promise.all(entries.map((entry, i) => queue.settle(entry, outcomeFor(entry, 'invalid', `s-${i}`), { clearsAttempt: true })));
    expect(settled).toEqual(['settled', 'settled', 'settled', 'settled']);
    expect((await h.deadLetters()).map((fields) => fields.signal_id)).toEqual(['s-0', 's-1', 's-2', 's-3']);
    expect(await h.redis.llen(`${h.queueName}:processing`)).toBe(0);
  });
});
