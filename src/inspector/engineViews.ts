/** How the live feed shows each engine's binding: kept apart from the feed's stream handling. */
import { ENGINE_IDS, type EngineId } from '../../machines/engines.js';
import { isSimEngine } from '../engines/simEngine.js';
import type { ExecutionEngine } from '../engines/types.js';
import type { EngineView } from './protocol.js';

/** How each engine is bound and, for `sim://` ones, its faults. */
export function engineViews(
  engines: Partial<Record<EngineId, ExecutionEngine>>,
  probeHealthy: Readonly<Record<EngineId, boolean | null>> | null,
): EngineView[] {
  return ENGINE_IDS.map((id) => {
    const engine = engines[id];
    const lastProbeHealthy = probeHealthy?.[id] ?? null;
    if (engine === undefined) return { id, kind: 'absent', url: null, faults: null, lastProbeHealthy };
    if (isSimEngine(engine)) return { id, kind: 'sim', url: engine.url, faults: engine.faults(), lastProbeHealthy };
    return { id, kind: 'http', url: engine.url, faults: null, lastProbeHealthy };
  });
}
