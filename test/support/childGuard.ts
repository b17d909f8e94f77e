/**
 * Servers a test starts must not outlive the test process, even when it dies without running its
 * exit handlers (a vitest worker killed at a timeout, an uncaught crash, SIGKILL). Two guards:
 * an `exit` handler that kills them at once, and a watchdog `sh` that holds a pipe from this
 * process and kills them when the pipe closes, which the kernel does however this process ends.
 *
 * The watchdog names each process by pid and start time (field 22 of /proc/<pid>/stat), so a pid
 * the kernel has since given to another process is never killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

const guarded = new Map<number, string>();
let watchdog: ChildProcess | null = null;

// Reads "+pid start" and "-pid start" lines until end of input, then kills the remaining
// processes whose start time still matches. `stat` is split after the ")" closing the name.
const WATCHDOG_SCRIPT = `
live=""
while read -r op pid start; do
  case "$op" in
    +) live="$live $pid:$start" ;;
    -) live=$(printf '%s\\n' $live | grep -v "^$pid:$start$" | tr '\\n' ' ') ;;
  esac
done
for entry in $live; do
  pid=\${entry%%:*}; start=\${entry#*:}
  now=$(sed 's/^.*) //' /proc/$pid/stat 2>/dev/null | cut -d' ' -f20)
  [ "$now" = "$start" ] && kill -9 "$pid" 2>/dev/null
done
exit 0
`;

/** The start time of a process in clock ticks since boot, or null when it is gone. */
function startTimeOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function ensureWatchdog(): ChildProcess {
  if (watchdog !== null) return watchdog;
  const child = spawn('sh', ['-c', WATCHDOG_SCRIPT], { stdio: ['pipe', 'ignore', 'ignore'] });
  // Neither the watchdog nor its pipe may keep the test process alive.
  child.unref();
  const input = child.stdin as (NodeJS.WritableStream & { unref?: () => void }) | null;
  input?.unref?.();
  child.on('error', () => {
    // Without sh the exit handler below still guards a normal exit.
  });
  process.once('exit', () => {
    for (const pid of guarded.keys()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  });
  watchdog = child;
  return child;
}

/** Kills `child` when this process ends, unless {@link release}d first. */
export function guard(child: ChildProcess): void {
  const pid = child.pid;
  if (pid === undefined) return;
  const start = startTimeOf(pid);
  if (start === null) return;
  guarded.set(pid, start);
  ensureWatchdog().stdin?.write(`+ ${pid} ${start}\n`);
  child.once('exit', () => release(pid));
}

/** Stops guarding `pid` (it exited, or was stopped on purpose). */
export function release(pid: number): void {
  const start = guarded.get(pid);
  if (start === undefined) return;
  guarded.delete(pid);
  watchdog?.stdin?.write(`- ${pid} ${start}\n`);
}
