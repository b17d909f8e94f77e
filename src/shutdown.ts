/** SIGTERM and SIGINT: stop consuming, finish what is in flight, exit 0. */
import type { Logger } from './log.js';

/**
 * Calls `stop` on the first SIGTERM/SIGINT and exits 0 when it resolves (1 if it throws). A repeated
 * SIGTERM is ignored (npm and tsx relay the same signal, so one `kill` may arrive twice); a second
 * SIGINT (Ctrl-C twice) exits at once.
 */
export function exitOnSignals(log: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping && signal === 'SIGTERM') return;
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now; unfinished signals stay pending in Redis');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
