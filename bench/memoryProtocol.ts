/** The messages between bench/memory.ts and its child, bench/memoryChild.ts. */
import type { BenchKeys } from './benchService.js';
import { hasType } from './childProcess.js';

/** What the child runs. */
export interface MemoryChildConfig {
  readonly redisUrl: string;
  readonly keys: BenchKeys;
  readonly concurrency: number;
  readonly firstCheckpoint: number;
  readonly secondCheckpoint: number;
  /** After this long the second sample is taken at whatever count was reached. */
  readonly budgetMs: number;
}

/** Memory after a full GC, once `signals` signals were settled. */
export interface MemorySample {
  readonly signals: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  /**
   * What V8 holds for its heap, used or not (`heapTotal`): beside RSS it tells whether RSS moved
   * with the heap or outside it (the allocator's pages, which come and go from run to run).
   */
  readonly heapTotalBytes: number;
  readonly externalBytes: number;
}

/** The child's last message. */
export interface MemoryResultMessage {
  readonly type: 'result';
  readonly first: MemorySample;
  readonly second: MemorySample;
  /** True when the budget ran out before the second checkpoint. */
  readonly budgetReached: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isNumberField(record: Record<string, unknown>, name: string): boolean {
  return typeof record[name] === 'number';
}

function isMemorySample(value: unknown): value is MemorySample {
  return isRecord(value) && ['signals', 'rssBytes', 'heapUsedBytes', 'heapTotalBytes', 'externalBytes'].every((name) => isNumberField(value, name));
}

/** Whether `value` is a configuration the child can run. */
export function isMemoryChildConfig(value: unknown): value is MemoryChildConfig {
  if (!isRecord(value) || typeof value.redisUrl !== 'string' || !isRecord(value.keys)) return false;
  const keys = value.keys;
  return (
    ['signalQueue', 'executionEvents', 'deadLetterQueue', 'signalGroup', 'consumerName', 'stateKey', 'leaderKey'].every(
      (name) => typeof keys[name] === 'string',
    ) && ['concurrency', 'firstCheckpoint', 'secondCheckpoint', 'budgetMs'].every((name) => isNumberField(value, name))
  );
}

/** Whether `message` is the child's progress report. */
export function isProgressMessage(message: unknown): message is { type: 'progress'; settled: number } {
  return hasType(message, 'progress') && typeof message.settled === 'number';
}

/** Whether `message` is the child's result. */
export function isMemoryResultMessage(message: unknown): message is MemoryResultMessage {
  return hasType(message, 'result') && isMemorySample(message.first) && isMemorySample(message.second) && typeof message.budgetReached === 'boolean';
}
