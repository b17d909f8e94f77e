/**
 * The position ledger of position affinity (contract section 13): each engine's net position per
 * strategy and symbol, as the settle script moves it with every executed outcome. Read here for
 * routing, for `GET /admin/positions` and for the `execution_positions` gauges.
 */
import type { Redis } from 'ioredis';
import { ENGINE_IDS, perEngine, type EngineId } from '../../machines/engines.js';
import type { Positions } from '../../machines/routing.js';
import { positionField, positionsKey } from './keys.js';

/** One strategy and symbol with a position on some engine, as `GET /admin/positions` answers it. */
export interface PositionRow {
  readonly strategy_id: string;
  readonly symbol: string;
  readonly by_engine: Positions;
}

/** What the service reads of the ledger. */
export interface PositionLedger {
  /** Each engine's net position in one strategy and symbol (0 where it holds none). */
  of(strategyId: string, symbol: string): Promise<Positions>;
  /** Every pair with a position on some engine. */
  all(): Promise<PositionRow[]>;
  /** How many pairs each engine holds a position in. */
  openPairs(): Promise<Record<EngineId, number>>;
}

function pairOf(field: string): [string, string] | null {
  try {
    const parsed: unknown = JSON.parse(field);
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === 'string' && typeof parsed[1] === 'string') return [parsed[0], parsed[1]];
  } catch {
    // Not written by this service: skipped.
  }
  return null;
}

/** Rows from each engine's positions, field by field. */
export function rowsOf(byEngine: Record<EngineId, Record<string, string>>): PositionRow[] {
  const rows = new Map<string, { strategy_id: string; symbol: string; by_engine: Record<EngineId, number> }>();
  for (const engine of ENGINE_IDS) {
    for (const [field, value] of Object.entries(byEngine[engine])) {
      const pair = pairOf(field);
      const amount = Number(value);
      if (pair === null || !Number.isFinite(amount)) continue;
      const row = rows.get(field) ?? { strategy_id: pair[0], symbol: pair[1], by_engine: perEngine(() => 0) };
      row.by_engine[engine] = amount;
      rows.set(field, row);
    }
  }
  return [...rows.values()].sort((a, b) => a.strategy_id.localeCompare(b.strategy_id) || a.symbol.localeCompare(b.symbol));
}

/** The ledger of the queue named `queueName`, in Redis. */
export function createPositionLedger(redis: Redis, queueName: string): PositionLedger {
  return {
    async of(strategyId, symbol) {
      const field = positionField(strategyId, symbol);
      const values = await Promise.all(ENGINE_IDS.map((engine) => redis.hget(positionsKey(queueName, engine), field)));
      return perEngine((engine) => Number(values[ENGINE_IDS.indexOf(engine)] ?? 0) || 0);
    },
    async all() {
      const hashes = await Promise.all(ENGINE_IDS.map((engine) => redis.hgetall(positionsKey(queueName, engine))));
      return rowsOf(perEngine((engine) => hashes[ENGINE_IDS.indexOf(engine)] ?? {}));
    },
    async openPairs() {
      const counts = await Promise.all(ENGINE_IDS.map((engine) => redis.hlen(positionsKey(queueName, engine))));
      return perEngine((engine) => counts[ENGINE_IDS.indexOf(engine)] ?? 0);
    },
  };
}
