/**
 * The spec families of maintenance: an engine put into maintenance (the engine in use moves away
 * at once), maintenance ending by an operator or by its `until`, the pause it caused ending by
 * itself, and its timer re-armed after a restore.
 */
import type { EngineId } from '../../machines/engines.js';
import { endsSome, firstChoosable, maintenanceEndPending, withMaintenance, type MaintenanceEvent } from './callOracle.js';
import { PRIORITY, STATE_OF_ENGINE, activeEngine, moving, nextAfterTrip, phaseOf, topOf, type PolicyState } from './policyOracle.js';
import { key, onEvent, type TransitionSpec } from './specKit.js';
import type { TransitionKey } from './transitions.js';

/** The `paused_reason` of a pause because no engine was left out of maintenance. */
const MAINTENANCE_PAUSE = 'maintenance';

function moveKeys(next: 'engine' | 'none'): TransitionKey[] {
  return PRIORITY.flatMap((active) => {
    const others: (EngineId | null)[] = [...PRIORITY.filter((engine) => engine !== active), null];
    return others.flatMap((other, index) =>
      (other === null) === (next === 'none')
        ? [key(`failover.${STATE_OF_ENGINE[active]}`, 'MAINTENANCE_STARTED', index, `maintenanceMovesTo(active=${active}, next=${String(other)})`)]
        : [],
    );
  });
}

/** Where the end of maintenance resumes a maintenance pause to; null when it does not. */
function resumesAfterMaintenance(state: PolicyState, event: MaintenanceEvent): EngineId | null {
  // The pause maintenance caused: its reason, and the move into it (an operator may pause with any reason).
  const causedByMaintenance = state.context.pausedReason === MAINTENANCE_PAUSE && state.context.lastTransition?.reason === 'maintenance';
  if (topOf(state.value) !== 'paused' || !causedByMaintenance) return null;
  if (!endsSome(state.context, event)) return null;
  return firstChoosable(withMaintenance(state.context, event));
}

const maintainsActive = (state: PolicyState, engine: EngineId) => activeEngine(state.value) === engine;

function endSpecs(type: 'MAINTENANCE_ENDED' | 'MAINTENANCE_DUE', how: string): TransitionSpec[] {
  return [
    onEvent(
      type,
      `maintenance ends (${how})`,
      'When maintenance ends (operator, or its until passed), the engine is a candidate again; from ' +
        'a backup the regular recovery check decides the failback.',
      [key('failover', type, 0, 'endsMaintenance')],
      (state, event) => endsSome(state.context, event) && resumesAfterMaintenance(state, event) === null,
      (state, event) => ({ value: state.value, context: withMaintenance(state.context, event) }),
    ),
    onEvent(
      type,
      `maintenance over (${how})`,
      'When maintenance ends during a pause that maintenance caused, the policy resumes by itself to ' +
        'the highest-priority available engine (reason maintenance_over).',
      PRIORITY.map((engine, index) => key('failover.paused', type, index, `maintenanceOverTo(engine=${engine})`)),
      (state, event) => resumesAfterMaintenance(state, event) !== null,
      (state, event) => {
        const target = resumesAfterMaintenance(state, event);
        if (target === null) throw new Error('The pause does not end.');
        return moving(state, STATE_OF_ENGINE[target], 'maintenance_over', event.at, (context) => withMaintenance(context, event));
      },
    ),
  ];
}

/** The families of maintenance. */
export const MAINTENANCE_SPECS: readonly TransitionSpec[] = [
  onEvent(
    'MAINTENANCE_STARTED',
    'maintenance starts',
    'An operator puts an engine not in use into maintenance (or changes its reason or until): from ' + 'now on it is never chosen.',
    [key('failover', 'MAINTENANCE_STARTED', 0)],
    (state, event) => !maintainsActive(state, event.engine),
    (state, event) => ({ value: state.value, context: withMaintenance(state.context, event) }),
  ),
  onEvent(
    'MAINTENANCE_STARTED',
    'maintenance moves away',
    'Maintenance of the engine in use moves the policy at once to the next available engine (reason maintenance).',
    moveKeys('engine'),
    (state, event) => maintainsActive(state, event.engine) && nextAfterTrip(withMaintenance(state.context, event), event.engine) !== null,
    (state, event) => {
      const next = nextAfterTrip(withMaintenance(state.context, event), event.engine);
      if (next === null) throw new Error('No engine left: this is the maintenance pause.');
      return moving(state, STATE_OF_ENGINE[next], 'maintenance', event.at, (context) => withMaintenance(context, event));
    },
  ),
  onEvent(
    'MAINTENANCE_STARTED',
    'maintenance pauses',
    'Maintenance of the engine in use with no other engine available pauses with paused_reason maintenance.',
    moveKeys('none'),
    (state, event) => maintainsActive(state, event.engine) && nextAfterTrip(withMaintenance(state.context, event), event.engine) === null,
    (state, event) =>
      moving(state, 'paused', 'maintenance', event.at, (context) => ({
        ...withMaintenance(context, event),
        pausedReason: MAINTENANCE_PAUSE,
      })),
  ),
  ...endSpecs('MAINTENANCE_ENDED', 'operator'),
  ...endSpecs('MAINTENANCE_DUE', 'until'),
  onEvent(
    'RESTORED',
    'restored re-arms maintenance',
    'After a restore outside a recovery region, a pending maintenance end is re-armed for the until kept in the context.',
    [key('failover', 'RESTORED', 0, 'maintenanceDeadlinePending')],
    (state) => {
      const phase = phaseOf(state.value);
      return phase !== 'waiting' && phase !== 'checking' && maintenanceEndPending(state.context);
    },
    (state) => state,
  ),
];
