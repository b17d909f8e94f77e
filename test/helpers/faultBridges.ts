/**
 * Fake engine bridges that count executions for the fault suite.
 *
 * The fake bridge answers a repeated `Idempotency-Key` with its first report and records the order
 * once, so a signal the service sent twice would look executed once. The fault suite must see such
 * a double: this wrapper counts every order POST that arrived while the bridge was in a mode that
 * executes orders, repeats included. It also tells the sending instance apart by the user name of
 * the Basic credentials each instance puts in its engine URLs (see {@link engineUrlFor}).
 */
import { ENGINE_IDS, type EngineId } from '../../machines/engines.js';
import { startFakeBridge, type FakeBridge, type FakeBridgeMode, type FakeBridgeOptions } from './fakeBridge.js';

/** The modes in which the fake bridge executes an order POST (records it on arrival). */
export const EXECUTING_MODES: ReadonlySet<FakeBridgeMode> = new Set<FakeBridgeMode>([
  'ok',
  'slow',
  'hang-after-execute',
  'drop-after-execute',
  // A request whose body was still arriving when the bridge went down is executed by the `ok` branch.
  'down',
]);

/** One order POST as the fault suite sees it. */
export interface OrderPost {
  /** The engine whose bridge received it. */
  readonly engine: EngineId;
  /** `signal_id` of the body, or the Idempotency-Key when the body has none. */
  readonly signalId: string;
  readonly idempotencyKey: string | undefined;
  /** The instance that sent it (user name of its Basic credentials), or null when it sent none. */
  readonly sender: string | null;
  /** The bridge's mode when the POST arrived. */
  readonly mode: FakeBridgeMode;
  /** Whether the bridge executed it (repeats of an Idempotency-Key included). */
  readonly executed: boolean;
  /** Position among all requests this bridge received: later POSTs have larger positions. */
  readonly position: number;
}

/** A fake bridge whose order POSTs are counted. */
export interface CountingBridge {
  readonly engine: EngineId;
  readonly bridge: FakeBridge;
  /** How many requests (of any kind) the bridge has received so far; a mark for {@link posts}. */
  requestCount(): number;
  /** Every order POST received so far, oldest first; `fromPosition` skips the earlier ones. */
  posts(fromPosition?: number): OrderPost[];
  /** Switches the bridge's behaviour, remembering from which request on the new mode applies. */
  setMode(mode: FakeBridgeMode, options?: Omit<FakeBridgeOptions, 'mode' | 'basePath'>): Promise<void>;
}

/** The three engines' bridges. */
export type EngineBridges = Readonly<Record<EngineId, CountingBridge>>;

interface ModeSegment {
  readonly fromPosition: number;
  readonly mode: FakeBridgeMode;
}

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
export async function startCountingBridge(engine: EngineId, options: Omit<FakeBridgeOptions, 'basePath'> = {}): Promise<CountingBridge> {
  const bridge = await startFakeBridge(options);
  const segments: ModeSegment[] = [{ fromPosition: 0, mode: options.mode ?? 'ok' }];
  const modeAt = (position: number): FakeBridgeMode => {
    let mode = segments[0]?.mode ?? 'ok';
    for (const segment of segments) if (segment.fromPosition <= position) mode = segment.mode;
    return mode;
  };
  return {
    engine,
    bridge,
    requestCount: () => bridge.requests.length,
    posts(fromPosition = 0) {
      const posts: OrderPost[] = [];
      bridge.requests.forEach((request, position) => {
        if (position < fromPosition || request.method !== 'POST' || request.path !== '/orders') return;
        const mode = modeAt(position);
        posts.push({
          engine,
          signalId: signalIdOf(request.body, request.idempotencyKey),
          idempotencyKey: request.idempotencyKey,
          sender: decodeSender(request.authorization),
          mode,
          executed: EXECUTING_MODES.has(mode),
          position,
        });
      });
      return posts;
    },
    setMode(mode, settings) {
      // The fake bridge reads its mode in the same turn as it records a request, and `setMode`
      // changes the mode before its first await: requests from this position on see the new mode.
      segments.push({ fromPosition: bridge.requests.length, mode });
      return bridge.setMode(mode, settings);
    },
  };
}

/** Starts one counting bridge per engine; `modes` sets each one's starting behaviour (default `ok`). */
export async function startEngineBridges(
  modes: Partial<Record<EngineId, Omit<FakeBridgeOptions, 'basePath'>>> = {},
): Promise<EngineBridges> {
  const start = (engine: EngineId): Promise<CountingBridge> => startCountingBridge(engine, modes[engine] ?? {});
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

/** Closes every bridge. */
export async function closeBridges(bridges: EngineBridges): Promise<void> {
  await Promise.all(ENGINE_IDS.map((engine) => bridges[engine].bridge.close()));
}
