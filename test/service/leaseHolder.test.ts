import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { isOwnDeadHolder, leaseHolder } from '../../src/service/leaseHolder.js';

/** The pid of a process that has certainly exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

const holder = (fields: Record<string, unknown>) => JSON.stringify({ consumer: 'host:8001', host: os.hostname(), run: 'x', ...fields });

describe('a lease holder left by an earlier run', () => {
  it('is taken over when it was this instance on this host and its process is gone', () => {
    expect(isOwnDeadHolder(holder({ pid: deadPid() }), 'host:8001')).toBe(true);
  });

  it('is waited out when its process lives, or it was another instance or host, or it is unreadable', () => {
    expect(isOwnDeadHolder(holder({ pid: process.ppid }), 'host:8001')).toBe(false);
    expect(isOwnDeadHolder(holder({ pid: process.pid }), 'host:8001')).toBe(false);
    expect(isOwnDeadHolder(holder({ pid: deadPid() }), 'other:8001')).toBe(false);
    expect(isOwnDeadHolder(holder({ pid: deadPid(), host: 'another-host' }), 'host:8001')).toBe(false);
    expect(isOwnDeadHolder('not json', 'host:8001')).toBe(false);
    expect(isOwnDeadHolder(holder({ pid: 'x' }), 'host:8001')).toBe(false);
  });

  it('names this process, so that its next run can recognise it', () => {
    const parsed: unknown = JSON.parse(leaseHolder('host:8001'));
    expect(parsed).toMatchObject({ consumer: 'host:8001', host: os.hostname(), pid: process.pid });
  });
});
