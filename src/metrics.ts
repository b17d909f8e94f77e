/** Prometheus metrics (contract section 5), in a registry of their own so tests can make many. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ENGINE_IDS, type EngineId } from '../machines/engines.js';
import type { OutcomeKind } from './signals/outcome.js';

/** The service's metrics. */
export interface Metrics {
  readonly registry: Registry;
  outcome(outcome: OutcomeKind, engine: EngineId | null): void;
  engineFailure(engine: EngineId): void;
  transition(from: string, to: string, reason: string): void;
  activeEngine(engine: EngineId | null): void;
  latency(engine: EngineId, seconds: number): void;
  /** An order waited for its engine's `ENGINE_<ID>_MAX_ORDERS_PER_SECOND`. */
  rateLimited(engine: EngineId): void;
}

/**
 * Node's own process metrics (CPU, memory, event-loop lag, collector, handles): one set per
 * process, however many services it starts and stops (tests, the benchmark). `collectDefaultMetrics`
 * starts a collector observer that is never stopped and whose histogram keeps its registry: with a
 * set per service, that registry kept every stopped service alive, with all its engines remembered
 * (the benchmark's process held 45 MB more after its throughput phase, and its collector's major
 * pauses grew with it).
 */
let processMetrics: Registry | null = null;

function processRegistry(): Registry {
  if (processMetrics === null) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics });
  }
  return processMetrics;
}

/**
 * Creates the metrics; `queueDepth` and `openPositions` (position affinity: the pairs each engine
 * holds a position in) are read when Prometheus scrapes.
 */
export function createMetrics(options: { queueDepth: () => Promise<number>; openPositions?: () => Promise<Record<EngineId, number>> }): Metrics {
  const registry = new Registry();
  const executions = new Counter({
    name: 'execution_signals_total',
    help: 'Signals that reached an outcome, by engine and outcome.',
    labelNames: ['engine', 'outcome'],
    registers: [registry],
  });
  const failures = new Counter({
    name: 'execution_engine_failures_total',
    help: 'Engine failures (5xx, 408, 429, timeouts, refused connections), by engine.',
    labelNames: ['engine'],
    registers: [registry],
  });
  const transitions = new Counter({
    name: 'execution_failover_transitions_total',
    help: 'Moves of the failover policy between top-level states.',
    labelNames: ['from', 'to', 'reason'],
    registers: [registry],
  });
  const active = new Gauge({
    name: 'execution_active_engine',
    help: '1 for the engine signals go to, 0 for the others (all 0 while paused).',
    labelNames: ['engine'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'execution_latency_seconds',
    help: 'Time from sending a signal to an engine to its answer, for executed signals.',
    labelNames: ['engine'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'execution_rate_limited_total',
    help: "Orders that waited for their engine's order-rate limit (ENGINE_<ID>_MAX_ORDERS_PER_SECOND), by engine.",
    labelNames: ['engine'],
    registers: [registry],
  });
  new Gauge({
    name: 'execution_queue_depth',
    help: 'Signals waiting in the queue.',
    registers: [registry],
    async collect() {
      try {
        this.set(await options.queueDepth());
      } catch {
        // Redis away: leave the last value; /ready reports the outage.
      }
    },
  });
  const { openPositions } = options;
  if (openPositions !== undefined) {
    new Gauge({
      name: 'execution_positions',
      help: 'Strategy and symbol pairs in which the engine holds a position (EXECUTION_POSITION_AFFINITY).',
      labelNames: ['engine'],
      registers: [registry],
      async collect() {
        try {
          const open = await openPositions();
          for (const engine of ENGINE_IDS) this.set({ engine }, open[engine]);
        } catch {
          // Redis away: leave the last values; /ready reports the outage.
        }
      },
    });
  }
  for (const engine of ENGINE_IDS) {
    failures.inc({ engine }, 0);
    rateLimited.inc({ engine }, 0);
    active.set({ engine }, 0);
  }
  return {
    // The process's metrics beside the service's, on one scrape.
    registry: Registry.merge([processRegistry(), registry]),
    outcome: (outcome, engine) => executions.inc({ engine: engine ?? 'none', outcome }),
    engineFailure: (engine) => failures.inc({ engine }),
    transition: (from, to, reason) => transitions.inc({ from, to, reason }),
    activeEngine: (engine) => {
      for (const id of ENGINE_IDS) active.set({ engine: id }, id === engine ? 1 : 0);
    },
    latency: (engine, seconds) => latency.observe({ engine }, seconds),
    rateLimited: (engine) => rateLimited.inc({ engine }),
  };
}
