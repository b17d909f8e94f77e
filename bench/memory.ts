/**
 * Memory: RSS and heap of the service pipeline (b) after a first and a second number of signals,
 * measured in a child process with `--expose-gc` after a full GC. This process is the producer: it
 * keeps a bounded backlog on the stream and trims what the service has finished with, so the
 * private Redis stays small however many signals go through.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { benchKeys } from './benchService.js';
import { forkBenchChild } from './childProcess.js';
import { isMemoryResultMessage, isProgressMessage, type MemoryChildConfig, type MemorySample } from './memoryProtocol.js';
import { fillStream } from './signals.js';

/** What the memory measurement runs with. */
export interface MemoryOptions {
  readonly redisUrl: string;
  readonly concurrency: number;
  readonly symbols: number;
  readonly firstCheckpoint: number;
  readonly secondCheckpoint: number;
  /** Time allowed to reach the second checkpoint; past it the second sample is taken where the run is. */
  readonly budgetMs: number;
  readonly timeoutMs: number;
}

/** The memory measurement. */
export interface MemoryResult {
  readonly first: MemorySample;
  readonly second: MemorySample;
  readonly rssGrowthPct: number;
  readonly heapGrowthPct: number;
  /** True when the budget ran out before the second checkpoint: `second.signals` is below it. */
  readonly budgetReached: boolean;
}

// Backlog kept on the stream: refilled below the low mark, up to the high mark.
const BACKLOG_LOW = 10_000;
const BACKLOG_HIGH = 20_000;
// Entries kept when trimming; far above the backlog plus what is in flight, so nothing unread goes.
const KEEP_ENTRIES = 50_000;

function growthPct(before: number, after: number): number {
  return ((after - before) / before) * 100;
}

/** Runs the memory measurement in a child process and feeds it signals until it reports. */
export async function runMemory(options: MemoryOptions): Promise<MemoryResult> {
  const redis = new Redis(options.redisUrl);
  const keys = benchKeys('bench.memory');
  const runId = 'memory';
  // The producer never goes past what the second checkpoint needs plus one backlog.
  const limit = options.secondCheckpoint + BACKLOG_HIGH;
  let produced = Math.min(limit, BACKLOG_HIGH);
  let settled = 0;
  let finished = false;
  try {
    await fillStream(redis, keys.signalQueue, runId, 0, produced, options.symbols);
    const config: MemoryChildConfig = {
      redisUrl: options.redisUrl,
      keys,
      concurrency: options.concurrency,
      firstCheckpoint: options.firstCheckpoint,
      secondCheckpoint: options.secondCheckpoint,
      budgetMs: options.budgetMs,
    };
    const child = forkBenchChild('memoryChild.ts', [JSON.stringify(config)], { exposeGc: true });
    const producer = (async () => {
      while (!finished) {
        if (produced < limit && produced - settled < BACKLOG_LOW) {
          const to = Math.min(limit, settled + BACKLOG_HIGH);
          await fillStream(redis, keys.signalQueue, runId, produced, to, options.symbols);
          produced = to;
          await redis.xtrim(keys.signalQueue, 'MAXLEN', '~', KEEP_ENTRIES);
          await redis.xtrim(keys.executionEvents, 'MAXLEN', '~', KEEP_ENTRIES);
        }
        await delay(20);
      }
    })();
    try {
      const result = await child.next('its memory samples', isMemoryResultMessage, options.timeoutMs, (message) => {
        if (isProgressMessage(message)) settled = message.settled;
      });
      return {
        first: result.first,
        second: result.second,
        rssGrowthPct: growthPct(result.first.rssBytes, result.second.rssBytes),
        heapGrowthPct: growthPct(result.first.heapUsedBytes, result.second.heapUsedBytes),
        budgetReached: result.budgetReached,
      };
    } finally {
      finished = true;
      await producer;
      await child.stop();
    }
  } finally {
    redis.disconnect();
  }
}
