/** JSON-line logs on stdout (pino). */
import { pino, type Logger } from 'pino';

export type { Logger };

/** A logger at `level`, writing JSON lines to stdout (or to `destination` in tests). */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'execution-failover' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Level names, not numbers: the lines are read by people as often as by machines.
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? process.stdout,
  );
}
