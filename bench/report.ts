/** The benchmark's results: `bench/results.json`, `bench/RESULTS.md` and the table on stdout. */
import { writeFile } from 'node:fs/promises';
import type { RunCost } from './meter.js';

/** Costs per signal of each contender, from its median trial. */
export interface CostRow {
  readonly contender: string;
  readonly cost: RunCost;
}

/** One contender at one offered rate, in results.json. */
export interface LatencyRow {
  readonly contender: string;
  readonly rate: number;
  readonly to_engine_ms: { readonly p50: number; readonly p99: number; readonly p999: number };
  readonly to_outcome_ms: { readonly p50: number; readonly p99: number; readonly p999: number };
  readonly samples: number;
  /**
   * The contender's main thread, while the load was offered: the share of its busy time (running
   * or ready to run) it spent waiting for a CPU, and the mean wait each time it got one. Null
   * where Linux's scheduler statistics cannot be read (bench/cpuWait.ts).
   */
  readonly cpu_wait_pct: number | null;
  readonly cpu_wait_per_run_us: number | null;
}

/** Everything `results.json` holds; the snake_case keys are the ones the README and CI read. */
export interface BenchResults {
  readonly date: string;
  readonly node_version: string;
  readonly cpu_model: string;
  readonly cores: number;
  readonly quick: boolean;
  /** Signals per throughput run. */
  readonly n: number;
  readonly trials: number;
  readonly concurrency: number;
  readonly high_concurrency: number;
  readonly symbols: number;
  readonly baseline_batch: number;
  readonly baseline_signals_per_s: number;
  readonly service_signals_per_s: number;
  readonly peer_signals_per_s: number;
  readonly ratio_vs_baseline: number;
  readonly ratio_vs_peer: number;
  /** (a′): the bare loop doing the contract's per-signal Redis records, batched: the limit of this design. */
  readonly recording_baseline_signals_per_s: number;
  readonly ratio_vs_recording_baseline: number;
  readonly service_high_concurrency_signals_per_s: number;
  readonly peer_high_concurrency_signals_per_s: number;
  /** Every trial's signals/s, per contender. */
  readonly throughput_trials: Readonly<Record<string, readonly number[]>>;
  readonly cost_per_signal: readonly CostRow[];
  /** Send → engine at a steady offered load, in ms: (b) at 1,000/s and 5,000/s, (c), (a), (b) replicated. */
  readonly latency_1k_p50_ms: number;
  readonly latency_1k_p99_ms: number;
  readonly latency_1k_p999_ms: number;
  readonly latency_5k_p99_ms: number;
  readonly peer_latency_1k_p99_ms: number;
  readonly peer_latency_5k_p99_ms: number;
  readonly baseline_latency_1k_p99_ms: number;
  readonly replicated_latency_1k_p99_ms: number;
  /** How long each latency run offered its load, unmeasured, before the measured signals. */
  readonly latency_warm_up_ms: number;
  /** Every latency measured, both measures, by contender and rate. */
  readonly latency_table: readonly LatencyRow[];
  /** (b) with REDIS_MIN_REPLICAS=1 against a local replica, and the same phase without it. */
  readonly replicated_signals_per_s: number;
  readonly replication_plain_signals_per_s: number;
  readonly replicated_ratio: number;
  /** Milliseconds per signal when signals go one at a time (one symbol, concurrency 1). */
  readonly serial_ms_per_signal: number;
  readonly replicated_serial_ms_per_signal: number;
  readonly replicated_added_ms_per_signal: number;
  readonly actor_events_per_s: number;
  readonly actor_bare_events_per_s: number;
  readonly actor_events: number;
  readonly failure_threshold: number;
  /** Worst over every failover trial at both concurrencies. */
  readonly signals_to_tripped_engine: number;
  readonly signals_to_tripped_engine_by_concurrency: Readonly<Record<string, number>>;
  /** Median over the trials at the default concurrency. */
  readonly failover_reaction_ms: number;
  readonly failover_reaction_ms_max: number;
  readonly failover_reaction_ms_by_concurrency: Readonly<Record<string, number>>;
  readonly failover_policy_ms_median: number;
  /** Failover trials run, by concurrency. */
  readonly failover_trials: Readonly<Record<string, number>>;
  readonly status_p50_ms: number;
  readonly status_p99_ms: number;
  readonly status_max_ms: number;
  readonly status_requests: number;
  readonly status_idle_p50_ms: number;
  readonly status_idle_p99_ms: number;
  readonly service_signals_per_s_while_polled: number;
  /** The service's event-loop delay during the status run (perf_hooks.monitorEventLoopDelay). */
  readonly event_loop_delay_p99_ms: number;
  readonly event_loop_delay_max_ms: number;
  /** The share of the service thread's busy time spent waiting for a CPU during that run; null off Linux. */
  readonly status_cpu_wait_pct: number | null;
  readonly rss_growth_pct: number;
  readonly heap_growth_pct: number;
  readonly rss_first_mb: number;
  readonly rss_second_mb: number;
  readonly heap_first_mb: number;
  readonly heap_second_mb: number;
  /** What V8 held for its heap at the same checkpoints: RSS moving without it moved outside V8. */
  readonly heap_committed_first_mb: number;
  readonly heap_committed_second_mb: number;
  readonly rss_first_signals: number;
  readonly rss_second_signals: number;
  readonly rss_planned_second_signals: number;
  readonly rss_budget_reached: boolean;
  readonly duration_s: number;
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const precise = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

function verdict(met: boolean): string {
  return met ? 'met' : '**missed**';
}

function percentOrUnknown(value: number | null): string {
  return value === null ? 'not measured' : `${decimal.format(value)} %`;
}

function count(value: number): string {
  return integer.format(value);
}

const ORDINAL_SUFFIXES: Readonly<Record<number, string>> = { 1: 'st', 2: 'nd', 3: 'rd' };

function ordinal(value: number): string {
  const teen = value % 100 >= 11 && value % 100 <= 13;
  return `${value}${teen ? 'th' : (ORDINAL_SUFFIXES[value % 10] ?? 'th')}`;
}

/** The results as Markdown: a context line, the main table and the cost table. */
export function renderMarkdown(results: BenchResults): string {
  const r = results;
  const quickNote = r.quick ? ' **Quick mode: smaller counts than the full run; the memory checkpoints especially.**' : '';
  const memoryNote = r.rss_budget_reached ? ` (time budget reached: ${count(r.rss_second_signals)} of the planned ${count(r.rss_planned_second_signals)})` : '';
  const rows: [string, string, string, string][] = [
    [`(a) baseline: bare ioredis, XREADGROUP COUNT ${r.baseline_batch} + pipelined XACK`, `${count(r.baseline_signals_per_s)} signals/s`, 'the limit', ''],
    [
      "(a′) bare loop doing the contract's per-signal records (dedup, attempt, outcome, ack), batched",
      `${count(r.recording_baseline_signals_per_s)} signals/s`,
      'this design',
      '',
    ],
    [`(b) service pipeline, EXECUTION_CONCURRENCY=${r.concurrency}`, `${count(r.service_signals_per_s)} signals/s`, '', ''],
    [`(c) BullMQ worker + opossum breaker, concurrency ${r.concurrency}`, `${count(r.peer_signals_per_s)} signals/s`, '', ''],
    ['b / a', `${decimal.format(r.ratio_vs_baseline * 100)} %`, '≥ 50 %', verdict(r.ratio_vs_baseline >= 0.5)],
    ['b / a′', `${decimal.format(r.ratio_vs_recording_baseline * 100)} %`, '', ''],
    ['b / c', `${precise.format(r.ratio_vs_peer)}×`, '≥ 2×', verdict(r.ratio_vs_peer >= 2)],
    [`(b) at EXECUTION_CONCURRENCY=${r.high_concurrency}`, `${count(r.service_high_concurrency_signals_per_s)} signals/s`, '', ''],
    [`(c) at concurrency ${r.high_concurrency}`, `${count(r.peer_high_concurrency_signals_per_s)} signals/s`, '', ''],
    [
      `send → engine at 1,000/s, p99 (b) (p50 ${precise.format(r.latency_1k_p50_ms)} ms, p99.9 ${precise.format(r.latency_1k_p999_ms)} ms)`,
      `${precise.format(r.latency_1k_p99_ms)} ms`,
      '≤ 2 ms',
      verdict(r.latency_1k_p99_ms <= 2),
    ],
    [
      'send → engine at 1,000/s, p99: (b) against (c)',
      `${precise.format(r.latency_1k_p99_ms)} / ${precise.format(r.peer_latency_1k_p99_ms)} ms`,
      'b ≤ c',
      verdict(r.latency_1k_p99_ms <= r.peer_latency_1k_p99_ms),
    ],
    [
      `send → engine at 5,000/s, p99 (b) (c: ${precise.format(r.peer_latency_5k_p99_ms)} ms)`,
      `${precise.format(r.latency_5k_p99_ms)} ms`,
      '≤ 5 ms',
      verdict(r.latency_5k_p99_ms <= 5),
    ],
    [`send → engine at 1,000/s, p99 (a) the bare loop`, `${precise.format(r.baseline_latency_1k_p99_ms)} ms`, '', ''],
    [`send → engine at 1,000/s, p99 (b) with REDIS_MIN_REPLICAS=1`, `${precise.format(r.replicated_latency_1k_p99_ms)} ms`, '', ''],
    [
      `(b) with REDIS_MIN_REPLICAS=1, a local replica confirming each attempt record (without: ${count(r.replication_plain_signals_per_s)} signals/s, same phase)`,
      `${count(r.replicated_signals_per_s)} signals/s (${decimal.format(r.replicated_ratio * 100)} %)`,
      '',
      '',
    ],
    [
      `time per signal one at a time, REDIS_MIN_REPLICAS=1 (without: ${precise.format(r.serial_ms_per_signal)} ms)`,
      `${precise.format(r.replicated_serial_ms_per_signal)} ms (+${precise.format(r.replicated_added_ms_per_signal)} ms)`,
      '',
      '',
    ],
    ['failover actor alone (startPolicyRuntime)', `${count(r.actor_events_per_s)} events/s`, '≥ 200,000', verdict(r.actor_events_per_s >= 200_000)],
    ['failover actor, bare createActor', `${count(r.actor_bare_events_per_s)} events/s`, '', ''],
    [
      `signals sent to the primary after its ${ordinal(r.failure_threshold)} failure (worst trial; ${Object.entries(r.signals_to_tripped_engine_by_concurrency)
        .map(([concurrency, value]) => `${value} at concurrency ${concurrency}`)
        .join(', ')})`,
      count(r.signals_to_tripped_engine),
      '0',
      verdict(r.signals_to_tripped_engine === 0),
    ],
    [
      `failover reaction: that failure → first order on backup 1 (median; max ${decimal.format(r.failover_reaction_ms_max)} ms)`,
      `${decimal.format(r.failover_reaction_ms)} ms`,
      '< 5 ms',
      verdict(r.failover_reaction_ms < 5),
    ],
    [
      `status p50 under load (${count(r.status_requests)} requests; idle: ${precise.format(r.status_idle_p50_ms)} ms)`,
      `${precise.format(r.status_p50_ms)} ms`,
      '',
      '',
    ],
    [
      `status p99 under load (max ${decimal.format(r.status_max_ms)} ms; idle: ${precise.format(r.status_idle_p99_ms)} ms)`,
      `${precise.format(r.status_p99_ms)} ms`,
      '< 5 ms',
      verdict(r.status_p99_ms < 5),
    ],
    [
      `service event-loop delay during that run, p99 (max ${decimal.format(r.event_loop_delay_max_ms)} ms)`,
      `${precise.format(r.event_loop_delay_p99_ms)} ms`,
      '',
      '',
    ],
    [
      'service thread during that run: share of its busy time spent waiting for a CPU (ready to run, the cores taken)',
      percentOrUnknown(r.status_cpu_wait_pct),
      '',
      '',
    ],
    [
      `RSS after ${count(r.rss_first_signals)} → ${count(r.rss_second_signals)} signals${memoryNote}`,
      `${decimal.format(r.rss_first_mb)} → ${decimal.format(r.rss_second_mb)} MB (${decimal.format(r.rss_growth_pct)} %)`,
      '< 10 %',
      verdict(r.rss_growth_pct < 10),
    ],
    [
      `heap used after GC, same checkpoints`,
      `${decimal.format(r.heap_first_mb)} → ${decimal.format(r.heap_second_mb)} MB (${decimal.format(r.heap_growth_pct)} %)`,
      '',
      '',
    ],
    [
      `heap V8 holds (used or not), same checkpoints: the rest of RSS is outside V8`,
      `${decimal.format(r.heap_committed_first_mb)} → ${decimal.format(r.heap_committed_second_mb)} MB`,
      '',
      '',
    ],
  ];
  const table = ['| measurement | result | target | |', '| --- | ---: | ---: | --- |', ...rows.map((row) => `| ${row.join(' | ')} |`)];
  const latencies = [
    '| latency at a steady load (ms) | rate | send → engine p50 | p99 | p99.9 | send → outcome p50 | p99 | p99.9 | waiting for a CPU |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...r.latency_table.map(
      (row) =>
        `| ${row.contender} | ${count(row.rate)}/s | ${precise.format(row.to_engine_ms.p50)} | ${precise.format(row.to_engine_ms.p99)} | ${precise.format(row.to_engine_ms.p999)} | ${precise.format(row.to_outcome_ms.p50)} | ${precise.format(row.to_outcome_ms.p99)} | ${precise.format(row.to_outcome_ms.p999)} | ${percentOrUnknown(row.cpu_wait_pct)} |`,
    ),
  ];
  const costs = [
    '| per signal (median trial) | Node.js CPU | redis-server CPU | Redis commands |',
    '| --- | ---: | ---: | ---: |',
    ...r.cost_per_signal.map(
      ({ contender, cost }) =>
        `| ${contender} | ${decimal.format(cost.nodeCpuUsPerSignal)} µs | ${decimal.format(cost.redisCpuUsPerSignal)} µs | ${precise.format(cost.redisCommandsPerSignal)} |`,
    ),
  ];
  const method = [
    'How it is measured:',
    '',
    '- Throughput: each run starts on a pre-filled queue; the clock runs from starting the consumer (for (b) the `startService` call,',
    '  start-up included) to the last acknowledgement, outcome recorded or `completed` event. (a) reads and acknowledges only;',
    "  (a′) also does the contract's records per signal with the service's own scripts, batched 100 at a time: one beginAttempt",
    '  call before (lease and entry checks, dedup, attempt record), one settleSignal call after, sent together with the next read;',
    '  (b) is the real service (`loadConfig`, `startService`, `sim://?latency_ms=0` engines, LOG_LEVEL=warn); (c) is a BullMQ',
    '  worker with an opossum breaker around a no-op engine call, its jobs added with `addBulk`. Contenders alternate within each trial.',
    `- Failover: instrumented \`sim://\` engines answering in about 1 ms; the primary fails every call after its first fills;`,
    `  worst and median over ${Object.entries(r.failover_trials)
      .map(([concurrency, trials]) => `${trials} trials at concurrency ${concurrency}`)
      .join(
        ' and ',
      )}, each on a fresh service: what it looks for (a signal that picks the primary just before the trip and is sent just after) is a race that only some trials hit.`,
    `- Latency: a load generator in its own process sends at a steady rate, first for ${count(r.latency_warm_up_ms / 1000)} s unmeasured (a generator just started`,
    "  runs cold code and takes the contender's CPU for its first few hundred ms), then for the set time, stamping each signal just before",
    '  its send; "engine" is when the (instant) engine call starts (for (a), when the read returns the entry), "outcome" is when',
    "  the outcome entry is seen by the generator's blocking reader (for (a), the XACK of its read answered; for (c), the worker's",
    "  `completed` event). Stamps are of the machine's monotonic clock, which both processes share; the sim engines remember",
    '  1,000 orders, as for memory.',
    '- Status: a client in its own process, one request at a time over keep-alive, while (b) runs; "idle" is the same client',
    '  against a service with nothing to do.',
    "- Waiting for a CPU: Linux's scheduler statistics of the contender's main thread (`/proc/<pid>/task/<pid>/schedstat`) over",
    '  the window measured: the time it was ready to run but every core was taken (or still waking up), as a share of the time',
    '  it ran or waited to. Whatever waits there waits with it, and no code in the contender can remove it.',
    '- Memory: (b) in a child process started with `--expose-gc`, sampled after a full GC. Its sim engines remember 1,000 orders',
    '  instead of 100,000: that cache belongs to the engine (in production another process), not to the service.',
  ];
  return [
    `${r.date}: Node.js ${r.node_version}, ${r.cpu_model} (${r.cores} cores), one private redis-server. ` +
      `N = ${count(r.n)} signals over ${count(r.symbols)} symbols, median of ${r.trials} trial(s); ` +
      `run took ${count(r.duration_s)} s.${quickNote}`,
    '',
    ...table,
    '',
    ...latencies,
    '',
    ...costs,
    '',
    ...method,
    '',
  ].join('\n');
}

/** Writes `results.json` and `RESULTS.md` into `directory`. */
export async function writeResults(directory: URL, results: BenchResults, markdown: string): Promise<void> {
  await writeFile(new URL('results.json', directory), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(
    new URL('RESULTS.md', directory),
    `# Benchmark results\n\nWritten by \`npm run bench${results.quick ? ' -- --quick' : ''}\` (bench/run.ts); do not edit by hand.\n\n${markdown}`,
  );
}
