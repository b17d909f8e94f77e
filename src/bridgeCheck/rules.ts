/**
 * The conformance rules of bridge-check for orders and lookups (contract sections 4 and 11). Each
 * rule answers undefined when the bridge passes, or why it fails, in words that say what the
 * service would do with the bridge's answer and what the bridge should answer instead. The fencing
 * rules are in `fencingRules.ts`; the order they run in is `run.ts`'s.
 */
import type { BridgeAnswer } from '../engines/bridgeAnswer.js';
import type { ExecutionResult } from '../engines/types.js';
import { describeAnswer, NoAnswerError, type BridgeClient, type OrderAnswer } from './client.js';
import { distinctReports, reportDifference, sameReport } from './compare.js';

/** How one rule went. */
export interface RuleOutcome {
  /** Stable, for `--json` and tests: `health`, `order`, `repeat`, … */
  readonly id: string;
  /** What the rule asks of a bridge, as printed after PASS or FAIL. */
  readonly title: string;
  readonly passed: boolean;
  /** Why it failed; absent when it passed. */
  readonly why?: string;
}

/** What the rules share in one run. */
export interface CheckContext {
  readonly client: BridgeClient;
  /** The `X-Leader-Epoch` of every request but the fencing rules' higher one. */
  readonly epoch: number;
  /** A signal id never used before: `bridge-check-<random>-<n>`. */
  nextId(): string;
  /** A valid signal with this id: a MARKET BUY of the run's quantity of its symbol. */
  signal(id: string): Record<string, unknown>;
  /** Records an outcome (and prints it, in the command). */
  record(outcome: RuleOutcome): void;
}

/** A placed order the later rules compare against. */
export interface Placed {
  readonly key: string;
  readonly report: unknown;
}

/** How many requests with one new key the concurrency rule sends at once. */
export const CONCURRENT_REPEATS = 5;

/** Runs `check` as the rule `id`: an answerless request fails the rule instead of the run. */
export async function rule(context: CheckContext, id: string, title: string, check: () => Promise<string | undefined>): Promise<boolean> {
  let why: string | undefined;
  try {
    why = await check();
  } catch (error) {
    if (!(error instanceof NoAnswerError)) throw error;
    why = `no answer to ${error.message}${error.mayHaveArrived ? ' (the service would count an engine failure and settle the order by lookup)' : ''}`;
  }
  context.record(why === undefined ? { id, title, passed: true } : { id, title, passed: false, why });
  return why === undefined;
}

/** Records a rule that could not be checked because an earlier one failed. */
export function notChecked(context: CheckContext, id: string, title: string, because: string): void {
  context.record({ id, title, passed: false, why: `not checked: ${because}` });
}

function isJsonObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What the service would make of an answer to an order, for a FAIL line. */
export function serviceReading(result: ExecutionResult): string {
  switch (result.kind) {
    case 'executed':
      return 'the service would record it executed';
    case 'rejected':
      return 'the service would record it rejected (a 4xx other than 408/409/429 means "the signal is bad")';
    case 'in_progress':
      return 'the service would take it as "in progress, outcome unknown" and settle it by lookup';
    case 'fenced':
      return `the service would take it as fenced by a newer leader (epoch ${result.epoch}) and end its term`;
    case 'failed':
      return 'the service would count an engine failure and retry the signal, taking it as not placed';
  }
}

/** Why a first order's answer is not a 2xx JSON report, or undefined when it is. */
function orderProblem(context: CheckContext, answer: OrderAnswer): string | undefined {
  const { result } = answer;
  const said = describeAnswer(answer);
  if (result.kind === 'executed') {
    if (answer.truncated) return `${said}: the report is longer than 1 MiB, so the service would record {"truncated": true} instead of it`;
    if (!isJsonObject(answer.body)) {
      return `${said}: a 2xx means executed, and its body must be the execution report as a JSON object (the service stores it as the report)`;
    }
    return undefined;
  }
  if (result.kind === 'fenced') {
    return `${said}: the bridge's fence is at epoch ${result.epoch}, above this run's ${context.epoch}; something sent it a higher X-Leader-Epoch (a service using it, or a run with a clock ahead). Reset the bridge's stored epoch, and never check a bridge a live service uses`;
  }
  if (result.kind === 'rejected') {
    return `${said}: ${serviceReading(result)}. Is the symbol tradable on this (paper) account? Choose one with --symbol and --quantity`;
  }
  return `${said}: ${serviceReading(result)}; a new key must be placed and answered 2xx with the execution report`;
}

/** `health`: GET /health answered 200; `answer` is the run's first request, which also showed the bridge reachable. */
export function checkHealth(context: CheckContext, answer: BridgeAnswer): void {
  const title = 'GET /health answers 200';
  if (answer.status === 200) context.record({ id: 'health', title, passed: true });
  else {
    const why = `${describeAnswer(answer)}: the service counts anything but 200 as unhealthy and would fail over from this engine`;
    context.record({ id: 'health', title, passed: false, why });
  }
}

/** `order`: a new order gets a 2xx JSON report. Answers the placed order for the rules after it. */
export async function checkOrder(context: CheckContext): Promise<Placed | undefined> {
  const key = context.nextId();
  let placed: Placed | undefined;
  await rule(context, 'order', 'a new order gets a 2xx answer with a JSON execution report', async () => {
    const answer = await context.client.order(context.signal(key), key, context.epoch);
    const problem = orderProblem(context, answer);
    if (problem === undefined) placed = { key, report: answer.body };
    return problem;
  });
  return placed;
}

/** `repeat`: the same key again gets the same report, so nothing new was placed. */
export async function checkRepeat(context: CheckContext, placed: Placed): Promise<void> {
  await rule(context, 'repeat', 'the same Idempotency-Key again gets the same report and places nothing new', async () => {
    const answer = await context.client.order(context.signal(placed.key), placed.key, context.epoch);
    const said = describeAnswer(answer);
    if (answer.result.kind === 'executed') {
      if (sameReport(answer.body, placed.report)) return undefined;
      return `the repeat got a different report (${reportDifference(placed.report, answer.body)}): it looks like a second order. A repeat of a placed key must get the first report, from the idempotency store, without calling the engine`;
    }
    if (answer.result.kind === 'in_progress') {
      return `${said} for a key whose order was already placed and answered: a repeat after placement must get the first report (409 means "still in progress")`;
    }
    return `${said}: ${serviceReading(answer.result)}; a repeat of a placed key must get the first report`;
  });
}

/** `lookup-placed`: GET /orders/{id} answers 200 with the first report. */
export async function checkLookupPlaced(context: CheckContext, placed: Placed): Promise<void> {
  await rule(context, 'lookup-placed', 'GET /orders/{id} answers 200 with the first report for a placed key', async () => {
    const answer = await context.client.lookup(placed.key, context.epoch);
    const said = describeAnswer(answer);
    if (answer.result.kind === 'executed') {
      if (sameReport(answer.body, placed.report)) return undefined;
      return `the lookup's report differs from the order's (${reportDifference(placed.report, answer.body)}): a lookup must answer the report the order got, which the service records`;
    }
    if (answer.result.kind === 'not_found') {
      return `${said} for a key the bridge placed: a 404 tells the service the order was never placed, so it would place it again elsewhere (a double execution)`;
    }
    return `${said} for a placed key: the service settles an unknown outcome by this lookup and needs 200 with the report`;
  });
}

/** `lookup-unknown`: GET /orders/{id} answers 404 for a key never sent. */
export async function checkLookupUnknown(context: CheckContext): Promise<void> {
  await rule(context, 'lookup-unknown', 'GET /orders/{id} answers 404 for a key never sent', async () => {
    const key = context.nextId();
    const answer = await context.client.lookup(key, context.epoch);
    const said = describeAnswer(answer);
    switch (answer.result.kind) {
      case 'not_found':
        return undefined;
      case 'executed':
        return `${said} for a key never sent: the service would record as executed a signal that never was`;
      case 'in_progress':
        return `${said} for a key never sent: the service would wait, then dead-letter the signal as in_doubt; a key the bridge never received gets 404`;
      default:
        return `${said} for a key never sent: the service settles unknown outcomes by this lookup and needs 404 here to free the signal`;
    }
  });
}

/** `concurrent`: repeats of a new key sent at once place one order; the others get 409 or its report. */
export async function checkConcurrent(context: CheckContext): Promise<void> {
  const title = `${CONCURRENT_REPEATS} concurrent requests with one new key place one order (the rest get 409 or the same report)`;
  await rule(context, 'concurrent', title, async () => {
    const key = context.nextId();
    const settled = await Promise.allSettled(Array.from({ length: CONCURRENT_REPEATS }, () => context.client.order(context.signal(key), key, context.epoch)));
    const answers: OrderAnswer[] = [];
    for (const [index, outcome] of settled.entries()) {
      if (outcome.status === 'fulfilled') answers.push(outcome.value);
      else if (outcome.reason instanceof NoAnswerError) return `request ${index + 1} of ${CONCURRENT_REPEATS} got no answer: ${outcome.reason.message}`;
      else throw outcome.reason;
    }
    const odd = answers.find((answer) => answer.result.kind !== 'executed' && answer.result.kind !== 'in_progress');
    if (odd !== undefined) {
      return `one of the repeats got ${describeAnswer(odd)}: ${serviceReading(odd.result)}. A repeat while the first is in progress must get 409 (in progress), or the first report once it is placed`;
    }
    const reports = distinctReports(answers.filter((answer) => answer.result.kind === 'executed').map((answer) => answer.body));
    if (reports.length === 0) {
      return `all ${CONCURRENT_REPEATS} got 409: one of them, the first to arrive, must be placed and answered 2xx`;
    }
    if (reports.length > 1) {
      return `the ${CONCURRENT_REPEATS} requests got ${reports.length} different reports (${reportDifference(reports[0], reports[1])}): the bridge placed more than one order for one key. Record the key as in progress, atomically and before calling the engine, and answer repeats 409 until it is placed`;
    }
    const lookup = await context.client.lookup(key, context.epoch);
    if (lookup.result.kind !== 'executed' || !sameReport(lookup.body, reports[0])) {
      return `after the concurrent requests, the lookup got ${describeAnswer(lookup)}, not 200 with the report they got`;
    }
    return undefined;
  });
}

/** A bad signal the bridge must refuse with a 4xx other than 408/409/429, and what makes it bad. */
interface BadSignal {
  readonly what: string;
  readonly body: (signal: Record<string, unknown>) => Record<string, unknown>;
}

const BAD_SIGNALS: readonly BadSignal[] = [
  { what: 'a signal without symbol', body: ({ symbol: _dropped, ...rest }) => rest },
  { what: 'a signal with quantity -1', body: (signal) => ({ ...signal, quantity: -1 }) },
];

/** `bad-signal`: bad signals get a 4xx other than 408/409/429, and are not placed (lookup 404). */
export async function checkBadSignals(context: CheckContext): Promise<void> {
  await rule(context, 'bad-signal', 'a bad signal gets a 4xx other than 408, 409 and 429, and is not placed', async () => {
    for (const bad of BAD_SIGNALS) {
      const key = context.nextId();
      const answer = await context.client.order(bad.body(context.signal(key)), key, context.epoch);
      const said = `${bad.what} got ${describeAnswer(answer)}`;
      if (answer.result.kind === 'executed') {
        return `${said}: the bridge placed an order for a bad signal. Check the signal (contract section 3) before calling the engine and answer 400 or 422 {"error": "<what is wrong>"}`;
      }
      if (answer.result.kind !== 'rejected') {
        return `${said}: ${serviceReading(answer.result)}, so a bad signal would be retried and could fail a healthy engine over. Answer 400 or 422 {"error": "<what is wrong>"}`;
      }
      const lookup = await context.client.lookup(key, context.epoch);
      if (lookup.result.kind !== 'not_found') {
        return `${bad.what} was rejected, but its lookup got ${describeAnswer(lookup)}: a rejected order was not placed, so its lookup must answer 404`;
      }
    }
    return undefined;
  });
}
