/** A {@link CliIo} that keeps what a command printed, for tests that run the command line in-process. */
import type { CliIo } from '../../src/cli/command.js';

export interface CapturedIo {
  readonly io: CliIo;
  readonly out: string[];
  readonly err: string[];
}

export function captureIo(env: Record<string, string | undefined> = {}): CapturedIo {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (line) => out.push(line), err: (line) => err.push(line), env }, out, err };
}
