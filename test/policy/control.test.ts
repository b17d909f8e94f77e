/**
 * The leader's operator commands answer once the state they made is saved: a 200 then holds across
 * a takeover. While Redis does not take the write, the command still acts here (a pause stops
 * dispatch at once) and answers 503 saying so.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_SETTINGS } from '../../machines/policy.js';
import { leaderControl, type SaveState } from '../../src/policy/control.js';
import { startPolicyRuntime, type PolicyRuntime } from '../../src/policy/runtime.js';

const runtimes: PolicyRuntime[] = [];
afterEach(() => {
  for (const runtime of runtimes.splice(0)) runtime.stop();
});

function started(): PolicyRuntime {
  const runtime = startPolicyRuntime({ settings: DEFAULT_POLICY_SETTINGS, effects: { alert: () => {}, requestHealthCheck: () => {} } });
  runtimes.push(runtime);
  return runtime;
}

describe('leaderControl', () => {
  it('answers the status once the state is saved, and saves after applying', async () => {
    const runtime = started();
    const savedStates: (string | null)[] = [];
    const save: SaveState = () => {
      savedStates.push(runtime.activeEngine());
      return Promise.resolve(null);
    };
    const result = await leaderControl(runtime, 4, save).pause('gateway restart');
    expect(result).toMatchObject({ ok: true, status: { state: 'paused', paused: true, paused_reason: 'gateway restart' } });
    expect(savedStates).toEqual([null]);
  });

  it.each([
    ['pause', (control: ReturnType<typeof leaderControl>) => control.pause('during the outage')],
    ['switch', (control: ReturnType<typeof leaderControl>) => control.switchTo('nautilus_trader')],
    ['maintenance', (control: ReturnType<typeof leaderControl>) => control.startMaintenance('lean_self_hosted', 'upgrade', undefined)],
  ])('%s: applied here but not saved answers 503 naming the cause', async (_name, command) => {
    const runtime = started();
    const before = runtime.state().value;
    const result = await command(leaderControl(runtime, 4, () => Promise.resolve('no answer within 2000 ms')));
    expect(result).toMatchObject({ ok: false, httpStatus: 503 });
    expect(result.ok ? '' : result.error).toMatch(/^applied on this instance, but the policy state could not be saved to Redis \(no answer within 2000 ms\)/);
    expect(runtime.state().value).not.toEqual(before);
  });

  it('a refused command is not saved and keeps its own answer', async () => {
    const runtime = started();
    let saves = 0;
    const result = await leaderControl(runtime, 4, () => {
      saves++;
      return Promise.resolve(null);
    }).resume();
    expect(result).toMatchObject({ ok: false, httpStatus: 409 });
    expect(saves).toBe(0);
  });
});
