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
