/**
 * The memory measurement's service, in a fresh process started with `--expose-gc`: the real
 * service pipeline (b), fed by the parent, with RSS and heap read after a full GC at two
 * checkpoints. Earlier benchmark phases never touched this heap.
 *
 * Usage (by bench/memory.ts): memoryChild.ts <json of MemoryChildConfig>
 */
import { ENGINE_IDS, type EngineId } from '../machines/engines.js';
import { createEngine } from '../src/engines/createEngine.js';
import type { ExecutionEngine } from '../src/engines/types.js';
import type { RunningService } from '../src/service/service.js';
import { benchConfig, INSTANT_SIM_URL, startBenchService, type BenchServiceOptions } from './benchService.js';
import { disconnectFromParent, sendToParent } from './childProcess.js';
import { isMemoryChildConfig, type MemorySample } from './memoryProtocol.js';
import { nowMs } from './timing.js';

/**
 * The simulated engines remember the orders they filled, for repeats and lookups: up to 100 000 by
 * default. That cache belongs to the engine, which in production is another process (the bridge),
 * so here it is kept small: what grows is then the service's own memory.
 */
const ENGINE_REMEMBERS = 1000;

function simEngines(options: BenchServiceOptions): Partial<Record<EngineId, ExecutionEngine>> {
  const { engineTimeoutMs } = benchConfig(options);
  const engines: Partial<Record<EngineId, ExecutionEngine>> = {};
  for (const id of ENGINE_IDS) engines[id] = createEngine(id, INSTANT_SIM_URL, { timeoutMs: engineTimeoutMs, sim: { rememberLimit: ENGINE_REMEMBERS } });
  return engines;
}

function collectGarbage(): void {
  const gc = globalThis.gc;
  if (gc === undefined) throw new Error('The memory child needs --expose-gc (bench/memory.ts starts it so)');
  // Twice: the first pass can leave objects that only a second full collection frees (weak callbacks).
  gc();
  gc();
}

function sample(signals: number): MemorySample {
  collectGarbage();
  const usage = process.memoryUsage();
  return { signals, rssBytes: usage.rss, heapUsedBytes: usage.heapUsed, heapTotalBytes: usage.heapTotal, externalBytes: usage.external };
}

async function main(): Promise<void> {
  const config: unknown = JSON.parse(process.argv[2] ?? 'null');
  if (!isMemoryChildConfig(config)) throw new Error(`memoryChild.ts got a bad configuration: ${process.argv[2] ?? '(none)'}`);
  let service: RunningService | null = null;
  try {
    const serviceOptions: BenchServiceOptions = {
      redisUrl: config.redisUrl,
      keys: config.keys,
      concurrency: config.concurrency,
      // Dedup records outlive the run only briefly, so the private Redis stays small over a million signals.
      env: { DEDUP_TTL_SECONDS: '60' },
    };
    service = await startBenchService({ ...serviceOptions, engines: simEngines(serviceOptions) });
    const running = service;
    const deadline = nowMs() + config.budgetMs;
    const settled = () => running.manager.stats().settled;
    let first: MemorySample | null = null;
    let lastProgress = 0;
    for (;;) {
      const done = settled();
      if (first === null && done >= config.firstCheckpoint) {
        first = sample(done);
        await sendToParent({ type: 'checkpoint', sample: first });
      }
      if (first !== null && (done >= config.secondCheckpoint || nowMs() >= deadline)) {
        const second = sample(done);
        await sendToParent({ type: 'result', first, second, budgetReached: done < config.secondCheckpoint });
        return;
      }
      if (first === null && nowMs() >= deadline) {
        throw new Error(`Only ${done} signals went through within the memory budget; the first checkpoint is ${config.firstCheckpoint}`);
      }
      if (nowMs() - lastProgress >= 100) {
        lastProgress = nowMs();
        await sendToParent({ type: 'progress', settled: done });
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    await service?.stop();
  }
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => disconnectFromParent());
