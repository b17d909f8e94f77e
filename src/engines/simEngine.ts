/**
 * The built-in simulated engine behind `sim://` URLs: paper fills, with faults from the URL query
 * and changeable at run time. It keeps the bridge protocol's semantics (idempotent repeats, lookups,
 * unknown outcomes on timeout) so the execution manager cannot tell it from an HTTP bridge.
 */
import type { EngineId } from '../../machines/engines.js';
import { sleep, systemClock, type Clock } from '../clock.js';
import type { Signal } from '../signals/signal.js';
import { engineUrlError, withoutCredentials } from './redactUrl.js';
import { parseSimFaultsPatch, parseSimFaultsQuery, type SimFaults } from './simFaults.js';
import type { EngineCall, ExecutionEngine, ExecutionResult, OrderLookup } from './types.js';

/** The paper fill a simulated engine reports for an executed signal. */
export interface SimFillReport {
  readonly engine: EngineId;
  readonly order_id: string;
  readonly signal_id: string;
  readonly symbol: string;
  readonly action: string | null;
  readonly quantity?: number;
  readonly notional?: number;
  readonly order_type: string | null;
  readonly status: 'filled';
  readonly fill_price: number;
  /** ISO 8601. */
  readonly filled_at: string;
}

/** A simulated engine; the inspector changes its faults. */
export interface SimEngine extends ExecutionEngine {
  /** The faults in force now. */
  faults(): SimFaults;
  /**
   * Changes some faults; calls already waiting keep the faults they started with. Accepts unchecked
   * input (the inspector's JSON) and throws a `RangeError` naming a bad field, changing nothing.
   */
  setFaults(patch: Partial<SimFaults> | Record<string, unknown>): SimFaults;
}

/** Creation options of a simulated engine. */
export interface SimEngineOptions {
  readonly id: EngineId;
  /** `sim://` with an optional fault query, such as `sim://?latency_ms=5&fail_rate=0.1`. */
  readonly url: string;
  /** How long a caller waits for an answer (`ENGINE_TIMEOUT_MS`); default 5000. */
  readonly timeoutMs?: number;
  /** Draws in [0, 1) for `fail_rate` and `reject_rate`; default `Math.random`. */
  readonly random?: () => number;
  /** Waits out latency and hangs, and tells the time for `filled_at` and latency; default {@link systemClock}. */
  readonly clock?: Clock;
  /** How many executed signal ids it remembers for repeats and lookups; default 100 000. */
  readonly rememberLimit?: number;
}

const simEngines = new WeakSet<ExecutionEngine>();

/** Whether `engine` is a simulated engine, whose faults can be changed. */
export function isSimEngine(engine: ExecutionEngine): engine is SimEngine {
  return simEngines.has(engine);
}

/** A stable made-up price per symbol, between 10 and 500, for market orders. */
export function pseudoPrice(symbol: string): number {
  // FNV-1a: cheap, and the same symbol always gets the same price.
  let hash = 0x811c9dc5;
  for (let index = 0; index < symbol.length; index += 1) {
    hash ^= symbol.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return 10 + (hash % 49_001) / 100;
}

function positiveNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

function textOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function parseSimUrl(id: EngineId, text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch (error) {
    throw engineUrlError(id, text, 'not a valid URL', error);
  }
  if (url.protocol !== 'sim:') {
    throw engineUrlError(id, text, `a simulated engine's URL must start with sim://, not ${url.protocol}`);
  }
  return url;
}

/**
 * A simulated engine for a `sim://` URL. Throws at creation, naming the engine and the parameter,
 * when the URL or a fault in its query is invalid; its engine methods never throw.
 */
export function createSimEngine(options: SimEngineOptions): SimEngine {
  const { id } = options;
  const timeoutMs = options.timeoutMs ?? 5000;
  const random = options.random ?? Math.random;
  const clock = options.clock ?? systemClock;
  const rememberLimit = options.rememberLimit ?? 100_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw engineUrlError(id, options.url, `the timeout must be a positive number of milliseconds, got ${timeoutMs}`);
  }
  const url = parseSimUrl(id, options.url);
  let current: SimFaults;
  try {
    current = parseSimFaultsQuery(url.searchParams);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw engineUrlError(id, options.url, `invalid fault parameter: ${detail}`, error);
  }

  /** Executed signals by id, oldest first, so the oldest is forgotten first. */
  const executed = new Map<string, SimFillReport>();
  let orderCount = 0;

  function fill(signal: Signal): SimFillReport {
    orderCount += 1;
    const quantity = positiveNumber(signal.quantity);
    const notional = positiveNumber(signal.notional);
    const report: SimFillReport = {
      engine: id,
      order_id: `sim-${id}-${orderCount}`,
      signal_id: signal.signal_id,
      symbol: signal.symbol,
      action: textOrNull(signal.action),
      ...(quantity !== undefined ? { quantity } : notional !== undefined ? { notional } : {}),
      order_type: textOrNull(signal.order_type),
      status: 'filled',
      fill_price: positiveNumber(signal.limit_price) ?? pseudoPrice(signal.symbol),
      filled_at: new Date(clock.now()).toISOString(),
    };
    executed.set(signal.signal_id, report);
    if (executed.size > rememberLimit) {
      const oldest = executed.keys().next();
      if (oldest.done !== true) executed.delete(oldest.value);
    }
    return report;
  }

  /** What the engine does with an order; decided on arrival, as a real engine would. */
  function decide(signal: Signal, faults: SimFaults): ExecutionResult {
    if (faults.mode === 'fail') {
      return { kind: 'failed', reason: 'HTTP 500 (simulated engine failure)', unknownOutcome: false };
    }
    const earlier = executed.get(signal.signal_id);
    if (earlier !== undefined) return { kind: 'executed', report: earlier, latencyMs: 0 };
    if (faults.mode === 'reject') return simulatedRejection();
    const draw = random();
    if (draw < faults.fail_rate) {
      return { kind: 'failed', reason: 'HTTP 500 (simulated random failure)', unknownOutcome: false };
    }
    if (draw < faults.fail_rate + faults.reject_rate) return simulatedRejection();
    return { kind: 'executed', report: fill(signal), latencyMs: 0 };
  }

  /**
   * Waits the configured latency, or the caller's timeout when the latency reaches it; true when
   * the caller gave up before the answer came.
   */
  async function answerDelay(faults: SimFaults): Promise<boolean> {
    const timedOut = faults.latency_ms >= timeoutMs;
    const wait = timedOut ? timeoutMs : faults.latency_ms;
    if (wait > 0) await sleep(clock, wait);
    return timedOut;
  }

  const noAnswer = `no answer within ${timeoutMs} ms (simulated hang)`;
  const refused = 'connection refused (simulated engine down)';

  // The caller's epoch is accepted and ignored: the simulated engine does not fence, since every
  // instance has simulated engines of its own and no other leader can reach them.
  async function execute(signal: Signal, _call: EngineCall): Promise<ExecutionResult> {
    const faults = current;
    if (faults.mode === 'down') return { kind: 'failed', reason: refused, unknownOutcome: false };
    if (faults.mode === 'hang') {
      await sleep(clock, timeoutMs);
      return { kind: 'failed', reason: noAnswer, unknownOutcome: true };
    }
    const started = clock.now();
    const result = decide(signal, faults);
    if (await answerDelay(faults)) {
      // Too slow: the order may stand (a lookup tells), but the caller has stopped waiting.
      return { kind: 'failed', reason: `no answer within ${timeoutMs} ms (simulated latency)`, unknownOutcome: true };
    }
    return result.kind === 'executed' ? { ...result, latencyMs: clock.now() - started } : result;
  }

  async function health(_call: EngineCall): Promise<boolean> {
    const faults = current;
    if (faults.mode === 'down' || faults.mode === 'fail') return false;
    if (faults.mode === 'hang') {
      await sleep(clock, timeoutMs);
      return false;
    }
    return !(await answerDelay(faults));
  }

  async function lookup(signalId: string, _call: EngineCall): Promise<OrderLookup> {
    const faults = current;
    if (faults.mode === 'down') return { kind: 'unknown', reason: refused };
    if (faults.mode === 'fail') return { kind: 'unknown', reason: 'HTTP 500 (simulated engine failure)' };
    if (faults.mode === 'hang') {
      await sleep(clock, timeoutMs);
      return { kind: 'unknown', reason: noAnswer };
    }
    const report = executed.get(signalId);
    if (await answerDelay(faults)) return { kind: 'unknown', reason: `no answer within ${timeoutMs} ms (simulated latency)` };
    return report === undefined ? { kind: 'not_found' } : { kind: 'executed', report };
  }

  function setFaults(patch: Partial<SimFaults> | Record<string, unknown>): SimFaults {
    current = { ...current, ...parseSimFaultsPatch(patch) };
    return current;
  }

  const engine: SimEngine = {
    id,
    url: withoutCredentials(url),
    execute,
    health,
    lookup,
    faults: () => current,
    setFaults,
  };
  simEngines.add(engine);
  return engine;
}

function simulatedRejection(): ExecutionResult {
  const reason = 'rejected by the simulated engine';
  return { kind: 'rejected', status: 422, reason, report: { error: reason } };
}
