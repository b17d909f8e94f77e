/**
 * The counting rules of the fault suite ("nothing lost, nothing executed twice"), as a pure
 * function of what was produced, what the bridges placed, what the service sent, what was recorded
 * and what is still queued. "Executed" means placed, as the bridges' own records say: not a POST
 * that arrived (it may be placed later, never, or twice). The rules are written out in
 * `test/faults/README.md`.
 */
import type { OrderPost, PlacedOrder } from './faultBridges.js';
import { entryIdAfter, type OutcomeEntry } from './faultRedis.js';

/** Outcomes that mean the signal was executed (the second for a later copy of an executed id). */
const EXECUTED_OUTCOMES: ReadonlySet<string> = new Set(['executed', 'duplicate']);
/** Outcomes that account for a placed order: executed, or handed to a person to reconcile. */
const ACCOUNTED_OUTCOMES: ReadonlySet<string> = new Set([...EXECUTED_OUTCOMES, 'in_doubt']);

/** What the tally is computed from. */
export interface TallyInput {
  /** Every signal id produced, once per copy put on the queue. */
  readonly sent: readonly string[];
  /** Every order the bridges placed. */
  readonly placements: readonly PlacedOrder[];
  /** Every order POST the bridges received (for the Idempotency-Key rule). */
  readonly posts: readonly OrderPost[];
  /** Every entry of `execution.events` and `execution.signals.dead`. */
  readonly outcomes: readonly OutcomeEntry[];
  /** Signal ids still queued (waiting or taken and unacknowledged), once per copy. */
  readonly queued: readonly string[];
}

/** The counts of one fault run. */
export interface FaultTally {
  /** Signals produced (copies of a deliberately repeated id included). */
  readonly sent: number;
  /** Distinct produced signal ids some bridge placed. */
  readonly executed: number;
  /** Distinct signal ids with an outcome on the dead-letter stream. */
  readonly deadLettered: number;
  /**
   * Ids with no outcome entry that are not queued either; or placed by a bridge but recorded as
   * something other than executed/duplicate; or recorded executed though no bridge placed them.
   */
  readonly lost: number;
  /** Ids placed more than once: by two bridges, or twice by one. */
  readonly executedTwice: number;
  /** Of those, ids placed by two or more engines: a position on two accounts. */
  readonly crossEngine: number;
  /**
   * Ids with more outcome entries than copies produced, or with an outcome other than `duplicate`
   * recorded after an `executed` one (a second execution, or a copy of an executed id sent again).
   */
  readonly extraOutcomes: number;
  /** Ids without an outcome yet that are still queued or pending: not lost, but not settled. */
  readonly unsettled: number;
  /** Ids recorded executed on an engine that did not place them (while another did). */
  readonly misattributed: number;
  /**
   * Ids some bridge placed whose outcomes account for no placement: none of executed, duplicate
   * or in_doubt (no outcome at all, or rejected, expired, …). A position at the broker that no
   * record shows and no person was told about. Placed ids never produced count too.
   */
  readonly orphans: number;
  /** Order POSTs whose Idempotency-Key is not their signal_id. */
  readonly badIdempotencyKeys: number;
  /** One sentence per problem found, naming the signal id. */
  readonly findings: readonly string[];
}

function countBy(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const name = key(item);
    const group = groups.get(name);
    if (group === undefined) groups.set(name, [item]);
    else group.push(item);
  }
  return groups;
}

function describePlacements(placements: readonly PlacedOrder[]): string {
  return placements
    .map((placed) => `${placed.engine}${placed.sender === null ? '' : ` from ${placed.sender}`} (${placed.orderId}, epoch ${placed.epoch ?? 'none'})`)
    .join(', ');
}

/** Applies the counting rules. */
export function tallyFaultRun(input: TallyInput): FaultTally {
  const copies = countBy(input.sent);
  const queued = countBy(input.queued);
  const placed = groupBy(input.placements, (placement) => placement.signalId);
  const outcomes = groupBy(input.outcomes, (entry) => entry.signalId);
  const findings: string[] = [];
  let lost = 0;
  let executedTwice = 0;
  let crossEngine = 0;
  let extraOutcomes = 0;
  let unsettled = 0;
  let misattributed = 0;
  let orphans = 0;

  for (const [id, produced] of copies) {
    const placedBy = placed.get(id) ?? [];
    const entries = outcomes.get(id) ?? [];
    const kinds = entries.map((entry) => entry.outcome);
    const missing = produced - entries.length;
    const stillQueued = queued.get(id) ?? 0;

    if (placedBy.length > 1) {
      executedTwice += 1;
      if (new Set(placedBy.map((placement) => placement.engine)).size > 1) crossEngine += 1;
      findings.push(`${id}: executed ${placedBy.length} times: placed on ${describePlacements(placedBy)}`);
    }

    if (missing > stillQueued) {
      lost += 1;
      findings.push(`${id}: lost: ${produced} produced, ${entries.length} outcome entries, ${stillQueued} still queued`);
    } else if (placedBy.length > 0 && entries.length > 0 && !kinds.some((kind) => EXECUTED_OUTCOMES.has(kind))) {
      lost += 1;
      findings.push(`${id}: lost: placed on ${describePlacements(placedBy)} but recorded as ${kinds.join(', ')}`);
    } else if (placedBy.length === 0 && kinds.includes('executed')) {
      lost += 1;
      findings.push(`${id}: lost: recorded executed on ${entries.find((entry) => entry.outcome === 'executed')?.engine ?? '?'} but no engine placed it`);
    } else if (missing > 0) {
      unsettled += 1;
      findings.push(`${id}: unsettled: ${missing} of ${produced} copies have no outcome yet and are still queued`);
    }

    if (placedBy.length > 0 && !kinds.some((kind) => ACCOUNTED_OUTCOMES.has(kind))) {
      orphans += 1;
      findings.push(`${id}: orphan: placed on ${describePlacements(placedBy)}, recorded as ${kinds.length === 0 ? 'nothing' : kinds.join(', ')}`);
    }

    // Once an id is executed, every later copy ends `duplicate`. A copy after one that ended
    // otherwise (rejected, expired, …) is a fresh attempt and may execute: the contract dedups
    // executed ids only, and a dead-letter replay of a rejected signal does exactly that.
    const inOrder = [...entries].sort((x, y) => (entryIdAfter(x.entryId, y.entryId) ? 1 : entryIdAfter(y.entryId, x.entryId) ? -1 : 0));
    const firstExecuted = inOrder.findIndex((entry) => entry.outcome === 'executed');
    const afterExecution = firstExecuted === -1 ? [] : inOrder.slice(firstExecuted + 1).filter((entry) => entry.outcome !== 'duplicate');
    if (entries.length > produced || afterExecution.length > 0) {
      extraOutcomes += 1;
      const order = inOrder.map((entry) => entry.outcome).join(', ');
      findings.push(
        `${id}: ${entries.length} outcome entries (${order}) for ${produced} produced${afterExecution.length > 0 ? `; after executed: ${afterExecution.map((entry) => entry.outcome).join(', ')}` : ''}`,
      );
    }

    const engines = new Set<string>(placedBy.map((placement) => placement.engine));
    for (const entry of entries) {
      if (entry.outcome === 'executed' && placedBy.length > 0 && !engines.has(entry.engine)) {
        misattributed += 1;
        findings.push(`${id}: recorded executed on ${entry.engine || '(no engine)'} but placed on ${[...engines].join(', ')}`);
      }
    }
  }

  for (const id of new Set([...outcomes.keys(), ...placed.keys()])) {
    if (copies.has(id)) continue;
    findings.push(`${id}: has outcome entries or placements but was never produced`);
    const placedBy = placed.get(id) ?? [];
    if (placedBy.length > 0) {
      orphans += 1;
      findings.push(`${id}: orphan: placed on ${describePlacements(placedBy)}, never produced`);
    }
  }

  const badKeys = input.posts.filter((post) => post.idempotencyKey !== post.signalId);
  for (const post of badKeys) {
    findings.push(`${post.signalId}: POST to ${post.engine} carried Idempotency-Key ${JSON.stringify(post.idempotencyKey ?? null)}`);
  }

  const deadLettered = new Set(input.outcomes.filter((entry) => entry.stream === 'execution.signals.dead').map((entry) => entry.signalId));
  return {
    sent: input.sent.length,
    executed: [...placed.keys()].filter((id) => copies.has(id)).length,
    deadLettered: [...deadLettered].filter((id) => copies.has(id)).length,
    lost,
    executedTwice,
    crossEngine,
    extraOutcomes,
    unsettled,
    misattributed,
    orphans,
    badIdempotencyKeys: badKeys.length,
    findings,
  };
}
