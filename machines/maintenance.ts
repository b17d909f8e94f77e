/**
 * Engines an operator has taken out of service: per engine, why and until when. Pure data and
 * rules; the statechart keeps the earliest `until` as its maintenance deadline.
 */
import { ENGINE_IDS, perEngine, type EngineId } from './engines.js';

/** One engine's maintenance: the operator's reason and when it ends by itself (epoch ms), if ever. */
export interface Maintenance {
  readonly reason: string;
  readonly until: number | null;
}

/** Each engine's maintenance, null when it is in service. */
export type MaintenanceMap = Record<EngineId, Maintenance | null>;

/** The `paused_reason` of a pause because every engine left was put into maintenance. */
export const MAINTENANCE_PAUSE = 'maintenance';

/** No engine in maintenance. */
export function noMaintenance(): MaintenanceMap {
  return perEngine(() => null);
}

/** The events that change maintenance, as the statechart receives them. */
export type MaintenanceEvent =
  | { readonly type: 'MAINTENANCE_STARTED'; readonly engine: EngineId; readonly reason: string; readonly until: number | null; readonly at: number }
  | { readonly type: 'MAINTENANCE_ENDED'; readonly engine: EngineId; readonly at: number }
  /** Raised by the statechart itself at the earliest `until`: every maintenance due by `at` ends. */
  | { readonly type: 'MAINTENANCE_DUE'; readonly at: number };

/** The maintenance of every engine after `event`. */
export function maintenanceAfter(maintenance: MaintenanceMap, event: MaintenanceEvent): MaintenanceMap {
  switch (event.type) {
    case 'MAINTENANCE_STARTED':
      return { ...maintenance, [event.engine]: { reason: event.reason, until: event.until } };
    case 'MAINTENANCE_ENDED':
      return { ...maintenance, [event.engine]: null };
    case 'MAINTENANCE_DUE':
      return perEngine((engine) => {
        const current = maintenance[engine];
        return current !== null && current.until !== null && current.until <= event.at ? null : current;
      });
  }
}

/** Whether `event` ends some engine's maintenance. */
export function endsMaintenance(maintenance: MaintenanceMap, event: MaintenanceEvent): boolean {
  // A start sets an engine's maintenance and clears none, so it ends nothing without a case of its own.
  const after = maintenanceAfter(maintenance, event);
  return ENGINE_IDS.some((engine) => maintenance[engine] !== null && after[engine] === null);
}

/** When the next maintenance ends by itself (epoch ms), or null when none has an `until`. */
export function nextMaintenanceEnd(maintenance: MaintenanceMap): number | null {
  const ends = ENGINE_IDS.flatMap((engine) => {
    const until = maintenance[engine]?.until ?? null;
    return until === null ? [] : [until];
  });
  return ends.length === 0 ? null : Math.min(...ends);
}
