/**
 * A connection reserved for blocking reads (XREADGROUP BLOCK, BLMOVE), so they never stall the
 * commands on the shared connection, and a way to end a pending read at shutdown.
 *
 * No read may wait forever. A server that stops answering (frozen, or cut off without the socket
 * closing) would otherwise hold a read until TCP gives up, and a read queued while the connection
 * is down may wait as long as reconnecting takes (through Sentinel: while no Sentinel answers).
 * ioredis's `blockingTimeout` ends such a read with "nothing", as if its BLOCK time had passed.
 */
import type { Redis, RedisOptions } from 'ioredis';
import { duplicateConnection } from '../service/redisConnection.js';

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
 * The client-side end of a blocking read (ioredis `blockingTimeout`). A read sent with a BLOCK time
 * (or BLMOVE timeout) ends at that time plus {@link REPLY_GRACE_MS}, measured from when it was
 * first sent (a resend after a reconnect keeps that deadline). One without (BLOCK 0, or no BLOCK)
 * and one queued while the connection is down end after {@link QUEUED_READ_LIMIT_MS}.
 */
export const BLOCKING_READ_OPTIONS = {
  blockingTimeout: 30_000,
  // Generous: a reply that arrives after the client-side end is dropped, and the entries it
  // delivered stay pending until they are reclaimed, so the end must not beat a slow server.
  blockingTimeoutGrace: 1000,
} as const satisfies RedisOptions;
export const QUEUED_READ_LIMIT_MS = BLOCKING_READ_OPTIONS.blockingTimeout;
export const REPLY_GRACE_MS = BLOCKING_READ_OPTIONS.blockingTimeoutGrace;

/**
 * Uses `given` for blocking reads, or a duplicate of `shared` (same options, new socket, plus
 * {@link BLOCKING_READ_OPTIONS}) that this connection owns and disconnects on close. A `given`
 * connection keeps its own options: give it {@link BLOCKING_READ_OPTIONS} for the same bound.
 */
export function createBlockingConnection(shared: Redis, given?: Redis): BlockingConnection {
  const redis = given ?? duplicateConnection(shared, BLOCKING_READ_OPTIONS);
  const owned = given === undefined;
  if (owned) {
    redis.on('error', () => {
      // The shared connection logs outages; a read that fails says so to its caller.
    });
  }
  let closed = false;
  let waiting = 0;
  // The server's id of the blocking connection, for CLIENT UNBLOCK; a reconnect gives a new one.
  let clientId: number | null = null;
  let askingId = false;
  // interrupt() came before the id was known: unblock as soon as it is.
  let interruptWanted = false;
  redis.on('ready', () => {
    clientId = null;
  });
  const unblock = (id: number): void => {
    shared.client('UNBLOCK', id).catch(() => {
      // The read ends by its own timeout anyway.
    });
  };
  // Asked alongside the read, not before it: an id request on a connection that does not answer
  // has no timeout of its own and would hold the read back forever.
  const learnClientId = (): void => {
    if (clientId !== null || askingId) return;
    askingId = true;
    redis
      .client('ID')
      .then(
        (id) => {
          clientId = id;
          if (interruptWanted && waiting > 0 && !closed) unblock(id);
        },
        () => {
          // Asked again with the next read.
        },
      )
      .finally(() => {
        askingId = false;
        interruptWanted = false;
      });
  };
  // Each waiting read's way out at close; removed when the read ends, so a finished read's reply
  // is not kept alive by a promise that lives as long as the connection.
  const waitingReads = new Set<() => void>();

  return {
    get closed() {
      return closed;
    },
    async read<T>(command: (redis: Redis) => Promise<T>): Promise<T | undefined> {
      if (closed) return undefined;
      learnClientId();
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
      if (closed || waiting === 0) return;
      if (clientId !== null) {
        unblock(clientId);
        return;
      }
      interruptWanted = true;
      // After a reconnect the id is asked again only now.
      learnClientId();
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
