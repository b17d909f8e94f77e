import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { ALL_ENGINES_FAILED, failoverMachine } from '../../machines/executionFailover.js';
import { DEFAULT_POLICY_SETTINGS } from '../../machines/policy.js';

describe('an operator pause', () => {
  it('never passes for the policy’s own all-engines-failed pause, so auto-resume leaves it alone', () => {
    const actor = createActor(failoverMachine, { input: { settings: { ...DEFAULT_POLICY_SETTINGS, autoResume: true } } }).start();
    actor.send({ type: 'PAUSE', reason: ALL_ENGINES_FAILED, at: 1000 });
    const snapshot = actor.getSnapshot();
    expect(snapshot.value).toEqual({ paused: 'holding' });
    expect(snapshot.context.pausedReason).toBe(`operator: ${ALL_ENGINES_FAILED}`);
    expect(snapshot.context.recoveryDeadline).toBeNull();
    actor.stop();
  });
});
