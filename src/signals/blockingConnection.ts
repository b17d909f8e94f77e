/**
 * A connection reserved for blocking reads (XREADGROUP BLOCK, BLMOVE), so they never stall the
 * commands on the shared connection, and a way to end a pending read at shutdown.
 */
import type { Redis } from 'ioredis';

/** Runs blocking reads until closed. */
export interface BlockingConnection {
  /**
   * Runs a blocking read. Resolves `undefined` when the connection is closed before or while it
   * waits, so shutdown is not an error; other failures reject.
   */
  read<T>(command: (redis: Redis) => Promise<T>): Promise<T | undefined>;
  /**
   * Ends the read waiting now, as if its timeout had passed (CLIENT UNBLOCK from the shared
   * connection); later reads work as usual. Used when the policy pauses, so that nothing more is taken.
   */
  interrupt(): void;
  /** True once `close()` was called. */
  readonly closed: boolean;
  /**
   * Ends pending reads at once and refuses new ones; idempotent. Disconnects the connection only
   * when it was created here: a connection that was passed in belongs to the caller, so a read
   * still pending on it is abandoned and ends on the server when its timeout passes.
   */
  close(): void;
}

/**
 * Uses `given` for blocking reads, or a duplicate of `shared` (same options, new socket) that this
 * connection owns and disconnects on close.
 */
export function createBlockingConnection(shared: Redis, given?: Redis): BlockingConnection {
  const redis = given ?? shared.duplicate();
  const owned = given === undefined;
  let closed = false;
  let waiting = 0;
  // The server's id of the blocking connection, for CLIENT UNBLOCK; a reconnect gives a new one.
  let clientId: number | null = null;
  redis.on('ready', () => {
    clientId = null;
  });
  // Each waiting read's way out at close; removed when the read ends, so a finished read's reply
  // is not kept alive by a promise that lives as long as the connection.
  const waitingReads = new Set<() => void>();

  return {
    get closed() {
      return closed;
    },
    async read<T>(command: (redis: Redis) => Promise<T>): Promise<T | undefined> {
      if (closed) return undefined;
      clientId ??= await redis.client('ID');
      waiting++;
      const pending = command(redis).finally(() => {
        waiting--;
      });
      // A read abandoned by close() may still reject later ("Connection is closed"); nobody awaits it.
      pending.catch(() => {});
      let endByClose: () => void = () => {};
      const closing = new Promise<undefined>((resolve) => {
        endByClose = () => resolve(undefined);
      });
      waitingReads.add(endByClose);
      try {
        return await Promise.race([pending, closing]);
      } catch (error) {
        if (closed) return undefined;
        throw error;
      } finally {
        waitingReads.delete(endByClose);
      }
    },
    interrupt() {
      if (closed || waiting === 0 || clientId === null) return;
      shared.client('UNBLOCK', clientId).catch(() => {
        // The read ends by its own timeout anyway.
      });
    },
    close() {
      if (closed) return;
      closed = true;
      for (const end of waitingReads) end();
      waitingReads.clear();
      if (owned) redis.disconnect();
    },
  };
}
