/** Binds an engine id to its adapter, chosen by the scheme of its configured URL (contract section 4). */
import type { EngineId } from '../../machines/engines.js';
import { createHttpBridge } from './httpBridge.js';
import { engineUrlError } from './redactUrl.js';
import { createSimEngine, type SimEngineOptions } from './simEngine.js';
import type { ExecutionEngine } from './types.js';

export { isSimEngine, type SimEngine } from './simEngine.js';

/** Options shared by every adapter, plus test and demo hooks for `sim://`. */
export interface CreateEngineOptions {
  /** `ENGINE_TIMEOUT_MS`: how long to wait for an engine's answer. */
  readonly timeoutMs: number;
  /** Randomness and the clock of a `sim://` engine (simulations, tests); ignored for HTTP. */
  readonly sim?: Pick<SimEngineOptions, 'random' | 'clock' | 'rememberLimit'>;
}

/**
 * The engine adapter for `url`: an HTTP bridge for `http://` and `https://`, the simulated engine
 * for `sim://`. Throws an error naming the engine id and the URL (credentials masked) for a
 * malformed URL, another scheme, a bad timeout or an invalid fault parameter.
 */
export function createEngine(id: EngineId, url: string, options: CreateEngineOptions): ExecutionEngine {
  let scheme: string;
  try {
    scheme = new URL(url).protocol;
  } catch (error) {
    throw engineUrlError(id, url, 'not a valid URL; use http://, https:// or sim://', error);
  }
  switch (scheme) {
    case 'http:':
    case 'https:':
      return createHttpBridge({ id, url, timeoutMs: options.timeoutMs });
    case 'sim:':
      return createSimEngine({ id, url, timeoutMs: options.timeoutMs, ...options.sim });
    default:
      throw engineUrlError(id, url, `the scheme ${scheme} is not supported; use http://, https:// or sim://`);
  }
}
