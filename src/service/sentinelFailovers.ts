/**
 * Follows the Sentinels' `+switch-master` announcements for the service's Sentinel connections, in
 * place of ioredis's `failoverDetector`. That detector drops the connection at every announcement,
 * also while the client is in the middle of asking a Sentinel for the primary (it is reconnecting
 * after the primary died); ioredis then abandons the attempt and ends the client for good: every
 * command after it fails with "Connection is closed." This one leaves alone a connection that is
 * not ready: its reconnect asks the Sentinels anyway, and will be told the new primary.
 *
 * A ready connection that is on another node than the one announced is dropped and reconnects
 * through the Sentinels: what leaves a primary that is frozen (its sockets stay open) or demoted
 * without closing its clients.
 */
import { Redis } from 'ioredis';
import type { SentinelAddress } from '../config/sentinelList.js';

const SWITCH_MASTER = '+switch-master';

/** Reconnects to a Sentinel that went away, as often as the service's own connection retries. */
const SENTINEL_RETRY = (times: number): number => Math.min(times * 100, 2000);

/** The connections that follow one master's failovers, and the subscriptions that tell them. */
export interface FailoverWatch {
  /** Drops `redis` when a failover moves the primary elsewhere, until it ends. */
  follow(redis: Redis): void;
  /** Ends the subscriptions; the followed connections are left as they are. */
  close(): void;
}

/** `+switch-master` says `<master> <old-ip> <old-port> <new-ip> <new-port>`. */
function announcedPrimary(message: string, masterName: string): { host: string; port: number } | null {
  const [name, , , host, port] = message.split(' ');
  if (name !== masterName || host === undefined || port === undefined) return null;
  return { host, port: Number(port) };
}

function isOn(redis: Redis, primary: { host: string; port: number }): boolean {
  const { remoteAddress, remotePort } = redis.stream;
  return remotePort === primary.port && (remoteAddress === primary.host || remoteAddress === `::ffff:${primary.host}`);
}

/** Subscribes to every Sentinel in `sentinels` for failovers of `masterName`. */
export function watchFailovers(options: { readonly sentinels: readonly SentinelAddress[]; readonly masterName: string }): FailoverWatch {
  const followed = new Set<Redis>();
  const onAnnouncement = (channel: string, message: string): void => {
    if (channel !== SWITCH_MASTER) return;
    const primary = announcedPrimary(message, options.masterName);
    if (primary === null) return;
    for (const redis of followed) {
      if (redis.status === 'ready' && !isOn(redis, primary)) redis.disconnect(true);
    }
  };
  const subscriptions = options.sentinels.map(({ host, port }) => {
    const sentinel = new Redis({ host, port, retryStrategy: SENTINEL_RETRY, maxRetriesPerRequest: null, enableReadyCheck: false });
    // A Sentinel that is away is no news: the others announce too, and the connections retry by themselves.
    sentinel.on('error', () => {});
    sentinel.on('message', onAnnouncement);
    sentinel.subscribe(SWITCH_MASTER).catch(() => {});
    return sentinel;
  });
  return {
    follow(redis) {
      followed.add(redis);
      redis.once('end', () => followed.delete(redis));
    },
    close() {
      for (const sentinel of subscriptions) sentinel.disconnect();
      followed.clear();
    },
  };
}
