/**
 * The service's Lua scripts as ioredis commands (`defineCommand`), so that each is sent whole once
 * per connection and run by its hash after that, on a connection or in a pipeline alike.
 *
 * Each script is a file in `scripts/` whose header names its KEYS, ARGV and answers (bullmq's
 * `src/commands/*.lua` style); `--- @include <name>` pulls in `scripts/includes/<name>.lua`, so a
 * rule shared by two scripts is written once. The number of keys is read from the header.
 */
import { readFileSync } from 'node:fs';
import type { Redis, Result } from 'ioredis';

type Arg = string | number | Buffer;

declare module 'ioredis' {
  // Declaration merging with ioredis's own interface: the names must match it exactly.
  interface RedisCommander<Context> {
    efAcquireLease(leaseKey: string, epochKey: string, holder: string, leaseMs: Arg, deadHolder: string): Result<unknown, Context>;
    efRenewLease(leaseKey: string, token: string, leaseMs: Arg): Result<unknown, Context>;
    efReleaseLease(leaseKey: string, token: string): Result<unknown, Context>;
    efRaiseEpoch(leaseKey: string, epochKey: string, token: string, seenEpoch: Arg): Result<unknown, Context>;
    efBeginAttempt(...keysThenArgs: Arg[]): Result<unknown, Context>;
    efSettleSignal(...keysThenArgs: Arg[]): Result<unknown, Context>;
    efReclaimEntries(...keysThenArgs: Arg[]): Result<unknown, Context>;
    // The …Buffer variants answer bulk strings as Buffers: signal bytes are read as bytes, never
    // decoded on the way in (a Buffer-answering variant exists for every defined command).
    efReclaimEntriesBuffer(...keysThenArgs: Arg[]): Result<unknown, Context>;
    efReadEntriesBuffer(...keysThenArgs: Arg[]): Result<unknown, Context>;
    efTakeListItemsBuffer(...keysThenArgs: Arg[]): Result<unknown, Context>;
    efReadListItemsBuffer(...keysThenArgs: Arg[]): Result<unknown, Context>;
    efRemoveIdleConsumers(leaseKey: string, stream: string, token: string, group: string, consumer: string, minIdleMs: Arg): Result<unknown, Context>;
    efSetIfLeader(leaseKey: string, key: string, token: string, value: string): Result<unknown, Context>;
    efTrimAcknowledged(leaseKey: string, stream: string, token: string): Result<unknown, Context>;
  }
}

/** Each command's name and its script file. */
const SCRIPTS = {
  efAcquireLease: 'acquireLease',
  efRenewLease: 'renewLease',
  efReleaseLease: 'releaseLease',
  efRaiseEpoch: 'raiseEpoch',
  efBeginAttempt: 'beginAttempt',
  efSettleSignal: 'settleSignal',
  efReclaimEntries: 'reclaimEntries',
  efReadEntries: 'readEntries',
  efTakeListItems: 'takeListItems',
  efReadListItems: 'readListItems',
  efRemoveIdleConsumers: 'removeIdleConsumers',
  efSetIfLeader: 'setIfLeader',
  efTrimAcknowledged: 'trimAcknowledged',
} as const;

const SCRIPT_DIR = new URL('./scripts/', import.meta.url);

function readScript(name: string): string {
  return readFileSync(new URL(`${name}.lua`, SCRIPT_DIR), 'utf8');
}

/** The script's text with its includes expanded (one level: includes include nothing). */
export function scriptSource(name: string): string {
  return readScript(name).replace(/^--- @include (\w+)$/gm, (_line, include: string) => readScript(`includes/${include}`));
}

/** The number of keys a script takes: the highest `KEYS[n]` its header names. */
export function keyCount(source: string): number {
  let highest = 0;
  for (const match of source.matchAll(/KEYS\[(\d+)\]/g)) highest = Math.max(highest, Number(match[1]));
  return highest;
}

const DEFINITIONS = Object.entries(SCRIPTS).map(([command, file]) => {
  const lua = scriptSource(file);
  return { command, lua, numberOfKeys: keyCount(lua) };
});

const defined = new WeakSet<Redis>();

/**
 * Defines every script on `redis` (once per connection) and answers it, so that a call site reads
 * `withScripts(redis).efSettleSignal(…)`. Pipelines made from it have the commands too.
 */
export function withScripts(redis: Redis): Redis {
  if (!defined.has(redis)) {
    for (const { command, lua, numberOfKeys } of DEFINITIONS) redis.defineCommand(command, { lua, numberOfKeys });
    defined.add(redis);
  }
  return redis;
}
