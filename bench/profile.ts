/**
 * `npx tsx bench/profile.ts [signals] [concurrency] [--top]`: where the service pipeline (b) spends its
 * time. Runs it once against a private redis-server with the V8 CPU profiler and the sampling heap
 * profiler on for the timed window only, and prints CPU time and allocation per signal by what the
 * code is doing (socket writes, GC, Redis client, policy actor, validation, …); `--top` adds the
 * functions with the most self time and the service frames that allocate most.
 * A diagnostic for the numbers of `npm run bench`, not part of it.
 */
import { Session } from 'node:inspector/promises';
import { startPrivateRedis } from '../test/support/redisServer.js';
import type { Meter, RunCost } from './meter.js';
import { runServicePipeline } from './servicePipeline.js';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
}

interface CpuProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

interface HeapProfileNode {
  readonly callFrame: CallFrame;
  readonly selfSize: number;
  readonly children: readonly HeapProfileNode[];
}

/** What a stack frame is doing, checked from the leaf up; the first rule that matches names it. */
const RULES: readonly (readonly [category: string, matches: (frame: CallFrame) => boolean])[] = [
  ['garbage collection', (f) => f.functionName === '(garbage collector)'],
  ['idle (waiting for Redis)', (f) => f.functionName === '(idle)'],
  ['socket writes (write syscalls)', (f) => /^(writeUtf8String|writeBuffer|writev|writeLatin1String)$/.test(f.functionName)],
  ['Redis client: parsing replies', (f) => /ioredis\/built\/(resp|DataHandler)/.test(f.url)],
  ['Redis client: building and sending commands', (f) => f.url.includes('ioredis')],
  ['policy state persistence (serialised per event)', (f) => f.url.includes('src/policy/persistence')],
  ['policy actor (XState)', (f) => /xstate|\/machines\/|src\/policy\/runtime/.test(f.url)],
  ['inspector (event log of the policy actor)', (f) => f.url.includes('src/inspector/')],
  ['signal validation (zod)', (f) => /\/zod\/|src\/signals\/signal\.ts/.test(f.url)],
  ['outcome record (fields, report JSON)', (f) => /src\/signals\/(outcome|outcomeRecord)\.ts/.test(f.url)],
  ['sim:// engine', (f) => f.url.includes('src/engines/')],
  ['metrics (prom-client)', (f) => /prom-client|src\/metrics/.test(f.url)],
  ['logging (pino)', (f) => f.url.includes('/pino')],
  ['manager, queue and other service code', (f) => /\/src\//.test(f.url)],
  ['benchmark harness (polling)', (f) => f.url.includes('/bench/')],
];

function categoryOf(stack: readonly CallFrame[]): string {
  for (const frame of stack) {
    for (const [category, matches] of RULES) if (matches(frame)) return category;
  }
  return 'Node.js internals (promises, timers, streams)';
}

function printTable(title: string, unit: string, totals: Map<string, number>, signals: number): void {
  const all = [...totals.values()].reduce((sum, value) => sum + value, 0);
  console.log(`\n${title}: ${(all / signals).toFixed(1)} ${unit} per signal`);
  for (const [category, value] of [...totals].sort((a, b) => b[1] - a[1])) {
    console.log(`${(value / signals).toFixed(1).padStart(10)} ${unit}  ${((100 * value) / all).toFixed(1).padStart(5)} %  ${category}`);
  }
}

function cpuByCategory(profile: { nodes: readonly CpuProfileNode[]; samples?: readonly number[]; timeDeltas?: readonly number[] }): Map<string, number> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const totals = new Map<string, number>();
  (profile.samples ?? []).forEach((id, index) => {
    const stack: CallFrame[] = [];
    for (let current: number | undefined = id; current !== undefined; current = parentOf.get(current)) {
      const node = byId.get(current);
      if (node) stack.push(node.callFrame);
    }
    const category = categoryOf(stack);
    totals.set(category, (totals.get(category) ?? 0) + (profile.timeDeltas?.[index] ?? 0));
  });
  return totals;
}

function allocationByCategory(head: HeapProfileNode): Map<string, number> {
  const totals = new Map<string, number>();
  const walk = (node: HeapProfileNode, stack: CallFrame[]): void => {
    const here = [node.callFrame, ...stack];
    if (node.selfSize > 0) {
      const category = categoryOf(here);
      totals.set(category, (totals.get(category) ?? 0) + node.selfSize);
    }
    for (const child of node.children) walk(child, here);
  };
  walk(head, []);
  return totals;
}

/** Self time (the function itself, not its callees) by function and file, largest first. */
function topSelfTime(
  profile: { nodes: readonly CpuProfileNode[]; samples?: readonly number[]; timeDeltas?: readonly number[] },
  limit: number,
): [string, number][] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map<string, number>();
  (profile.samples ?? []).forEach((id, index) => {
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined) return;
    const file = frame.url.replace(/^.*\/node_modules\//, '').replace(/^.*\/(src|machines|bench)\//, '$1/');
    const name = `${frame.functionName || '(anonymous)'}${file === '' ? '' : ` ${file}`}`;
    totals.set(name, (totals.get(name) ?? 0) + (profile.timeDeltas?.[index] ?? 0));
  });
  return [...totals].sort((a, b) => b[1] - a[1]).slice(0, limit);
}

/** The frames of the service's own code that allocate most, by file and function. */
function topAllocators(head: HeapProfileNode, limit: number): [string, number][] {
  const totals = new Map<string, number>();
  const walk = (node: HeapProfileNode): void => {
    if (node.selfSize > 0 && /\/(src|machines)\//.test(node.callFrame.url)) {
      const name = `${node.callFrame.url.replace(/^.*\/(src|machines)\//, '$1/')} ${node.callFrame.functionName || '(anonymous)'}`;
      totals.set(name, (totals.get(name) ?? 0) + node.selfSize);
    }
    for (const child of node.children) walk(child);
  };
  walk(head);
  return [...totals].sort((a, b) => b[1] - a[1]).slice(0, limit);
}

async function main(): Promise<void> {
  const top = process.argv.includes('--top');
  const [signalsArg, concurrencyArg] = process.argv.slice(2).filter((arg) => arg !== '--top');
  const signals = Number(signalsArg ?? 20_000);
  const concurrency = Number(concurrencyArg ?? 8);
  let heapHead: HeapProfileNode | null = null;
  const redis = await startPrivateRedis();
  const session = new Session();
  session.connect();
  try {
    // Untimed first run: the JIT, the connections and the profiler's own start-up stay out of it.
    await runServicePipeline({ redisUrl: redis.url, runId: 'warm', signals: 2000, symbols: 1000, concurrency, timeoutMs: 60_000 });
    let cpu: Map<string, number> = new Map();
    let selfTime: [string, number][] = [];
    let allocation: Map<string, number> = new Map();
    const profiler: Meter = {
      async begin() {
        await session.post('Profiler.enable');
        await session.post('Profiler.setSamplingInterval', { interval: 100 });
        await session.post('Profiler.start');
        // Collected objects count too: the question is what is allocated, not what survives.
        await session.post('HeapProfiler.startSampling', {
          samplingInterval: 8192,
          includeObjectsCollectedByMajorGC: true,
          includeObjectsCollectedByMinorGC: true,
        });
      },
      async end(): Promise<RunCost> {
        const { profile } = await session.post('Profiler.stop');
        const heap = await session.post('HeapProfiler.stopSampling');
        cpu = cpuByCategory(profile);
        selfTime = topSelfTime(profile, 30);
        allocation = allocationByCategory(heap.profile.head);
        heapHead = heap.profile.head;
        return { nodeCpuUsPerSignal: Number.NaN, redisCpuUsPerSignal: Number.NaN, redisCommandsPerSignal: Number.NaN };
      },
    };
    const result = await runServicePipeline({
      redisUrl: redis.url,
      runId: 'profiled',
      signals,
      symbols: 1000,
      concurrency,
      timeoutMs: 300_000,
      meter: profiler,
    });
    console.log(`${signals} signals at EXECUTION_CONCURRENCY=${concurrency}: ${Math.round(result.signalsPerSecond)} signals/s under the profilers`);
    printTable('Wall time of the main thread', 'µs', cpu, signals);
    const kilobytes = new Map([...allocation].map(([category, bytes]) => [category, bytes / 1024]));
    printTable('Allocated', 'KB', kilobytes, signals);
    if (top) {
      console.log('\nThe functions with the most self time (--top):');
      for (const [name, us] of selfTime) console.log(`${(us / signals).toFixed(2).padStart(10)} µs  ${name}`);
    }
    if (top && heapHead !== null) {
      console.log('\nThe service frames that allocate most (--top):');
      for (const [name, bytes] of topAllocators(heapHead, 15)) console.log(`${(bytes / 1024 / signals).toFixed(2).padStart(10)} KB  ${name}`);
    }
  } finally {
    session.disconnect();
    await redis.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
