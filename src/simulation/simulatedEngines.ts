/**
 * The three engines of the simulated world, as the scenario's engine changes make them: `up` ones
 * succeed, `down` ones fail every execution and every probe, a `flaky` one fails every other
 * execution and a `slow` one answers after its latency; flaky and slow engines pass their probes.
 */
import { perEngine, type EngineId } from '../../machines/engines.js';
import type { ProbeResults } from '../../machines/executionFailover.js';
import type { EngineCounts } from './entries.js';
import type { EngineChange } from './scenario.js';

/** How one execution went, and how long it took when the engine is slow. */
export interface CallOutcome {
  readonly succeeded: boolean;
  readonly durationMs: number | undefined;
}

export class SimulatedEngines {
  private readonly up: Record<EngineId, boolean> = perEngine(() => true);
  private readonly flaky: Record<EngineId, boolean> = perEngine(() => false);
  private readonly flakyCalls: Record<EngineId, number> = perEngine(() => 0);
  private readonly latencyMs: Record<EngineId, number | undefined> = perEngine(() => undefined);
  private readonly executedCounts: Record<EngineId, number> = perEngine(() => 0);
  private readonly failedCounts: Record<EngineId, number> = perEngine(() => 0);

  /** The engine behaves as `change` says from now on; a flaky one starts again with a success. */
  change(change: EngineChange): void {
    this.up[change.engine] = change.becomes !== 'down';
    this.flaky[change.engine] = change.becomes === 'flaky';
    this.flakyCalls[change.engine] = 0;
    this.latencyMs[change.engine] = change.becomes === 'slow' ? change.latency_ms : undefined;
  }

  /** What a probe round finds: every engine but a down one is healthy. */
  probe(): ProbeResults {
    return perEngine((engine) => this.up[engine]);
  }

  /** Executes one signal on `engine`, counting it as executed or failed. */
  call(engine: EngineId): CallOutcome {
    // Flaky: the first call after the change succeeds, the next fails, and so on.
    const flakyFails = this.flaky[engine] && this.flakyCalls[engine]++ % 2 === 1;
    const succeeded = this.up[engine] && !flakyFails;
    if (succeeded) this.executedCounts[engine] += 1;
    else this.failedCounts[engine] += 1;
    return { succeeded, durationMs: this.latencyMs[engine] };
  }

  /** Signals executed so far, per engine (a copy). */
  get executed(): EngineCounts {
    return { ...this.executedCounts };
  }

  /** Signals failed so far, per engine (a copy). */
  get failed(): EngineCounts {
    return { ...this.failedCounts };
  }
}
