/** The benchmark's command line and the sizes each mode runs with. */

/** How big each phase is. `--quick` shrinks every count so the whole run stays under a minute. */
export interface BenchSizes {
  readonly quick: boolean;
  /** Signals per throughput run: baseline, service and peer alike. */
  readonly signals: number;
  /** Timed runs per contender; the median counts. */
  readonly trials: number;
  /** Signals of the untimed first run of each contender (JIT, connections, Lua scripts loaded). */
  readonly warmUpSignals: number;
  /** `EXECUTION_CONCURRENCY` of the headline runs: the service's default. */
  readonly concurrency: number;
  /** A second, higher concurrency for service and peer, to show what the setting buys. */
  readonly highConcurrency: number;
  /** Distinct symbols the signals cycle through; one symbol executes one signal at a time by contract. */
  readonly symbols: number;
  /** XREADGROUP COUNT of the baseline loop. */
  readonly baselineBatch: number;
  /** How long each steady-load latency run offers signals. */
  readonly latencyDurationMs: number;
  /** The same load offered, unmeasured, before each of those runs (bench/latencyProtocol.ts). */
  readonly latencyWarmUpMs: number;
  /** Signals of the one-at-a-time runs that measure the added latency of REDIS_MIN_REPLICAS. */
  readonly serialSignals: number;
  /** Events per timed run of the failover actor alone. */
  readonly actorEvents: number;
  /** Failover trials at the default concurrency; each starts a fresh service. */
  readonly failoverTrials: number;
  /**
   * Failover trials at the high concurrency. More of them: a signal reaches the tripped engine only
   * when a read batch is between choosing its engine and sending at the very moment of the trip, which
   * a few trials in a hundred catch.
   */
  readonly failoverTrialsHigh: number;
  /** Signals queued per failover trial. */
  readonly failoverSignals: number;
  /** Orders the primary fills in a failover trial before it starts failing. */
  readonly failoverHealthySignals: number;
  /** At most this many status requests under load. */
  readonly statusRequests: number;
  /** The two memory checkpoints, in signals settled. */
  readonly memoryFirstCheckpoint: number;
  readonly memorySecondCheckpoint: number;
  /** Time the memory phase may take; past it the second sample is taken where the run is. */
  readonly memoryBudgetMs: number;
  /** Upper bound of any one phase, so a stuck run ends with an error instead of hanging. */
  readonly phaseTimeoutMs: number;
  /** Upper bound of the whole run. */
  readonly runTimeoutMs: number;
}

const FULL: BenchSizes = {
  quick: false,
  signals: 20_000,
  latencyDurationMs: 10_000,
  latencyWarmUpMs: 1000,
  serialSignals: 2000,
  trials: 3,
  warmUpSignals: 2000,
  concurrency: 8,
  highConcurrency: 64,
  symbols: 1000,
  baselineBatch: 100,
  actorEvents: 300_000,
  failoverTrials: 30,
  failoverTrialsHigh: 100,
  failoverSignals: 300,
  failoverHealthySignals: 50,
  statusRequests: 20_000,
  memoryFirstCheckpoint: 100_000,
  memorySecondCheckpoint: 1_000_000,
  memoryBudgetMs: 170_000,
  phaseTimeoutMs: 200_000,
  runTimeoutMs: 540_000,
};

const QUICK: BenchSizes = {
  quick: true,
  signals: 5000,
  latencyDurationMs: 3000,
  latencyWarmUpMs: 1000,
  serialSignals: 500,
  trials: 1,
  warmUpSignals: 1000,
  concurrency: 8,
  highConcurrency: 64,
  symbols: 1000,
  baselineBatch: 100,
  actorEvents: 100_000,
  failoverTrials: 8,
  failoverTrialsHigh: 30,
  failoverSignals: 200,
  failoverHealthySignals: 50,
  statusRequests: 5000,
  memoryFirstCheckpoint: 10_000,
  memorySecondCheckpoint: 50_000,
  memoryBudgetMs: 20_000,
  phaseTimeoutMs: 40_000,
  runTimeoutMs: 110_000,
};

/** The sizes for these command-line arguments (`--quick` or nothing). */
export function sizesFromArgs(args: readonly string[]): BenchSizes {
  const unknown = args.filter((arg) => arg !== '--quick');
  if (unknown.length > 0) {
    throw new Error(`Unknown argument ${unknown.map((arg) => `"${arg}"`).join(', ')}: npm run bench takes only --quick`);
  }
  return args.includes('--quick') ? QUICK : FULL;
}
