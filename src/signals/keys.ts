/** Redis key names derived from `SIGNAL_QUEUE` (contract section 3); both queue kinds share them. */

/** `<SIGNAL_QUEUE>:executed:<signal_id>`: present while a signal id counts as executed (dedup). */
export function dedupKey(queueName: string, signalId: string): string {
  return `${queueName}:executed:${signalId}`;
}

/** `<SIGNAL_QUEUE>:processing`: the list queue's items taken and not yet settled. */
export function processingKey(queueName: string): string {
  return `${queueName}:processing`;
}

/**
 * `<SIGNAL_QUEUE>:attempt:<signal_id>`: the engine last sent this signal, written before sending
 * and removed with the outcome. After a crash it says which engine must settle the signal first.
 */
export function attemptKey(queueName: string, signalId: string): string {
  return `${queueName}:attempt:${signalId}`;
}

/**
 * `<SIGNAL_QUEUE>:positions:<engine>`: with position affinity, that engine's net position per
 * strategy and symbol (a hash; see {@link positionField}), moved in the step that records an
 * executed outcome.
 */
export function positionsKey(queueName: string, engine: string): string {
  return `${queueName}:positions:${engine}`;
}

/** The hash field of a strategy and symbol: a JSON pair, so that no separator can be ambiguous. */
export function positionField(strategyId: string, symbol: string): string {
  return JSON.stringify([strategyId, symbol]);
}
