/**
 * What a timed window costs, per signal: CPU of this process, CPU of redis-server and commands
 * Redis ran. It tells where a throughput gap comes from (this process busy, Redis busy, or both idle
 * and waiting on round trips) without a profiler.
 */
import type { Redis } from 'ioredis';

/** Costs per signal of one timed window. */
export interface RunCost {
  /** CPU time of this Node.js process (user + system), µs per signal. */
  readonly nodeCpuUsPerSignal: number;
  /** CPU time of redis-server (INFO CPU), µs per signal. */
  readonly redisCpuUsPerSignal: number;
  /** Commands Redis processed (INFO STATS total_commands_processed), per signal. */
  readonly redisCommandsPerSignal: number;
}

/** Measures one window at a time: `begin()` before the clock starts, `end()` after it stops. */
export interface Meter {
  begin(): Promise<void>;
  end(signals: number): Promise<RunCost>;
}

interface RedisCounters {
  readonly cpuUs: number;
  readonly commands: number;
}

function infoNumber(info: string, field: string): number {
  const match = new RegExp(`^${field}:([\\d.]+)`, 'm').exec(info);
  if (match?.[1] === undefined) throw new Error(`Redis INFO has no ${field}; cannot measure the cost of a run`);
  return Number(match[1]);
}

async function redisCounters(redis: Redis): Promise<RedisCounters> {
  const [cpu, stats] = await Promise.all([redis.info('cpu'), redis.info('stats')]);
  return {
    cpuUs: (infoNumber(cpu, 'used_cpu_user') + infoNumber(cpu, 'used_cpu_sys')) * 1e6,
    commands: infoNumber(stats, 'total_commands_processed'),
  };
}

/** A meter reading Redis counters through `redis` (a connection of the benchmark's own). */
export function createMeter(redis: Redis): Meter {
  let started: { node: NodeJS.CpuUsage; redis: RedisCounters } | null = null;
  return {
    async begin() {
      const counters = await redisCounters(redis);
      started = { node: process.cpuUsage(), redis: counters };
    },
    async end(signals) {
      if (started === null) throw new Error('Meter.end() without begin()');
      const node = process.cpuUsage(started.node);
      const counters = await redisCounters(redis);
      // Includes the meter's own INFO calls: a handful against thousands of signals.
      const commands = counters.commands - started.redis.commands;
      const result: RunCost = {
        nodeCpuUsPerSignal: (node.user + node.system) / signals,
        redisCpuUsPerSignal: (counters.cpuUs - started.redis.cpuUs) / signals,
        redisCommandsPerSignal: commands / signals,
      };
      started = null;
      return result;
    },
  };
}
