/**
 * Bad input as a hostile producer writes it, through a real Redis (stream and list) and the real
 * consumer (queue, execution manager, policy, HTTP engine bridges): arbitrary byte strings, bytes
 * spliced into signals, byte-order marks, signals just over 64 KiB, and for the stream arbitrary
 * field sets with or without a `signal` field. Every entry ends in exactly one outcome, nothing
 * invalid reaches an engine, what reaches one is the signal as sent, and the consumer keeps going.
 * The oracle decides by the contract's byte rules (strict UTF-8, 64 KiB), then `parseSignal`,
 * whose own rules are tested in signalParser.property.test.ts.
 */
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINE_IDS, type EngineId } from '../../machines/engines.js';
import { DEFAULT_POLICY_SETTINGS } from '../../machines/policy.js';
import { createEngine } from '../../src/engines/createEngine.js';
import { ExecutionManager } from '../../src/execution/manager.js';
import { createLogger } from '../../src/log.js';
import { startPolicyRuntime, type PolicyRuntime } from '../../src/policy/runtime.js';
import { processingKey } from '../../src/signals/keys.js';
import { createListQueue } from '../../src/signals/listQueue.js';
import type { SignalQueue, TermFence } from '../../src/signals/queue.js';
import { MAX_SIGNAL_BYTES, parseSignal } from '../../src/signals/signal.js';
import { createStreamQueue } from '../../src/signals/streamQueue.js';
import { startFakeBridge, type FakeBridge } from '../support/fakeBridge.js';
import { deleteKeys, testRedisUrl, uniquePrefix } from '../support/redis.js';

type Kind = 'stream' | 'list';

// Decided here, apart from the code under test: the contract's byte rules.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** What the contract makes of one signal's bytes: the signal an engine must get, or invalid. */
function verdictOf(bytes: Buffer): { readonly valid: true; readonly body: unknown } | { readonly valid: false } {
  if (bytes.length > MAX_SIGNAL_BYTES) return { valid: false };
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    return { valid: false };
  }
  const parsed = parseSignal(text);
  return parsed.ok ? { valid: true, body: JSON.parse(JSON.stringify(parsed.signal)) } : { valid: false };
}

const signalObject = fc.record({
  signal_id: fc.nat().map((n) => `bi-${n}`),
  symbol: fc.constantFrom('AAPL', 'MSFT', 'caf\u00e9', '\u{1f600}'),
  action: fc.constantFrom('BUY', 'sell'),
  quantity: fc.integer({ min: 1, max: 1000 }),
  order_type: fc.constant('MARKET'),
  note: fc.string({ maxLength: 20, unit: 'grapheme' }),
});

const validBytes = signalObject.map((signal) => Buffer.from(JSON.stringify(signal), 'utf8'));

/** A signal's bytes, often not a signal: the shapes a hostile or broken producer sends. */
const signalBytes: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 3, arbitrary: validBytes },
  {
    weight: 3,
    arbitrary: fc
      .tuple(validBytes, fc.nat(), fc.constantFrom([0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xc0, 0xaf], [0xef, 0xbf, 0xbd], [0x00]))
      .map(([bytes, at, bad]) => {
        const position = at % (bytes.length + 1);
        return Buffer.concat([bytes.subarray(0, position), Buffer.from(bad), bytes.subarray(position)]);
      }),
  },
  { weight: 1, arbitrary: validBytes.map((bytes) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes])) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 48 }).map((bytes) => Buffer.from(bytes)) },
  {
    weight: 1,
    // Just over (or at) 64 KiB, padded with one- to four-byte characters so a cut may split one.
    arbitrary: fc.tuple(signalObject, fc.constantFrom('a', '\u00e9', '\u20ac', '\u{1f600}'), fc.integer({ min: -2, max: 300 })).map(([signal, char, over]) => {
      const base = Buffer.byteLength(JSON.stringify({ ...signal, padding: '' }));
      const count = Math.max(0, Math.floor((MAX_SIGNAL_BYTES + over - base) / Buffer.byteLength(char)));
      return Buffer.from(JSON.stringify({ ...signal, padding: char.repeat(count) }), 'utf8');
    }),
  },
);

/** A stream entry's fields; the first field named exactly `signal` holds the signal. */
const fieldSet = fc.array(
  fc.tuple(
    fc.oneof(
      fc.constantFrom('signal', 'payload', 'signal_id', 'Signal').map((name) => Buffer.from(name)),
      fc.uint8Array({ minLength: 1, maxLength: 8 }).map((bytes) => Buffer.from(bytes)),
    ),
    signalBytes,
  ),
  { minLength: 1, maxLength: 20 },
);

const SIGNAL = Buffer.from('signal');

function signalOfFields(fields: readonly (readonly [Buffer, Buffer])[]): Buffer | null {
  return fields.find(([name]) => name.equals(SIGNAL))?.[1] ?? null;
}

interface Rig {
  readonly redis: Redis;
  readonly kind: Kind;
  readonly queueName: string;
  readonly dead: string;
  readonly events: string;
  readonly bridges: Record<EngineId, FakeBridge>;
  readonly errorLines: string[];
  produced: number;
  stop(): Promise<void>;
}

async function startRig(kind: Kind): Promise<Rig> {
  const prefix = uniquePrefix();
  const redis = new Redis(testRedisUrl());
  const queueName = `${prefix}signals`;
  const fence: TermFence = { leaseKey: `${prefix}leader`, token: 'bad-input-term', epoch: 2 };
  await redis.set(fence.leaseKey, fence.token);
  const common = { redis, eventsStream: `${prefix}events`, deadLetterStream: `${prefix}dead`, dedupTtlSeconds: 600, fence };
  const queue: SignalQueue =
    kind === 'stream'
      ? createStreamQueue({ ...common, stream: queueName, group: 'execution-manager', consumer: 'bad-input:1' })
      : createListQueue({ ...common, list: queueName });
  const bridges = Object.fromEntries(await Promise.all(ENGINE_IDS.map(async (id) => [id, await startFakeBridge()] as const))) as Record<EngineId, FakeBridge>;
  const policy: PolicyRuntime = startPolicyRuntime({ settings: DEFAULT_POLICY_SETTINGS, effects: { alert: () => {}, requestHealthCheck: () => {} } });
  const errorLines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      errorLines.push(chunk.toString('utf8'));
      done();
    },
  });
  const manager = new ExecutionManager({
    queue,
    policy,
    engines: Object.fromEntries(ENGINE_IDS.map((id) => [id, createEngine(id, bridges[id].url, { timeoutMs: 2000 })])),
    // Errors only: a bad signal is an `invalid` outcome, never an error of the consumer.
    log: createLogger('error', sink),
    alert: () => {},
    concurrency: 4,
    epoch: fence.epoch,
    limits: { maxAttempts: 3, inDoubtTimeoutMs: 2000, inDoubtPollMs: 100, engineTimeoutMs: 2000, retryBaseMs: 10 },
    takeBlockMs: 50,
  });
  await manager.start();
  return {
    redis,
    kind,
    queueName,
    dead: common.deadLetterStream,
    events: common.eventsStream,
    bridges,
    errorLines,
    produced: 0,
    async stop() {
      await manager.close();
      await queue.close();
      policy.stop();
      await Promise.all(ENGINE_IDS.map((id) => bridges[id].close()));
      await deleteKeys(redis, prefix);
      await redis.quit();
    },
  };
}

type Fields = Record<string, string>;

async function records(redis: Redis, key: string): Promise<Fields[]> {
  const entries = await redis.xrange(key, '-', '+');
  return entries.map(([, flat]) => Object.fromEntries(Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]])));
}

/** Polls until every entry produced has an outcome and none waits or is pending; answers both streams. */
async function settledAll(rig: Rig): Promise<{ events: Fields[]; dead: Fields[] }> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const [events, dead] = await Promise.all([records(rig.redis, rig.events), records(rig.redis, rig.dead)]);
    const inRedis =
      rig.kind === 'stream'
        ? Number((await rig.redis.xpending(rig.queueName, 'execution-manager'))[0]) + (await rig.redis.xlen(rig.queueName)) - events.length - dead.length
        : (await rig.redis.llen(rig.queueName)) + (await rig.redis.llen(processingKey(rig.queueName)));
    if (events.length + dead.length >= rig.produced && inRedis <= 0) return { events, dead };
    if (Date.now() > deadline) throw new Error(`only ${events.length + dead.length} of ${rig.produced} entries have an outcome`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function orderBodies(rig: Rig): unknown[] {
  return ENGINE_IDS.flatMap((id) => rig.bridges[id].requests.filter((request) => request.method === 'POST').map((request) => request.body));
}

/** One run: produces `entries` (each the signal bytes, or for a stream the fields), checks the outcomes. */
async function runBatch(
  rig: Rig,
  entries: readonly { readonly signal: Buffer | null; readonly fields?: readonly (readonly [Buffer, Buffer])[] }[],
): Promise<void> {
  const before = await settledAll(rig);
  const ordersBefore = orderBodies(rig).length;
  for (const entry of entries) {
    if (rig.kind === 'list') await rig.redis.lpush(rig.queueName, entry.signal ?? Buffer.alloc(0));
    else await rig.redis.xadd(rig.queueName, '*', ...(entry.fields ?? [[SIGNAL, entry.signal ?? Buffer.alloc(0)]]).flat());
    rig.produced += 1;
  }
  const after = await settledAll(rig);
  const newEvents = after.events.slice(before.events.length);
  const newDead = after.dead.slice(before.dead.length);
  // Exactly one outcome each: none missing (settledAll), none extra.
  expect(newEvents.length + newDead.length).toBe(entries.length);

  const verdicts = entries.map((entry) => (entry.signal === null ? ({ valid: false } as const) : verdictOf(entry.signal)));
  const valid = verdicts.filter((verdict) => verdict.valid);
  expect(newEvents.map((record) => record.outcome).every((outcome) => outcome === 'executed' || outcome === 'duplicate')).toBe(true);
  expect(newEvents).toHaveLength(valid.length);
  expect(newDead.map((record) => record.outcome)).toEqual(newDead.map(() => 'invalid'));

  // Nothing invalid reached an engine, and what reached one is a valid signal exactly as parsed.
  const validBodies = valid.map((verdict) => JSON.stringify(verdict.body));
  for (const body of orderBodies(rig).slice(ordersBefore)) expect(validBodies).toContain(JSON.stringify(body));

  // What a person needs in the dead letter.
  const deadSignals = newDead.map((record) => record.signal);
  for (const entry of entries) {
    const { signal } = entry;
    if (signal === null) continue;
    if (signal.length <= MAX_SIGNAL_BYTES && verdictOf(signal).valid === false && !isUtf8(signal)) {
      expect(deadSignals).toContain(`base64:${signal.toString('base64')}`);
    }
    if (signal.length > MAX_SIGNAL_BYTES) {
      expect(newDead.some((record) => record.reason?.includes(`${signal.length} bytes`) === true)).toBe(true);
    }
  }
  const missing = entries.filter((entry) => entry.signal === null).length;
  const missingRecords = newDead.filter((record) => record.reason?.includes('no "signal" field') === true);
  expect(missingRecords).toHaveLength(missing);
  for (const record of missingRecords) expect(typeof JSON.parse(record.signal ?? '')).toBe('object');
  for (const record of newDead) expect(Buffer.byteLength(record.signal ?? '')).toBeLessThanOrEqual(MAX_SIGNAL_BYTES * 1.4);
}

function isUtf8(bytes: Buffer): boolean {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

async function expectStillConsuming(rig: Rig): Promise<void> {
  await runBatch(rig, [
    { signal: Buffer.from(JSON.stringify({ signal_id: `bi-alive-${rig.produced}`, symbol: 'AAPL', action: 'BUY', quantity: 1, order_type: 'MARKET' })) },
  ]);
  expect(rig.errorLines).toEqual([]);
}

describe.each<Kind>(['stream', 'list'])('bad input through a real %s queue and consumer', (kind) => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig(kind);
  });
  afterAll(async () => {
    await rig.stop();
  });

  it('gives every entry of arbitrary bytes exactly one outcome and sends only valid signals to an engine', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(signalBytes, { minLength: 1, maxLength: 6 }), async (batch) => {
        await runBatch(
          rig,
          batch.map((signal) => ({ signal })),
        );
      }),
      { numRuns: kind === 'stream' ? 30 : 40 },
    );
    await expectStillConsuming(rig);
  });

  it.runIf(kind === 'stream')('gives every entry of arbitrary fields exactly one outcome, the signal field or its absence deciding', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fieldSet, { minLength: 1, maxLength: 4 }), async (batch) => {
        await runBatch(
          rig,
          batch.map((fields) => ({ signal: signalOfFields(fields), fields })),
        );
      }),
      { numRuns: 25 },
    );
    await expectStillConsuming(rig);
  });
});
