/**
 * `npm run bench [-- --quick]`: the service's throughput next to its limit and its peer, measured in
 * the same run against one private redis-server, then actor cost, failover reaction, status latency
 * under load and memory. Writes bench/results.json and bench/RESULTS.md and prints the table.
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { Redis } from 'ioredis';
import { startPrivateRedis, type PrivateRedis } from '../test/support/redisServer.js';
import { runActor } from './actor.js';
import { runFailover, type FailoverResult } from './failover.js';
import { latency, LATENCY_CONTENDERS, latencyTable, type LatencyContender } from './latencyPhase.js';
import { latencyPlot } from './latencyPlot.js';
import { runMemory } from './memory.js';
import { createMeter } from './meter.js';
import { sizesFromArgs, type BenchSizes } from './options.js';
import { progress, rate } from './progress.js';
import { runReplication } from './replication.js';
import { renderMarkdown, writeResults, type BenchResults } from './report.js';
import { runStatus } from './status.js';
import { CONTENDER_NAMES, CONTENDERS, medianTrial, throughput, type Contender } from './throughputPhase.js';
import { median, nowMs } from './timing.js';

const MB = 1024 * 1024;

async function failover(sizes: BenchSizes, redisUrl: string, admin: Redis): Promise<Record<number, FailoverResult>> {
  const results: Record<number, FailoverResult> = {};
  const plan: readonly (readonly [concurrency: number, trials: number])[] = [
    [sizes.concurrency, sizes.failoverTrials],
    [sizes.highConcurrency, sizes.failoverTrialsHigh],
  ];
  for (const [concurrency, trials] of plan) {
    await admin.flushall();
    results[concurrency] = await runFailover({
      redisUrl,
      trials,
      signals: sizes.failoverSignals,
      healthySignals: sizes.failoverHealthySignals,
      symbols: sizes.symbols,
      concurrency,
      timeoutMs: sizes.phaseTimeoutMs,
    });
    const result = results[concurrency];
    progress(
      `failover at concurrency ${concurrency}, ${trials} trials: ${result.signalsToTrippedEngine} signals to the tripped primary (worst), ` +
        `reaction ${result.reactionMsMedian.toFixed(1)} ms (median)`,
    );
  }
  return results;
}

async function main(): Promise<void> {
  const sizes = sizesFromArgs(process.argv.slice(2));
  const started = nowMs();
  let redisServer: PrivateRedis | null = null;
  let admin: Redis | null = null;
  const cleanUp = async (): Promise<void> => {
    admin?.disconnect();
    admin = null;
    await redisServer?.stop();
    redisServer = null;
  };
  // Bounds the whole run: a phase that hangs despite its own timeout still ends it, Redis stopped.
  const watchdog = setTimeout(() => {
    progress(`the run exceeded ${Math.round(sizes.runTimeoutMs / 1000)} s; stopping`);
    void cleanUp().finally(() => process.exit(1));
  }, sizes.runTimeoutMs);
  watchdog.unref();
  process.once('SIGINT', () => void cleanUp().finally(() => process.exit(130)));
  // Whatever goes wrong, the private redis-server does not outlive the run.
  process.once('uncaughtException', (error) => {
    console.error(error);
    void cleanUp().finally(() => process.exit(1));
  });

  try {
    progress(`${sizes.quick ? 'quick' : 'full'} run: starting a private redis-server`);
    const server = await startPrivateRedis();
    redisServer = server;
    const connection = new Redis(server.url);
    admin = connection;
    const meter = createMeter(connection);

    const trials = await throughput(sizes, server.url, connection, meter);
    const pick = (contender: Contender) => medianTrial(trials[contender]);

    progress(`latency at a steady 1,000 and 5,000 signals/s, ${sizes.latencyDurationMs / 1000} s each after ${sizes.latencyWarmUpMs / 1000} s unmeasured`);
    const latencies = await latency(sizes, server.url, connection);

    progress('REDIS_MIN_REPLICAS=1 against a local replica, and without it, in turn');
    const replication = await runReplication({
      primaryUrl: server.url,
      primaryPort: server.port,
      admin: connection,
      signals: sizes.signals,
      serialSignals: sizes.serialSignals,
      symbols: sizes.symbols,
      concurrency: sizes.concurrency,
      trials: sizes.trials,
      timeoutMs: sizes.phaseTimeoutMs,
      latencyDurationMs: sizes.latencyDurationMs,
      latencyWarmUpMs: sizes.latencyWarmUpMs,
      progress,
    });

    progress('actor alone');
    const actorRuns = [1, 2, 3].map(() => runActor(sizes.actorEvents));
    const actorEventsPerSecond = median(actorRuns.map((run) => run.runtimeEventsPerSecond));
    const actorBareEventsPerSecond = median(actorRuns.map((run) => run.bareEventsPerSecond));
    progress(`actor: ${rate(actorEventsPerSecond)} (runtime), ${rate(actorBareEventsPerSecond)} (bare)`);

    const failovers = await failover(sizes, server.url, connection);
    const headlineFailover = failovers[sizes.concurrency];
    if (headlineFailover === undefined) throw new Error('The failover phase returned nothing for the default concurrency');

    await connection.flushall();
    progress('status under load');
    const status = await runStatus({
      redisUrl: server.url,
      runId: 'status',
      signals: sizes.signals,
      symbols: sizes.symbols,
      concurrency: sizes.concurrency,
      maxRequests: sizes.statusRequests,
      timeoutMs: sizes.phaseTimeoutMs,
    });
    progress(`status: p50 ${status.underLoad.p50.toFixed(2)} ms, p99 ${status.underLoad.p99.toFixed(2)} ms over ${status.underLoad.requests} requests`);

    await connection.flushall();
    progress(
      `memory: ${sizes.memoryFirstCheckpoint} and ${sizes.memorySecondCheckpoint} signals (budget ${Math.round(sizes.memoryBudgetMs / 1000)} s), in a child process`,
    );
    const memory = await runMemory({
      redisUrl: server.url,
      concurrency: sizes.concurrency,
      symbols: sizes.symbols,
      firstCheckpoint: sizes.memoryFirstCheckpoint,
      secondCheckpoint: sizes.memorySecondCheckpoint,
      budgetMs: sizes.memoryBudgetMs,
      timeoutMs: sizes.memoryBudgetMs + sizes.phaseTimeoutMs,
    });
    await cleanUp();

    const baseline = pick('baseline').signalsPerSecond;
    const recordingBaseline = pick('recording_baseline').signalsPerSecond;
    const service = pick('service').signalsPerSecond;
    const peer = pick('peer').signalsPerSecond;
    const cpus = os.cpus();
    const results: BenchResults = {
      date: new Date().toISOString(),
      node_version: process.version,
      cpu_model: cpus[0]?.model.trim() ?? 'unknown',
      cores: cpus.length,
      quick: sizes.quick,
      n: sizes.signals,
      trials: sizes.trials,
      concurrency: sizes.concurrency,
      high_concurrency: sizes.highConcurrency,
      symbols: sizes.symbols,
      baseline_batch: sizes.baselineBatch,
      baseline_signals_per_s: baseline,
      service_signals_per_s: service,
      peer_signals_per_s: peer,
      ratio_vs_baseline: service / baseline,
      recording_baseline_signals_per_s: recordingBaseline,
      ratio_vs_recording_baseline: service / recordingBaseline,
      ratio_vs_peer: service / peer,
      service_high_concurrency_signals_per_s: pick('service_high').signalsPerSecond,
      peer_high_concurrency_signals_per_s: pick('peer_high').signalsPerSecond,
      throughput_trials: Object.fromEntries(Object.entries(trials).map(([contender, runs]) => [contender, runs.map((run) => run.signalsPerSecond)])),
      cost_per_signal: CONTENDERS.flatMap((contender) => {
        const cost = pick(contender).cost;
        return cost === undefined ? [] : [{ contender: CONTENDER_NAMES[contender], cost }];
      }),
      latency_1k_p50_ms: latencies[1000].service.toEngine.p50,
      latency_1k_p99_ms: latencies[1000].service.toEngine.p99,
      latency_1k_p999_ms: latencies[1000].service.toEngine.p999,
      latency_5k_p99_ms: latencies[5000].service.toEngine.p99,
      peer_latency_1k_p99_ms: latencies[1000].peer.toEngine.p99,
      peer_latency_5k_p99_ms: latencies[5000].peer.toEngine.p99,
      baseline_latency_1k_p99_ms: latencies[1000].baseline.toEngine.p99,
      replicated_latency_1k_p99_ms: replication.latency1k.toEngine.p99,
      latency_warm_up_ms: sizes.latencyWarmUpMs,
      latency_table: latencyTable(latencies, replication.latency1k),
      replicated_signals_per_s: replication.replicatedSignalsPerSecond,
      replication_plain_signals_per_s: replication.plainSignalsPerSecond,
      replicated_ratio: replication.replicatedSignalsPerSecond / replication.plainSignalsPerSecond,
      serial_ms_per_signal: replication.plainMsPerSignal,
      replicated_serial_ms_per_signal: replication.replicatedMsPerSignal,
      replicated_added_ms_per_signal: replication.replicatedMsPerSignal - replication.plainMsPerSignal,
      actor_events_per_s: actorEventsPerSecond,
      actor_bare_events_per_s: actorBareEventsPerSecond,
      actor_events: sizes.actorEvents,
      failure_threshold: headlineFailover.threshold,
      signals_to_tripped_engine: Math.max(...Object.values(failovers).map((result) => result.signalsToTrippedEngine)),
      signals_to_tripped_engine_by_concurrency: Object.fromEntries(
        Object.entries(failovers).map(([concurrency, result]) => [concurrency, result.signalsToTrippedEngine]),
      ),
      failover_reaction_ms: headlineFailover.reactionMsMedian,
      failover_reaction_ms_max: headlineFailover.reactionMsMax,
      failover_reaction_ms_by_concurrency: Object.fromEntries(Object.entries(failovers).map(([concurrency, result]) => [concurrency, result.reactionMsMedian])),
      failover_policy_ms_median: headlineFailover.policyMsMedian,
      failover_trials: Object.fromEntries(Object.entries(failovers).map(([concurrency, result]) => [concurrency, result.trials.length])),
      status_p50_ms: status.underLoad.p50,
      status_p99_ms: status.underLoad.p99,
      status_max_ms: status.underLoad.max,
      status_requests: status.underLoad.requests,
      status_idle_p50_ms: status.idle.p50,
      status_idle_p99_ms: status.idle.p99,
      service_signals_per_s_while_polled: status.pipeline.signalsPerSecond,
      event_loop_delay_p99_ms: status.eventLoopDelay.p99,
      event_loop_delay_max_ms: status.eventLoopDelay.max,
      status_cpu_wait_pct: status.cpuWait?.waitPct ?? null,
      rss_growth_pct: memory.rssGrowthPct,
      heap_growth_pct: memory.heapGrowthPct,
      rss_first_mb: memory.first.rssBytes / MB,
      rss_second_mb: memory.second.rssBytes / MB,
      heap_first_mb: memory.first.heapUsedBytes / MB,
      heap_second_mb: memory.second.heapUsedBytes / MB,
      heap_committed_first_mb: memory.first.heapTotalBytes / MB,
      heap_committed_second_mb: memory.second.heapTotalBytes / MB,
      rss_first_signals: memory.first.signals,
      rss_second_signals: memory.second.signals,
      rss_planned_second_signals: sizes.memorySecondCheckpoint,
      rss_budget_reached: memory.budgetReached,
      duration_s: (nowMs() - started) / 1000,
    };
    const markdown = renderMarkdown(results);
    await writeResults(new URL('./', import.meta.url), results, markdown);
    await writeFile(
      new URL('./latency.svg', import.meta.url),
      latencyPlot(
        `Send → engine at a steady 1,000 signals/s (${sizes.quick ? 'quick run' : 'full run'})`,
        (Object.keys(LATENCY_CONTENDERS) as LatencyContender[]).map((contender) => ({
          ...LATENCY_CONTENDERS[contender],
          summary: latencies[1000][contender].toEngine,
        })),
      ),
    );
    process.stdout.write(`\n${markdown}\nWrote bench/results.json and bench/RESULTS.md.\n`);
  } finally {
    clearTimeout(watchdog);
    await cleanUp();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
