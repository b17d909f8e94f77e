/**
 * The engine table and the state names the service, the status and the inspector read the
 * machine's snapshots with. Persisted and inspected state values arrive unchecked, so
 * `topStateOf` must refuse what is not a state of the statechart rather than guess.
 */
import { describe, expect, it } from 'vitest';
import { ENGINE_IDS, PRIMARY_ENGINE, TOP_STATES, engineOfState, isEngineId, perEngine, priorityOf, stateOfEngine, topStateOf } from '../../machines/engines.js';

describe('the engine table', () => {
  it('lists the contract’s engines in priority order, the primary first', () => {
    expect(ENGINE_IDS).toEqual(['lean_self_hosted', 'quanttrader_pybroker', 'nautilus_trader']);
    expect(PRIMARY_ENGINE).toBe('lean_self_hosted');
    expect(ENGINE_IDS.map(priorityOf)).toEqual([0, 1, 2]);
  });

  it('names the contract’s four top-level states', () => {
    expect(TOP_STATES).toEqual(['primaryActive', 'backup1Active', 'backup2Active', 'paused']);
  });

  it('maps each engine to the state it is active in, and back; paused has no engine', () => {
    expect(ENGINE_IDS.map(stateOfEngine)).toEqual(['primaryActive', 'backup1Active', 'backup2Active']);
    expect(TOP_STATES.map(engineOfState)).toEqual(['lean_self_hosted', 'quanttrader_pybroker', 'nautilus_trader', null]);
  });

  it('recognises exactly the three engine ids', () => {
    expect(ENGINE_IDS.every(isEngineId)).toBe(true);
    for (const value of ['LEAN_SELF_HOSTED', 'lean', '', 'primaryActive', 0, null, undefined, ['lean_self_hosted'], { lean_self_hosted: 1 }]) {
      expect(isEngineId(value), JSON.stringify(value)).toBe(false);
    }
  });

  it('builds a record with one value per engine, each from its own id', () => {
    expect(perEngine((engine) => `${engine}!`)).toEqual({
      lean_self_hosted: 'lean_self_hosted!',
      quanttrader_pybroker: 'quanttrader_pybroker!',
      nautilus_trader: 'nautilus_trader!',
    });
  });
});

describe('topStateOf', () => {
  it('reads the top-level state of a plain or a nested state value', () => {
    expect(topStateOf('primaryActive')).toBe('primaryActive');
    expect(topStateOf({ backup1Active: 'waiting' })).toBe('backup1Active');
    expect(topStateOf({ backup2Active: 'checking' })).toBe('backup2Active');
    expect(topStateOf({ paused: { autoResuming: 'waiting' } })).toBe('paused');
  });

  it('refuses, naming the value, anything that is not a state of the statechart', () => {
    for (const value of ['running', '', {}, { running: 'waiting' }, null, undefined, 3, ['primaryActive']]) {
      expect(() => topStateOf(value), JSON.stringify(value)).toThrow(`Not a state of the failover statechart: ${JSON.stringify(value)}`);
    }
  });
});
