/**
 * The load generator of the latency phase, in a process of its own: it offers signals at a steady
 * rate and stamps each just before its send, and for the service it also reads the outcome stream
 * and stamps each outcome. A producer and a reader in the contender's process share its event loop
 * and its heap: for the service at 1,000/s they made a quarter of its scavenges (27 against 20 in
 * 5 s), pauses its latency then carried, and for the service alone the reader decoded every outcome
 * record. A producer is another process in production too.
 *
 * Usage (by bench/latency.ts): latencyLoad.ts <json of LoadConfig>
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { disconnectFromParent, sendToParent } from './childProcess.js';
import { sharedClockMs, signalCount, signalIndexOf, type LoadConfig, type LoadTarget } from './latencyProtocol.js';
import { benchSignal } from './signals.js';

type Send = (index: number) => Promise<unknown>;

function senderFor(config: LoadConfig, target: LoadTarget): { send: Send; close(): Promise<void> } {
  if (target.kind === 'bullmq') {
    const url = new URL(config.redisUrl);
    const queue = new Queue<Record<string, unknown>>(target.name, { connection: { host: url.hostname, port: Number(url.port), maxRetriesPerRequest: null } });
    return {
      send: (index) => {
        const data = benchSignal(config.runId, index, config.symbols);
        return queue.add('signal', data, { jobId: String(data.signal_id) });
      },
      close: () => queue.close(),
    };
  }
  const producer = new Redis(config.redisUrl, { enableAutoPipelining: true });
  return {
    send: (index) => {
      const signal = benchSignal(config.runId, index, config.symbols);
      return producer.xadd(target.key, '*', target.field, target.field === 'id' ? String(signal.signal_id) : JSON.stringify(signal));
    },
    close: async () => {
      producer.disconnect();
    },
  };
}

/**
 * Sends `warmUp` unmeasured signals (indices `count` up), then `count` measured ones, at `rate` per
 * second without a break: on each tick, as many as are due by then, so that a slow tick is caught
 * up rather than lowering the load.
 */
async function offer(config: LoadConfig, count: number, warmUp: number, sent: Float64Array, send: Send): Promise<void> {
  const started = sharedClockMs();
  const total = warmUp + count;
  let next = 0;
  let answered = 0;
  let failure: unknown = null;
  while (next < total) {
    const due = Math.min(total, Math.floor(((sharedClockMs() - started) * config.rate) / 1000) + 1);
    for (; next < due; next++) {
      const index = next < warmUp ? count + next : next - warmUp;
      if (index < count) sent[index] = sharedClockMs();
      send(index).then(
        () => answered++,
        (error: unknown) => {
          failure ??= error;
          answered++;
        },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  while (answered < total) await new Promise((resolve) => setTimeout(resolve, 5));
  if (failure !== null) throw new Error('The load generator could not send every signal', { cause: failure });
}

/** Stamps each outcome on `stream` until `done()`; reads from the start, so none is missed. */
async function readOutcomes(redisUrl: string, stream: string, recorded: Float64Array, done: () => boolean): Promise<void> {
  const reader = new Redis(redisUrl);
  try {
    let after = '0';
    while (!done()) {
      const reply = await reader.xread('COUNT', 1000, 'BLOCK', 100, 'STREAMS', stream, after);
      const at = sharedClockMs();
      for (const [id, fields] of reply?.[0]?.[1] ?? []) {
        after = id;
        const field = fields.indexOf('signal_id');
        const index = field === -1 ? -1 : signalIndexOf(fields[field + 1] ?? '');
        if (index >= 0 && index < recorded.length && Number.isNaN(recorded[index])) recorded[index] = at;
      }
    }
  } finally {
    reader.disconnect();
  }
}

function listOf(stamps: Float64Array): (number | null)[] {
  return Array.from(stamps, (stamp) => (Number.isNaN(stamp) ? null : stamp));
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as LoadConfig;
  const count = signalCount(config);
  const sent = new Float64Array(count).fill(Number.NaN);
  const recorded = config.eventsStream === undefined ? null : new Float64Array(count).fill(Number.NaN);
  const sender = senderFor(config, config.target);
  let seen = 0;
  const deadline = sharedClockMs() + config.warmUpMs + config.durationMs + config.timeoutMs;
  const allRecorded = (): boolean => {
    if (recorded === null) return true;
    while (seen < count && !Number.isNaN(recorded[seen] ?? Number.NaN)) seen++;
    return seen >= count || sharedClockMs() > deadline;
  };
  try {
    const reading =
      config.eventsStream === undefined || recorded === null ? Promise.resolve() : readOutcomes(config.redisUrl, config.eventsStream, recorded, allRecorded);
    await offer(config, count, signalCount({ rate: config.rate, durationMs: config.warmUpMs }), sent, sender.send);
    await reading;
  } finally {
    await sender.close();
  }
  await sendToParent({ type: 'result', sent: listOf(sent), recorded: recorded === null ? null : listOf(recorded) });
  disconnectFromParent();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
