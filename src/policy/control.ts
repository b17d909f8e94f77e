/**
 * Operator commands (pause, resume, switch) as the HTTP layer sees them: each answers the status,
 * or says why it cannot be done.
 */
import { isEngineId, ENGINE_IDS } from '../../machines/engines.js';
import type { PolicyRuntime } from './runtime.js';
import { statusOf, type Role, type StatusJson } from './status.js';

/** A command's result: the status after it, or an HTTP error status and a sentence for people. */
export type CommandResult =
  | { readonly ok: true; readonly status: StatusJson }
  | { readonly ok: false; readonly httpStatus: 400 | 409 | 503; readonly error: string };

/** What the admin API can ask of the policy. */
export interface PolicyControl {
  status(): Promise<StatusJson>;
  pause(reason: string): CommandResult;
  resume(): CommandResult;
  switchTo(engine: string): CommandResult;
  /** Whether the policy actor runs (for `/ready`). */
  isRunning(): boolean;
}

/** The default reason when an operator pauses without giving one. */
export const DEFAULT_PAUSE_REASON = 'paused by an operator';

/** Control of the policy this instance drives (the leader). */
export function leaderControl(runtime: PolicyRuntime, leaderEpoch: number | null): PolicyControl {
  const status = (): StatusJson => statusOf(runtime.state(), { role: 'leader', now: runtime.now(), leaderEpoch });
  // A stopped actor drops events silently: answering 200 then would claim a command that never happened.
  const stopped = (): CommandResult => ({
    ok: false,
    httpStatus: 503,
    error: 'the failover policy is not running (the service is stopping or failed); the command was not applied',
  });
  return {
    status: async () => status(),
    isRunning: () => runtime.isRunning(),
    pause(reason) {
      if (!runtime.isRunning()) return stopped();
      runtime.send({ type: 'PAUSE', reason: reason.trim() === '' ? DEFAULT_PAUSE_REASON : reason });
      return { ok: true, status: status() };
    },
    resume() {
      if (!runtime.isRunning()) return stopped();
      if (runtime.activeEngine() !== null) {
        return { ok: false, httpStatus: 409, error: `execution is not paused (state ${status().state}); nothing to resume` };
      }
      runtime.send({ type: 'RESUME' });
      return { ok: true, status: status() };
    },
    switchTo(engine) {
      if (!isEngineId(engine)) {
        return { ok: false, httpStatus: 400, error: `unknown engine "${engine}": expected one of ${ENGINE_IDS.join(', ')}` };
      }
      if (!runtime.isRunning()) return stopped();
      runtime.send({ type: 'SWITCH', engine });
      return { ok: true, status: status() };
    },
  };
}

/** Control on a standby: it answers the status from the persisted state and refuses commands. */
export function standbyControl(readStatus: () => Promise<StatusJson>, role: Role = 'standby'): PolicyControl {
  const refuse = (): CommandResult => ({
    ok: false,
    httpStatus: 503,
    error: `this instance is a ${role}: send operator commands to the leader`,
  });
  return {
    status: readStatus,
    isRunning: () => true,
    pause: refuse,
    resume: refuse,
    switchTo: refuse,
  };
}
