/**
 * One suite over every `SignalQueue`: what the execution manager relies on, whatever the queue is.
 * Kind-specific behaviour (consumer groups, the processing list, blocking connections) is tested
 * beside each queue.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EVENT_STREAM_OUTCOMES, OUTCOMES, outcomeFields } from '../../src/signals/outcome.js';
import type { SignalQueue } from '../../src/signals/queue.js';
import { MAX_SIGNAL_BYTES } from '../../src/signals/signal.js';
import { memoryHarness, outcomeFor, redisHarness, signalJson, type QueueHarness } from './queueHarness.js';

const harnesses: QueueHarness[] = [];

afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((harness) => harness.close()));
});

const KINDS: readonly (() => QueueHarness)[] = [() => redisHarness('stream'), () => redisHarness('list'), () => memoryHarness()];

async function started(harness: QueueHarness): Promise<SignalQueue> {
  const queue = harness.queue();
  await queue.start();
  return queue;
}

describe.each(KINDS.map((make) => [make().kind, make] as const))('%s queue', (_kind, make) => {
  const harness = (): QueueHarness => {
    const made = make();
    harnesses.push(made);
    return made;
  };

  it('takes signals oldest first, up to max, as their raw text, each entry with an id of its own', async () => {
    const h = harness();
    const queue = await started(h);
    for (const id of ['a', 'b', 'c']) await h.produce(signalJson(id));
    // The same text twice: two entries, not one.
    await h.produce(signalJson('a'));
    const first = await queue.take(2, 0);
    const rest = await queue.take(10, 0);
    expect([...first, ...rest].map((entry) => entry.raw)).toEqual(['a', 'b', 'c', 'a'].map((id) => signalJson(id)));
    expect(new Set([...first, ...rest].map((entry) => entry.id)).size).toBe(4);
  });

  it('records each outcome with exactly the contract fields on its stream, and lets the entry go', async () => {
    const h = harness();
    const queue = await started(h);
    for (const kind of OUTCOMES) await h.produce(signalJson(`sig-${kind}`));
    const entries = await queue.take(OUTCOMES.length, 0);
    for (const [index, kind] of OUTCOMES.entries()) {
      const entry = entries[index];
      if (entry === undefined) throw new Error('missing entry');
      expect(await queue.settle(entry, outcomeFor(entry, kind, `sig-${kind}`), { clearsAttempt: false })).toBe('settled');
    }
    const recorded = OUTCOMES.map((kind, index) => {
      const entry = entries[index];
      if (entry === undefined) throw new Error('missing entry');
      return { kind, fields: outcomeFields(outcomeFor(entry, kind, `sig-${kind}`)) };
    });
    expect(await h.events()).toEqual(recorded.filter(({ kind }) => EVENT_STREAM_OUTCOMES.has(kind)).map(({ fields }) => fields));
    expect(await h.deadLetters()).toEqual(recorded.filter(({ kind }) => !EVENT_STREAM_OUTCOMES.has(kind)).map(({ fields }) => fields));
    // Settled entries are not handed out again after a restart.
    expect(await h.queue().start()).toEqual([]);
  });

  it('records an attempt before a send, and reports it to the first attempt of another run or copy', async () => {
    const h = harness();
    const queue = await started(h);
    await h.produce(signalJson('sig-1'));
    await h.produce(signalJson('sig-1'));
    const [first, copy] = await queue.take(2, 0);
    if (first === undefined || copy === undefined) throw new Error('expected two entries');
    const before = Date.now();
    const go = await queue.beginAttempt(first, { signalId: 'sig-1', engine: 'quanttrader_pybroker', first: true });
    expect(go).toEqual({ kind: 'go', sentAt: expect.any(Number) });
    if (go.kind !== 'go') return;
    expect(go.sentAt).toBeGreaterThanOrEqual(before - 1000);
    const seen = await queue.beginAttempt(copy, { signalId: 'sig-1', engine: 'lean_self_hosted', first: true });
    expect(seen).toMatchObject({ kind: 'unsettled', engine: 'quanttrader_pybroker', sentAt: go.sentAt });
    if (seen.kind !== 'unsettled') return;
    expect(seen.now).toBeGreaterThanOrEqual(seen.sentAt);
    // A later attempt of this run replaces the record with its own engine.
    expect((await queue.beginAttempt(first, { signalId: 'sig-1', engine: 'nautilus_trader', first: false })).kind).toBe('go');
    expect(await queue.beginAttempt(copy, { signalId: 'sig-1', engine: 'lean_self_hosted', first: true })).toMatchObject({
      kind: 'unsettled',
      engine: 'nautilus_trader',
    });
  });

  it('answers executed for an executed signal id, and settles a second copy executed as already executed, writing nothing', async () => {
    const h = harness();
    const queue = await started(h);
    await h.produce(signalJson('sig-1'));
    await h.produce(signalJson('sig-1'));
    const [first, copy] = await queue.take(2, 0);
    if (first === undefined || copy === undefined) throw new Error('expected two entries');
    expect(await queue.settle(first, outcomeFor(first, 'executed', 'sig-1'), { clearsAttempt: true })).toBe('settled');
    expect(await queue.beginAttempt(copy, { signalId: 'sig-1', engine: 'lean_self_hosted', first: true })).toEqual({ kind: 'executed' });
    expect(await queue.settle(copy, outcomeFor(copy, 'executed', 'sig-1'), { clearsAttempt: true })).toBe('already_executed');
    expect((await h.events()).map((fields) => fields.outcome)).toEqual(['executed']);
    expect(await queue.settle(copy, outcomeFor(copy, 'duplicate', 'sig-1'), { clearsAttempt: false })).toBe('settled');
    expect((await h.events()).map((fields) => fields.outcome)).toEqual(['executed', 'duplicate']);
  });

  it('forgets the attempt record with the outcome that clears it, and keeps it otherwise', async () => {
    const h = harness();
    const queue = await started(h);
    for (const id of ['sig-1', 'sig-1', 'sig-2', 'sig-2']) await h.produce(signalJson(id));
    const [one, oneAgain, two, twoAgain] = await queue.take(4, 0);
    if (one === undefined || oneAgain === undefined || two === undefined || twoAgain === undefined) throw new Error('expected four entries');
    await queue.beginAttempt(one, { signalId: 'sig-1', engine: 'lean_self_hosted', first: true });
    await queue.settle(one, outcomeFor(one, 'rejected', 'sig-1'), { clearsAttempt: true });
    expect((await queue.beginAttempt(oneAgain, { signalId: 'sig-1', engine: 'lean_self_hosted', first: true })).kind).toBe('go');
    await queue.beginAttempt(two, { signalId: 'sig-2', engine: 'lean_self_hosted', first: true });
    // An invalid copy settled meanwhile must not erase the attempt of the copy in flight.
    await queue.settle(twoAgain, outcomeFor(twoAgain, 'invalid', 'sig-2'), { clearsAttempt: false });
    expect(await queue.beginAttempt(two, { signalId: 'sig-2', engine: 'nautilus_trader', first: true })).toMatchObject({
      kind: 'unsettled',
      engine: 'lean_self_hosted',
    });
  });

  it('hands what a run took and did not settle to the next run, oldest first', async () => {
    const h = harness();
    const queue = await started(h);
    for (const id of ['a', 'b', 'c']) await h.produce(signalJson(id));
    const taken = await queue.take(3, 0);
    const [a] = taken;
    if (a === undefined) throw new Error('expected entries');
    await queue.settle(a, outcomeFor(a, 'executed', 'a'), { clearsAttempt: true });
    const next = h.queue();
    expect((await next.start()).map((entry) => entry.raw)).toEqual([signalJson('b'), signalJson('c')]);
  });

  it('waits up to blockMs for a signal, wakes up when one arrives, and ends a wait on interrupt() and close()', async () => {
    const h = harness();
    const queue = await started(h);
    const started_ = Date.now();
    expect(await queue.take(5, 150)).toEqual([]);
    expect(Date.now() - started_).toBeGreaterThanOrEqual(100);
    expect(await queue.take(5, 0)).toEqual([]);
    const waiting = queue.take(5, 5000);
    await h.untilWaiting();
    await h.produce(signalJson('late'));
    expect((await waiting).map((entry) => entry.raw)).toEqual([signalJson('late')]);
    const interrupted = queue.take(5, 10_000);
    await h.untilWaiting();
    const interruptedAt = Date.now();
    queue.interrupt();
    expect(await interrupted).toEqual([]);
    expect(Date.now() - interruptedAt).toBeLessThan(5000);
    // The policy paused: what arrives now waits in the queue instead of being taken.
    await h.produce(signalJson('while paused'));
    expect(await queue.depth()).toBe(1);
    expect((await queue.take(5, 0)).map((entry) => entry.raw)).toEqual([signalJson('while paused')]);
    const closed = queue.take(5, 10_000);
    await h.untilWaiting();
    await queue.close();
    expect(await closed).toEqual([]);
    expect(await queue.take(5, 0)).toEqual([]);
  });

  it('counts the signals waiting to be taken as its depth', async () => {
    const h = harness();
    const queue = await started(h);
    expect(await queue.depth()).toBe(0);
    for (const id of ['a', 'b', 'c']) await h.produce(signalJson(id));
    expect(await queue.depth()).toBe(3);
    await queue.take(2, 0);
    expect(await queue.depth()).toBe(1);
  });

  it('writes nothing for a term that lost the lease', async () => {
    const h = harness();
    if (h.loseLease === null) return;
    const queue = await started(h);
    await h.produce(signalJson('sig-1'));
    const [entry] = await queue.take(1, 0);
    if (entry === undefined) throw new Error('expected an entry');
    await h.loseLease();
    expect(await queue.beginAttempt(entry, { signalId: 'sig-1', engine: 'lean_self_hosted', first: true })).toEqual({ kind: 'lost', reason: 'not_leader' });
    expect(await queue.settle(entry, outcomeFor(entry, 'executed', 'sig-1'), { clearsAttempt: true })).toBe('not_leader');
    expect(await h.events()).toEqual([]);
    // Still there for whoever leads now.
    expect((await h.queue().start()).map((pending) => pending.raw)).toEqual([signalJson('sig-1')]);
  });

  it('records the outcomes of signals that finished together, one refused by Redis without holding up the others', async () => {
    const h = harness();
    if (h.kind === 'memory' || h.breakDeadLetters === null) return;
    const queue = await started(h);
    for (const id of ['a', 'b', 'c']) await h.produce(signalJson(id));
    const [a, b, c] = await queue.take(3, 0);
    if (a === undefined || b === undefined || c === undefined) throw new Error('expected three entries');
    await h.breakDeadLetters();
    const results = await Promise.allSettled([
      queue.settle(a, outcomeFor(a, 'executed', 'a'), { clearsAttempt: true }),
      queue.settle(b, outcomeFor(b, 'rejected', 'b'), { clearsAttempt: true }),
      queue.settle(c, outcomeFor(c, 'duplicate', 'c'), { clearsAttempt: false }),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await h.events()).map((fields) => fields.signal_id)).toEqual(['a', 'c']);
    // The refused one is still this consumer's: once Redis takes it, its retry records it.
    await h.repairDeadLetters?.();
    expect(await queue.settle(b, outcomeFor(b, 'rejected', 'b'), { clearsAttempt: true })).toBe('settled');
    expect((await h.deadLetters()).map((fields) => fields.signal_id)).toEqual(['b']);
  });
});

/** A signal text over 64 KiB whose byte 65 536 falls inside a three-byte character. */
function oversizedText(tail: string): { text: string; keptBytes: number } {
  const start = '{"signal_id":"big","symbol":"AAPL","action":"BUY","quantity":1,"order_type":"MARKET","risk_meta":"';
  const padding = 'x'.repeat(MAX_SIGNAL_BYTES - 1 - Buffer.byteLength(start));
  // The euro sign takes bytes 65 536 to 65 538: the cut must leave it out whole.
  return { text: `${start}${padding}\u20ac${tail}"}`, keptBytes: MAX_SIGNAL_BYTES - 1 };
}

describe.each(KINDS.map((make) => [make().kind, make] as const))('%s queue, bad input', (_kind, make) => {
  const harness = (): QueueHarness => {
    const made = make();
    harnesses.push(made);
    return made;
  };

  it('marks bytes that are not UTF-8 invalid, saying where, rendered in base64, and settles them like any entry', async () => {
    const h = harness();
    const queue = await started(h);
    const bytes = Buffer.concat([Buffer.from('{"signal_id":"s-1","symbol":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('","action":"BUY"}')]);
    await h.produce(bytes);
    await h.produce(signalJson('after'));
    const [bad, good] = await queue.take(2, 0);
    if (bad === undefined || good === undefined) throw new Error('expected two entries');
    expect(bad).toEqual({ id: expect.any(String), raw: `base64:${bytes.toString('base64')}`, invalid: expect.stringContaining('not valid UTF-8') });
    expect(bad.invalid).toContain('byte 0xC3 at offset 29');
    expect(good).toEqual({ id: expect.any(String), raw: signalJson('after') });
    expect(await queue.settle(bad, outcomeFor(bad, 'invalid', ''), { clearsAttempt: false })).toBe('settled');
    expect((await h.deadLetters()).map((fields) => fields.signal)).toEqual([`base64:${bytes.toString('base64')}`]);
    expect((await h.queue().start()).map((entry) => entry.raw)).toEqual([signalJson('after')]);
  });

  it('keeps every byte of UTF-8 text as received, a leading byte-order mark included', async () => {
    const h = harness();
    const queue = await started(h);
    const text = `\ufeff${signalJson('bom')}`;
    await h.produce(Buffer.from(text, 'utf8'));
    const [entry] = await queue.take(1, 0);
    if (entry === undefined) throw new Error('expected an entry');
    expect(entry).toEqual({ id: expect.any(String), raw: text });
    expect(await queue.settle(entry, outcomeFor(entry, 'invalid', ''), { clearsAttempt: false })).toBe('settled');
    expect(await h.queue().start()).toEqual([]);
  });

  it('marks a signal over 64 KiB invalid with its size, keeping its first 64 KiB cut on a character boundary', async () => {
    const h = harness();
    const queue = await started(h);
    const { text, keptBytes } = oversizedText('y'.repeat(3 * MAX_SIGNAL_BYTES));
    await h.produce(text);
    const [entry] = await queue.take(5, 0);
    if (entry === undefined) throw new Error('expected an entry');
    expect(Buffer.byteLength(entry.raw)).toBe(keptBytes);
    expect(text.startsWith(entry.raw)).toBe(true);
    expect(entry.invalid).toContain(`${Buffer.byteLength(text)} bytes`);
    expect(entry.invalid).toContain('64 KiB');
    await queue.settle(entry, outcomeFor(entry, 'invalid', ''), { clearsAttempt: false });
    expect((await h.deadLetters()).map((fields) => fields.signal)).toEqual([entry.raw]);
    expect(await h.queue().start()).toEqual([]);
  });

  it('settles oversized entries one at a time, identical ones and ones that differ only past 64 KiB alike', async () => {
    const h = harness();
    const queue = await started(h);
    const a = oversizedText('a'.repeat(1000)).text;
    const b = oversizedText('b'.repeat(1000)).text;
    for (const text of [a, a, b]) await h.produce(text);
    const taken = await queue.take(3, 0);
    expect(taken).toHaveLength(3);
    expect(new Set(taken.map((entry) => entry.raw)).size).toBe(1);
    for (const [index, entry] of taken.entries()) {
      expect(await queue.settle(entry, outcomeFor(entry, 'invalid', ''), { clearsAttempt: false })).toBe('settled');
      expect(await h.queue().start(), `after settling ${index + 1}`).toHaveLength(2 - index);
    }
    expect(await h.deadLetters()).toHaveLength(3);
  });

  it('hands an oversized entry a run left unsettled to the next run, still bounded and invalid', async () => {
    const h = harness();
    const queue = await started(h);
    const { text, keptBytes } = oversizedText('z'.repeat(10));
    await h.produce(text);
    await queue.take(1, 0);
    const next = h.queue();
    const [entry] = await next.start();
    if (entry === undefined) throw new Error('expected the entry back');
    expect(Buffer.byteLength(entry.raw)).toBe(keptBytes);
    expect(entry.invalid).toContain('64 KiB');
    expect(await next.settle(entry, outcomeFor(entry, 'invalid', ''), { clearsAttempt: false })).toBe('settled');
    expect(await h.queue().start()).toEqual([]);
  });

  it('takes a blocked-for entry that is not UTF-8 or too large the same way as one already there', async () => {
    const h = harness();
    const queue = await started(h);
    const waiting = queue.take(5, 5000);
    await h.untilWaiting();
    const { text, keptBytes } = oversizedText('w'.repeat(MAX_SIGNAL_BYTES));
    await h.produce(text);
    const [entry] = await waiting;
    expect(Buffer.byteLength(entry?.raw ?? '')).toBe(keptBytes);
    expect(entry?.invalid).toContain('64 KiB');
    const again = queue.take(5, 5000);
    await h.untilWaiting();
    await h.produce(Buffer.from([0x80]));
    expect(await again).toEqual([{ id: expect.any(String), raw: 'base64:gA==', invalid: expect.stringContaining('byte 0x80 at offset 0') }]);
  });
});
