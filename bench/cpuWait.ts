/**
 * How long this process's main thread waited for a CPU while it had work: Linux's per-thread
 * scheduler statistics (`/proc/<pid>/task/<pid>/schedstat`: time on a CPU, time runnable but
 * waiting on a run queue, and the number of times it was put on a CPU). On a machine whose cores
 * are shared with Redis, the load generator and the status client, this is the part of a tail
 * that no code in the contender can remove: a request that arrives while the thread waits for a
 * CPU waits with it. Null where the file does not exist (not Linux, or schedstats off).
 */
import { readFileSync } from 'node:fs';

/** The main thread's scheduler counters since it started. */
export interface Schedule {
  readonly onCpuNs: number;
  readonly waitingNs: number;
  readonly runs: number;
}

/** The main thread's share of its busy time spent waiting for a CPU, over one window. */
export interface CpuWait {
  /** Time waiting for a CPU, as a share of the time it ran or waited to (percent). */
  readonly waitPct: number;
  /** Mean wait each time it was put on a CPU, in µs. */
  readonly waitPerRunUs: number;
}

/** The main thread's counters now; null where they cannot be read. */
export function readSchedule(): Schedule | null {
  let text: string;
  try {
    // The main thread's id is the process id.
    text = readFileSync(`/proc/${process.pid}/task/${process.pid}/schedstat`, 'utf8');
  } catch {
    return null;
  }
  const [onCpuNs, waitingNs, runs] = text.trim().split(/\s+/).map(Number);
  if (onCpuNs === undefined || waitingNs === undefined || runs === undefined || ![onCpuNs, waitingNs, runs].every(Number.isFinite)) return null;
  return { onCpuNs, waitingNs, runs };
}

/** Starts a window; its `stop()` answers the main thread's wait over it, or null where it cannot be read. */
export function startCpuWaitWindow(): { stop(): CpuWait | null } {
  const from = readSchedule();
  return {
    stop() {
      const to = readSchedule();
      if (from === null || to === null) return null;
      const onCpuNs = to.onCpuNs - from.onCpuNs;
      const waitingNs = to.waitingNs - from.waitingNs;
      const runs = to.runs - from.runs;
      if (onCpuNs + waitingNs <= 0 || runs <= 0) return null;
      return { waitPct: (100 * waitingNs) / (onCpuNs + waitingNs), waitPerRunUs: waitingNs / runs / 1000 };
    },
  };
}
