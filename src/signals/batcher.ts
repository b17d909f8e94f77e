/**
 * Calls made in the same turn of the event loop, sent to Redis as one: signals read together are
 * dispatched together, and signals that finished together are settled together (issue 10). Each
 * caller still gets its own answer, or its own error.
 */

/** One item's answer from a flush. */
export type BatchAnswer<O> = { readonly ok: true; readonly value: O } | { readonly ok: false; readonly error: Error };

interface Waiting<I, O> {
  readonly item: I;
  resolve(value: O): void;
  reject(error: unknown): void;
}

/**
 * A function that queues `item` and resolves with its answer once `flush` has run on the items of
 * this turn (at most `maxItems` per flush; more make several). A flush that fails fails its items.
 */
export function createBatcher<I, O>(flush: (items: readonly I[]) => Promise<readonly BatchAnswer<O>[]>, maxItems = 100): (item: I) => Promise<O> {
  let waiting: Waiting<I, O>[] = [];
  let scheduled = false;

  const send = async (batch: readonly Waiting<I, O>[]): Promise<void> => {
    let answers: readonly BatchAnswer<O>[];
    try {
      answers = await flush(batch.map((queued) => queued.item));
    } catch (error) {
      for (const queued of batch) queued.reject(error);
      return;
    }
    batch.forEach((queued, index) => {
      const answer = answers[index];
      if (answer === undefined) queued.reject(new Error(`The batch answered ${answers.length} items for ${batch.length}`));
      else if (answer.ok) queued.resolve(answer.value);
      else queued.reject(answer.error);
    });
  };

  const run = (): void => {
    scheduled = false;
    const all = waiting;
    waiting = [];
    for (let start = 0; start < all.length; start += maxItems) void send(all.slice(start, start + maxItems));
  };

  return (item) =>
    new Promise<O>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (scheduled) return;
      scheduled = true;
      // After the microtasks of this turn: every signal that got this far in it is in the batch.
      setImmediate(run);
    });
}
