/**
 * Fake engine bridges for the fault suite, seen two ways:
 *
 * - {@link CountingBridge.placements}: the orders the bridge actually placed, as its own records
 *   say. This is what the tally counts: a bridge places an order some time after it arrives (or
 *   never), and a naive bridge places a concurrent repeat twice, so guessing from the POSTs would
 *   count wrong either way.
 * - {@link CountingBridge.posts}: every order POST received, for checks about dispatching (who
 *   sent what, and when), whether or not anything was placed.
 *
 * Both name the sending instance by the user name of the Basic credentials each instance puts in
 * its engine URLs (see {@link engineUrlFor}).
 */
import { ENGINE_IDS, type EngineId } from '../../machines/engines.js';
import { startFakeBridge, type FakeBridge, type FakeBridgeMode, type FakeBridgeOptions } from './fakeBridge.js';

/** One order POST as the fault suite sees it. */
export interface OrderPost {
  /** The engine whose bridge received it. */
  readonly engine: EngineId;
  /** `signal_id` of the body, or the Idempotency-Key when the body has none. */
  readonly signalId: string;
  readonly idempotencyKey: string | undefined;
  /** The instance that sent it (user name of its Basic credentials), or null when it sent none. */
  readonly sender: string | null;
  /** Its `X-Leader-Epoch`, or null. */
  readonly epoch: number | null;
  /** The bridge's mode when the POST arrived. */
  readonly mode: FakeBridgeMode;
  /** Position among all requests this bridge received: later POSTs have larger positions. */
  readonly position: number;
  /** `Date.now()` when it arrived. */
  readonly receivedAt: number;
}

/** One order a bridge placed, as the fault suite sees it. */
export interface PlacedOrder {
  /** The engine whose bridge placed it. */
  readonly engine: EngineId;
  /** `signal_id` of the body of the request that placed it, or its Idempotency-Key. */
  readonly signalId: string;
  /** The bridge's own order id. */
  readonly orderId: string;
  /** The instance whose request placed it, or null when it sent no credentials. */
  readonly sender: string | null;
  /** The `X-Leader-Epoch` of that request, or null. */
  readonly epoch: number | null;
  /** Position of that request among all requests this bridge received. */
  readonly position: number;
  /** `Date.now()` when it was placed. */
  readonly placedAt: number;
}

/** Bridge options a fault lab may set (the path prefix is fixed). */
export type CountingBridgeOptions = Omit<FakeBridgeOptions, 'basePath'>;

/** A fake bridge whose order POSTs and placements are read for the fault suite. */
export interface CountingBridge {
  readonly engine: EngineId;
  readonly bridge: FakeBridge;
  /** How many requests (of any kind) the bridge has received so far; a mark for {@link posts} and {@link placements}. */
  requestCount(): number;
  /** Every order POST received so far, oldest first; `fromPosition` skips the earlier ones. */
  posts(fromPosition?: number): OrderPost[];
  /** Every order placed so far, in placing order; `fromPosition` skips those placed by earlier requests. */
  placements(fromPosition?: number): PlacedOrder[];
  /** Signal ids with an order still being placed, once per order. */
  inProgress(): string[];
  /** Switches the bridge's behaviour; requests arriving from then on meet the new mode. */
  setMode(mode: FakeBridgeMode, options?: Omit<CountingBridgeOptions, 'mode'>): Promise<void>;
}

/** The three engines' bridges. */
export type EngineBridges = Readonly<Record<EngineId, CountingBridge>>;

function decodeSender(authorization: string | undefined): string | null {
  if (authorization === undefined || !authorization.startsWith('Basic ')) return null;
  const decoded = Buffer.from(authorization.slice('Basic '.length), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? decoded : decoded.slice(0, colon);
}

function signalIdOf(body: unknown, key: string | undefined): string {
  if (typeof body === 'object' && body !== null && 'signal_id' in body && typeof body.signal_id === 'string') return body.signal_id;
  return key ?? '';
}

/** Starts a counting fake bridge for `engine`. */
export async function startCountingBridge(engine: EngineId, options: CountingBridgeOptions = {}): Promise<CountingBridge> {
  const bridge = await startFakeBridge(options);
  return {
    engine,
    bridge,
    requestCount: () => bridge.requests.length,
    posts(fromPosition = 0) {
      const posts: OrderPost[] = [];
      bridge.requests.forEach((request, position) => {
        if (position < fromPosition || request.method !== 'POST' || request.path !== '/orders') return;
        posts.push({
          engine,
          signalId: signalIdOf(request.body, request.idempotencyKey),
          idempotencyKey: request.idempotencyKey,
          sender: decodeSender(request.authorization),
          epoch: request.epoch,
          mode: request.mode,
          position,
          receivedAt: request.receivedAt,
        });
      });
      return posts;
    },
    placements(fromPosition = 0) {
      return bridge.placements
        .filter((placement) => placement.requestIndex >= fromPosition)
        .map((placement) => {
          const request = bridge.requests[placement.requestIndex];
          return {
            engine,
            // The traded signal, as the POSTs name it, even when its key was wrong.
            signalId: signalIdOf(request?.body, placement.signalId),
            orderId: placement.orderId,
            sender: decodeSender(placement.authorization),
            epoch: placement.epoch,
            position: placement.requestIndex,
            placedAt: placement.placedAt,
          };
        });
    },
    inProgress: () => bridge.inProgress(),
    setMode: (mode, settings) => bridge.setMode(mode, settings),
  };
}

/** Starts one counting bridge per engine; `options` sets each one's starting behaviour (default `ok`). */
export async function startEngineBridges(options: Partial<Record<EngineId, CountingBridgeOptions>> = {}): Promise<EngineBridges> {
  const start = (engine: EngineId): Promise<CountingBridge> => startCountingBridge(engine, options[engine] ?? {});
  const [lean, quanttrader, nautilus] = await Promise.all([start('lean_self_hosted'), start('quanttrader_pybroker'), start('nautilus_trader')]);
  return { lean_self_hosted: lean, quanttrader_pybroker: quanttrader, nautilus_trader: nautilus };
}

/**
 * The URL an instance is given for a bridge: the bridge's own, with `sender` as the user name of
 * Basic credentials, which the service sends with every call so the bridge can tell who sent it.
 */
export function engineUrlFor(bridge: CountingBridge, sender: string): string {
  const url = new URL(bridge.bridge.url);
  url.username = sender;
  url.password = 'fault-suite';
  return url.href.replace(/\/$/, '');
}

/** Every order POST any of the bridges received, by engine in priority order. */
export function allPosts(bridges: EngineBridges): OrderPost[] {
  return ENGINE_IDS.flatMap((engine) => bridges[engine].posts());
}

/** Every order any of the bridges placed, by engine in priority order. */
export function allPlacements(bridges: EngineBridges): PlacedOrder[] {
  return ENGINE_IDS.flatMap((engine) => bridges[engine].placements());
}

/** Closes every bridge. */
export async function closeBridges(bridges: EngineBridges): Promise<void> {
  await Promise.all(ENGINE_IDS.map((engine) => bridges[engine].bridge.close()));
}
