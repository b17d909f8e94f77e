/**
 * Who holds the leader lease, written so that a restarted instance can tell its own dead previous
 * run from a live instance: consumer name, host and pid.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';

/** This process as a lease holder: its consumer, host and pid, so that its next run can tell it is gone. */
export function leaseHolder(consumer: string): string {
  return JSON.stringify({ consumer, host: os.hostname(), pid: process.pid, run: randomUUID().slice(0, 8) });
}

/**
 * True for a lease left by a previous run of this instance (same consumer and host) whose process
 * no longer exists: a restart need not wait the lease out. Anything else is waited out.
 */
export function isOwnDeadHolder(holder: string, consumer: string): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(holder);
  } catch {
    return false;
  }
  if (typeof parsed !== 'object' || parsed === null) return false;
  const { consumer: holderConsumer, host, pid } = parsed as Record<string, unknown>;
  if (holderConsumer !== consumer || host !== os.hostname() || typeof pid !== 'number' || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // EPERM: the process exists, only under another user.
    return error instanceof Error && 'code' in error && error.code === 'ESRCH';
  }
}
