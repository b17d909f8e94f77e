/**
 * Operator commands (pause, resume, switch, maintenance) as the HTTP layer sees them: each answers the status,
 * or says why it cannot be done.
 */
import { isEngineId, ENGINE_IDS } from '../../machines/engines.js';
import { resumeTarget } from '../../machines/policy.js';
import type { PolicyRuntime } from './runtime.js';
import { statusOf, type Role, type StatusJson } from './status.js';

/** A command's result: the status after it, or an HTTP error status and a sentence for people. */
export type CommandResult =
  { readonly ok: true; readonly status: StatusJson } | { readonly ok: false; readonly httpStatus: 400 | 409 | 503; readonly error: string };

/**
 * What the admin API can ask of the policy. A command answers once the state it made is saved, so
 * that a 200 holds across a takeover (503 when it could not be saved).
 */
export interface PolicyControl {
  status(): Promise<StatusJson>;
  pause(reason: string): Promise<CommandResult>;
  resume(): Promise<CommandResult>;
  switchTo(engine: string): Promise<CommandResult>;
  /** Starts (or changes) `engine`'s maintenance; `until` an ISO time in the future, or absent. */
  startMaintenance(engine: string, reason: string, until: string | undefined): Promise<CommandResult>;
  /** Ends `engine`'s maintenance; 409 when it is not in maintenance. */
  endMaintenance(engine: string): Promise<CommandResult>;
  /** Whether the policy actor runs (for `/ready`). */
  isRunning(): boolean;
}

/** The default reason when an operator pauses without giving one. */
export const DEFAULT_PAUSE_REASON = 'paused by an operator';

/**
 * How a leader's 503 begins when it applied a command but Redis did not take the state it made:
 * a client that sends the command again may find it already in effect.
 */
export const APPLIED_UNSAVED = 'applied on this instance';

/** The default reason of a maintenance started without one. */
export const DEFAULT_MAINTENANCE_REASON = 'maintenance by an operator';

function unknownEngine(engine: string): CommandResult {
  return { ok: false, httpStatus: 400, error: `unknown engine "${engine}": expected one of ${ENGINE_IDS.join(', ')}` };
}

/** An ISO time in epoch ms, or a sentence saying why it is none; `at` is now. */
function parseUntil(until: string, at: number): number | string {
  // Date.parse accepts more than ISO 8601 ("Dec 2"); require the ISO shape first.
  const time = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(until) ? Date.parse(until) : Number.NaN;
  if (Number.isNaN(time)) return `until: an ISO 8601 time such as 2026-12-02T03:00:00Z, got "${until}"`;
  if (time <= at) return `until: ${until} has passed; give a time in the future or leave it out`;
  return time;
}

/**
 * Saves the policy state as it is now; answers null once it is saved, or why it could not be (the
 * service without Redis saves nothing, and answers null).
 */
export type SaveState = () => Promise<string | null>;

/** Control of the policy this instance drives (the leader). */
export function leaderControl(runtime: PolicyRuntime, leaderEpoch: number | null, save: SaveState = () => Promise.resolve(null)): PolicyControl {
  const status = (): StatusJson => statusOf(runtime.state(), { role: 'leader', now: runtime.now(), leaderEpoch });
  // Applied here at once (a pause stops dispatch now), but only a saved state survives a takeover.
  const saved = async (): Promise<CommandResult> => {
    const failure = await save();
    if (failure === null) return { ok: true, status: status() };
    return {
      ok: false,
      httpStatus: 503,
      error: `${APPLIED_UNSAVED}, but the policy state could not be saved to Redis (${failure}): an instance taking over would not know of it; send the command again once Redis answers`,
    };
  };
  // A stopped actor drops events silently: answering 200 then would claim a command that never happened.
  const stopped = (): CommandResult => ({
    ok: false,
    httpStatus: 503,
    error: 'the failover policy is not running (the service is stopping or failed); the command was not applied',
  });
  return {
    status: async () => status(),
    isRunning: () => runtime.isRunning(),
    async pause(reason) {
      if (!runtime.isRunning()) return stopped();
      runtime.send({ type: 'PAUSE', reason: reason.trim() === '' ? DEFAULT_PAUSE_REASON : reason });
      return saved();
    },
    async resume() {
      if (!runtime.isRunning()) return stopped();
      if (runtime.activeEngine() !== null) {
        return { ok: false, httpStatus: 409, error: `execution is not paused (state ${status().state}); nothing to resume` };
      }
      if (resumeTarget(runtime.state().context) === null) {
        return { ok: false, httpStatus: 409, error: 'every engine is in maintenance: end a maintenance to resume' };
      }
      runtime.send({ type: 'RESUME' });
      return saved();
    },
    async switchTo(engine) {
      if (!isEngineId(engine)) return unknownEngine(engine);
      if (!runtime.isRunning()) return stopped();
      if (runtime.state().context.maintenance[engine] !== null) {
        return { ok: false, httpStatus: 409, error: `${engine} is in maintenance: end its maintenance before switching to it` };
      }
      runtime.send({ type: 'SWITCH', engine });
      return saved();
    },
    async startMaintenance(engine, reason, until) {
      if (!isEngineId(engine)) return unknownEngine(engine);
      const at = runtime.now();
      const end = until === undefined ? null : parseUntil(until, at);
      if (typeof end === 'string') return { ok: false, httpStatus: 400, error: end };
      if (!runtime.isRunning()) return stopped();
      runtime.send({ type: 'MAINTENANCE_STARTED', engine, reason: reason.trim() === '' ? DEFAULT_MAINTENANCE_REASON : reason, until: end, at });
      return saved();
    },
    async endMaintenance(engine) {
      if (!isEngineId(engine)) return unknownEngine(engine);
      if (!runtime.isRunning()) return stopped();
      if (runtime.state().context.maintenance[engine] === null) {
        return { ok: false, httpStatus: 409, error: `${engine} is not in maintenance; nothing to end` };
      }
      runtime.send({ type: 'MAINTENANCE_ENDED', engine });
      return saved();
    },
  };
}

/** Control on a standby: it answers the status from the persisted state and refuses commands. */
export function standbyControl(readStatus: () => Promise<StatusJson>, role: Role = 'standby'): PolicyControl {
  const refuse = (): Promise<CommandResult> =>
    Promise.resolve({
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
    startMaintenance: refuse,
    endMaintenance: refuse,
  };
}
