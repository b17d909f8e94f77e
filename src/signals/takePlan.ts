/**
 * How a Redis queue takes signals, the same for the stream and the list: what is ready in one
 * bounded read; once a read found fewer than it asked for, straight to a blocking read of one, which
 * is handed over as soon as it arrives (what came with it is for the next take's bounded read).
 *
 * At a low rate each signal costs two round trips (the blocking read, then one bounded read that
 * finds nothing more) and reaches its lane one round trip after it arrived; reading what came with
 * it before handing it over cost a third, and that round trip on every signal's latency (issue 10).
 * At a high rate every take is a full bounded read, as before.
 */

/** Up to `count` signals; with `blockMs` > 0, waits that long for one when none is ready. */
export type Take<T> = (count: number, blockMs: number) => Promise<T[]>;

/** The take of one queue, over its bounded read and its blocking read of one. */
export function createTake<T>(readReady: (count: number) => Promise<T[]>, readBlocking: (blockMs: number) => Promise<T | undefined>): Take<T> {
  // Whether the last bounded read emptied the queue: then a bounded read now would most likely
  // find nothing, and a blocking read answers at once if something came meanwhile.
  let drained = false;
  return async (count, blockMs) => {
    if (!drained || blockMs <= 0) {
      const ready = await readReady(count);
      drained = ready.length < count;
      if (ready.length > 0 || blockMs <= 0) return ready;
    }
    const first = await readBlocking(blockMs);
    if (first === undefined) return [];
    drained = false;
    return [first];
  };
}
