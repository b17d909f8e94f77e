/**
 * One bridge-check run: the rules in the order they must run (the fencing rules last, because the
 * fence they raise refuses the run's other epoch from then on), unique signal ids, and the epochs.
 *
 * Epochs: the run's base epoch is the current time in milliseconds. That is above any epoch a
 * service reaches (its epochs count leader terms), so a fencing bridge that a service or an earlier
 * run used still takes the run's orders, and each later run starts above the fence an earlier one
 * left (base + 1). The price: the fence is left there, above any service's epoch, so a service that
 * uses the bridge afterwards is fenced once and raises its own epoch above it (contract section 7).
 * That is why bridge-check must never run against a bridge a live service uses.
 */
import { randomBytes } from 'node:crypto';
import type { BridgeAnswer } from '../engines/bridgeAnswer.js';
import { BridgeClient, NoAnswerError, type BridgeTarget } from './client.js';
import { checkFencing } from './fencingRules.js';
import {
  checkBadSignals,
  checkConcurrent,
  checkHealth,
  checkLookupPlaced,
  checkLookupUnknown,
  checkOrder,
  checkRepeat,
  notChecked,
  type CheckContext,
  type RuleOutcome,
} from './rules.js';

export type { RuleOutcome } from './rules.js';

/** What a run is told. */
export interface CheckSettings {
  readonly target: BridgeTarget;
  readonly fencing: boolean;
  readonly symbol: string;
  readonly quantity: number;
  /** Bounds each request, from sending to the end of its answer; the service's ENGINE_TIMEOUT_MS. */
  readonly timeoutMs: number;
  /** The base `X-Leader-Epoch`; default the current time in ms (see the file header). */
  readonly epoch?: number;
}

/** How a run went. */
export interface CheckReport {
  readonly outcomes: readonly RuleOutcome[];
  /** Whether the bridge fences, learned by the fencing rules; null when they did not run. */
  readonly fences: boolean | null;
  /** The base epoch, and the highest one sent (the fence the run leaves on a fencing bridge). */
  readonly epoch: number;
  readonly highestEpoch: number;
}

/** The bridge gave no answer to the run's first request: nothing was checked. */
export class BridgeUnreachableError extends Error {
  constructor(url: string, cause: NoAnswerError) {
    super(`cannot reach the bridge at ${url}: ${cause.message}`, { cause });
    this.name = 'BridgeUnreachableError';
  }
}

/** How many real orders a run places on a conforming bridge: the order, the concurrent key, and with fencing the newer-epoch order. */
export function ordersPlaced(fencing: boolean): number {
  return fencing ? 3 : 2;
}

/**
 * Runs every rule against the bridge, calling `onOutcome` as each one ends; throws
 * {@link BridgeUnreachableError} when the first request (a health probe) gets no answer.
 */
export async function runBridgeCheck(settings: CheckSettings, onOutcome: (outcome: RuleOutcome) => void): Promise<CheckReport> {
  const epoch = settings.epoch ?? Date.now();
  const client = new BridgeClient(settings.target, settings.timeoutMs);
  // Unique per run, so that a repeated run never meets the keys of an earlier one.
  const runId = randomBytes(4).toString('hex');
  let count = 0;
  const outcomes: RuleOutcome[] = [];
  const context: CheckContext = {
    client,
    epoch,
    nextId: () => `bridge-check-${runId}-${(count += 1)}`,
    signal: (id) => ({
      signal_id: id,
      symbol: settings.symbol,
      action: 'BUY',
      quantity: settings.quantity,
      order_type: 'MARKET',
      strategy_id: 'bridge-check',
      timestamp: new Date().toISOString(),
    }),
    record: (outcome) => {
      outcomes.push(outcome);
      onOutcome(outcome);
    },
  };

  let health: BridgeAnswer;
  try {
    health = await client.health(epoch);
  } catch (error) {
    if (error instanceof NoAnswerError) throw new BridgeUnreachableError(settings.target.shown, error);
    throw error;
  }
  checkHealth(context, health);
  const placed = await checkOrder(context);
  if (placed === undefined) {
    const because = 'no order was placed (see the order rule)';
    notChecked(context, 'repeat', 'the same Idempotency-Key again gets the same report and places nothing new', because);
    notChecked(context, 'lookup-placed', 'GET /orders/{id} answers 200 with the first report for a placed key', because);
  } else {
    await checkRepeat(context, placed);
    await checkLookupPlaced(context, placed);
  }
  await checkLookupUnknown(context);
  await checkConcurrent(context);
  await checkBadSignals(context);
  const fences = settings.fencing ? (await checkFencing(context)).fences : null;
  return { outcomes, fences, epoch, highestEpoch: settings.fencing ? epoch + 1 : epoch };
}
