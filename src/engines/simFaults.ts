/**
 * The faults a `sim://` engine can be told to show, read from its URL query
 * (`sim://?latency_ms=5&fail_rate=0.1`) or changed at run time by the inspector. Field names are the
 * query parameter names, so the inspector can pass its JSON through unchanged.
 */

/** How the simulated engine behaves as a whole. */
export const SIM_MODES = ['ok', 'fail', 'hang', 'down', 'reject'] as const;

/**
 * - `ok`: fills orders (subject to `fail_rate` and `reject_rate`);
 * - `fail`: answers every call like a 500;
 * - `hang`: never answers: calls end as timeouts;
 * - `down`: refuses connections;
 * - `reject`: rejects every order like a 422, stays healthy.
 */
export type SimMode = (typeof SIM_MODES)[number];

/** The fault settings of one simulated engine. */
export interface SimFaults {
  readonly mode: SimMode;
  /** Delay before each answer, in milliseconds. */
  readonly latency_ms: number;
  /** Share of orders, 0 to 1, that fail like a 500 (not placed). */
  readonly fail_rate: number;
  /** Share of orders, 0 to 1, rejected like a 422. */
  readonly reject_rate: number;
}

/** A healthy engine that answers at once. */
export const DEFAULT_SIM_FAULTS: SimFaults = { mode: 'ok', latency_ms: 0, fail_rate: 0, reject_rate: 0 };

type FaultName = keyof SimFaults;

const FAULT_NAMES: readonly FaultName[] = ['mode', 'latency_ms', 'fail_rate', 'reject_rate'];

function isFaultName(name: string): name is FaultName {
  return (FAULT_NAMES as readonly string[]).includes(name);
}

function isSimMode(value: string): value is SimMode {
  return (SIM_MODES as readonly string[]).includes(value);
}

function shown(raw: unknown): string {
  return typeof raw === 'string' ? `"${raw}"` : String(JSON.stringify(raw));
}

/** Numbers come as JSON numbers from the inspector and as text from a URL query. */
function asNumber(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : undefined;
  if (typeof raw !== 'string' || raw.trim() === '') return undefined;
  const value = Number(raw);
  return Number.isFinite(value) ? value : undefined;
}

function rate(name: 'fail_rate' | 'reject_rate', raw: unknown): number {
  const value = asNumber(raw);
  if (value === undefined || value < 0 || value > 1) {
    throw new RangeError(`${name} must be a number from 0 to 1, got ${shown(raw)}`);
  }
  return value;
}

/** Validates one fault setting; the error names the parameter and what it accepts. */
function parseFault<N extends FaultName>(name: N, raw: unknown): SimFaults[N];
function parseFault(name: FaultName, raw: unknown): SimFaults[FaultName] {
  switch (name) {
    case 'mode': {
      const mode = typeof raw === 'string' ? raw.trim().toLowerCase() : undefined;
      if (mode === undefined || !isSimMode(mode)) {
        throw new RangeError(`mode must be one of ${SIM_MODES.join(', ')}, got ${shown(raw)}`);
      }
      return mode;
    }
    case 'latency_ms': {
      const value = asNumber(raw);
      if (value === undefined || value < 0) {
        throw new RangeError(`latency_ms must be a number of milliseconds ≥ 0, got ${shown(raw)}`);
      }
      return value;
    }
    case 'fail_rate':
    case 'reject_rate':
      return rate(name, raw);
  }
}

function unknownName(name: string): RangeError {
  return new RangeError(`unknown fault "${name}"; the known ones are ${FAULT_NAMES.join(', ')}`);
}

/**
 * The faults a `sim://` URL's query asks for, over the defaults. Throws a `RangeError` naming the
 * parameter for an unknown, repeated or invalid one, so a typo cannot pass unnoticed.
 */
export function parseSimFaultsQuery(query: URLSearchParams): SimFaults {
  const seen = new Set<string>();
  const faults: { -readonly [N in FaultName]: SimFaults[N] } = { ...DEFAULT_SIM_FAULTS };
  for (const [name, raw] of query) {
    if (!isFaultName(name)) throw unknownName(name);
    if (seen.has(name)) throw new RangeError(`${name} is given more than once`);
    seen.add(name);
    assign(faults, name, raw);
  }
  return faults;
}

/**
 * Validates a change of faults from outside (the inspector's JSON body): an object with some of
 * `mode`, `latency_ms`, `fail_rate`, `reject_rate`. Throws a `RangeError` naming the bad field.
 */
export function parseSimFaultsPatch(input: unknown): Partial<SimFaults> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new RangeError('faults must be an object with some of mode, latency_ms, fail_rate, reject_rate');
  }
  const patch: { -readonly [N in FaultName]?: SimFaults[N] } = {};
  for (const [name, raw] of Object.entries(input)) {
    if (raw === undefined) continue;
    if (!isFaultName(name)) throw unknownName(name);
    assign(patch, name, raw);
  }
  return patch;
}

function assign<N extends FaultName>(target: { [K in FaultName]?: SimFaults[K] }, name: N, raw: unknown): void {
  target[name] = parseFault(name, raw);
}
