/**
 * An {@link IdempotencyStore} in one JSON-lines file: each change is a line appended and fsync'd
 * before the change counts, so whatever a caller was told survives a crash (a power cut included,
 * as far as the disk honours fsync). Plain Node, no native addon.
 *
 * Opening replays the file. A crash can leave only the last line half-written; it is dropped (the
 * change it held was never acknowledged). A broken line anywhere else is corruption, and opening
 * fails rather than guess. Then the file is compacted: rewritten with the current records only (placed ones older than `retainMs`
 * dropped, records in progress always kept), through a temporary file and a rename, so a crash
 * while compacting leaves the old file or the new one, never a mix.
 *
 * One process only: two bridges on one file would each believe they hold every key.
 */
import { mkdir, open, readFile, rename, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { IdempotencyStore, OrderRecord } from './store.js';

/** One line of the file. */
type Line =
  | { readonly op: 'begin'; readonly key: string; readonly signal: unknown; readonly epoch: number | null; readonly at: number }
  | { readonly op: 'placed'; readonly key: string; readonly report: unknown; readonly at: number }
  | { readonly op: 'forget'; readonly key: string }
  | { readonly op: 'epoch'; readonly epoch: number };

/** How to open a file store. */
export interface FileStoreOptions {
  /**
   * How long a placed record is kept, in ms, counted from its placing; default 7 days, the
   * service's DEDUP_TTL_SECONDS default. Records in progress are never dropped.
   */
  readonly retainMs?: number;
}

const SEVEN_DAYS_MS = 7 * 24 * 3600 * 1000;

const OPS: ReadonlySet<unknown> = new Set(['begin', 'placed', 'forget', 'epoch']);

function parseLine(text: string): Line {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || !('op' in value) || !OPS.has(value.op)) throw new Error('not a store line');
  // The fields each op needs are checked below; the rest is data the store only hands back.
  const line = value as Line;
  if (line.op === 'epoch' ? !Number.isSafeInteger(line.epoch) : typeof line.key !== 'string') throw new Error(`a malformed "${line.op}" line`);
  return line;
}

/** Applies one line to the records; answers the new highest epoch. */
function apply(records: Map<string, OrderRecord>, highest: number | null, line: Line): number | null {
  switch (line.op) {
    case 'begin':
      records.set(line.key, { state: 'in_progress', key: line.key, signal: line.signal, epoch: line.epoch, since: line.at });
      return highest;
    case 'placed':
      records.set(line.key, { state: 'placed', key: line.key, report: line.report, placedAt: line.at });
      return highest;
    case 'forget':
      records.delete(line.key);
      return highest;
    case 'epoch':
      return highest === null || line.epoch > highest ? line.epoch : highest;
  }
}

function linesOf(records: Iterable<OrderRecord>, highest: number | null): Line[] {
  const lines: Line[] = highest === null ? [] : [{ op: 'epoch', epoch: highest }];
  for (const record of records) {
    lines.push(
      record.state === 'placed'
        ? { op: 'placed', key: record.key, report: record.report, at: record.placedAt }
        : { op: 'begin', key: record.key, signal: record.signal, epoch: record.epoch, at: record.since },
    );
  }
  return lines;
}

/** Makes a rename inside `dir` durable: without it a crash may bring back the old directory entry. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Reads the file's records, cutting off a half-written last line. */
async function replay(file: string): Promise<{ records: Map<string, OrderRecord>; highest: number | null }> {
  const records = new Map<string, OrderRecord>();
  let highest: number | null = null;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { records, highest };
    throw new Error(`cannot read the bridge store ${file}`, { cause: error });
  }
  const lines = text.split('\n');
  // Whatever follows the last newline is a write the crash cut short, never acknowledged: dropped,
  // and gone from the file once it is compacted.
  lines.pop();
  for (const [index, line] of lines.entries()) {
    if (line === '') continue;
    try {
      highest = apply(records, highest, parseLine(line));
    } catch (error) {
      throw new Error(`the bridge store ${file} is corrupt at line ${index + 1}; restore it from a backup or repair it by hand`, { cause: error });
    }
  }
  return { records, highest };
}

/** Opens (or creates) the store in `file`. */
export async function openFileStore(file: string, options: FileStoreOptions = {}): Promise<IdempotencyStore> {
  const retainMs = options.retainMs ?? SEVEN_DAYS_MS;
  await mkdir(path.dirname(file), { recursive: true });
  const { records, highest: replayed } = await replay(file);
  let highest = replayed;
  const cutoff = Date.now() - retainMs;
  for (const [key, record] of records) if (record.state === 'placed' && record.placedAt < cutoff) records.delete(key);

  const temporary = `${file}.compacting`;
  const compacted = await open(temporary, 'w');
  try {
    await compacted.writeFile(
      linesOf(records.values(), highest)
        .map((line) => `${JSON.stringify(line)}\n`)
        .join(''),
    );
    await compacted.sync();
  } finally {
    await compacted.close();
  }
  await rename(temporary, file);
  await syncDirectory(path.dirname(file));

  const handle: FileHandle = await open(file, 'a');
  // Appends run one after another, so lines never interleave and each is durable before the next.
  let queue: Promise<void> = Promise.resolve();
  // The write of the highest epoch: a request at that epoch waits for it as the one that raised it does.
  let epochDurable: Promise<void> = Promise.resolve();
  function append(line: Line): Promise<void> {
    const written = queue.then(async () => {
      await handle.write(`${JSON.stringify(line)}\n`);
      await handle.datasync();
    });
    // A failed write fails its caller; the next write still gets its turn.
    queue = written.catch(() => undefined);
    return written;
  }

  return {
    get: (key) => records.get(key),
    async begin(key, signal, epoch) {
      const existing = records.get(key);
      if (existing !== undefined) return existing;
      // Claimed in memory at once, so a concurrent repeat sees it in progress while the line is written.
      const record: OrderRecord = { state: 'in_progress', key, signal, epoch, since: Date.now() };
      records.set(key, record);
      try {
        await append({ op: 'begin', key, signal, epoch, at: record.since });
      } catch (error) {
        records.delete(key);
        throw new Error(`could not record ${key} in the bridge store`, { cause: error });
      }
      return undefined;
    },
    async complete(key, report) {
      const placedAt = Date.now();
      records.set(key, { state: 'placed', key, report, placedAt });
      await append({ op: 'placed', key, report, at: placedAt });
    },
    async forget(key) {
      records.delete(key);
      await append({ op: 'forget', key });
    },
    inProgress: () => [...records.values()].filter((record) => record.state === 'in_progress'),
    highestEpoch: () => highest,
    raiseEpoch(epoch) {
      if (highest !== null && epoch <= highest) return epochDurable;
      // Raised in memory first: a fence may only be stricter than the file, never looser.
      highest = epoch;
      epochDurable = append({ op: 'epoch', epoch });
      return epochDurable;
    },
    async close() {
      await queue;
      await handle.close();
    },
  };
}
