/**
 * Every module of `machines/` loads and its statechart starts. A definition XState refuses (a target
 * that names no state, an `initial` child that is missing) throws while the module loads; in the
 * other test files that fails the file before any test runs, which Stryker's vitest runner counts
 * as no failed test, so such a mutant would "survive". Imported inside a test here, it fails one.
 */
import { describe, expect, it } from 'vitest';
import { createActor, type AnyStateNode } from 'xstate';

/** Resolves every transition of `node` and its children (XState resolves targets lazily), counting them. */
function resolveAllTransitions(node: AnyStateNode): number {
  let count = 0;
  for (const definitions of node.transitions.values()) count += definitions.length;
  for (const child of Object.values(node.states)) count += resolveAllTransitions(child);
  return count;
}

describe('machines/ modules load and start', () => {
  it('the failover statechart: starts in primaryActive and every top state is reachable by name', async () => {
    const { failoverMachine } = await import('../../machines/executionFailover.js');
    const { DEFAULT_POLICY_SETTINGS } = await import('../../machines/policy.js');
    const actor = createActor(failoverMachine, { input: { settings: DEFAULT_POLICY_SETTINGS } }).start();
    expect(actor.getSnapshot().value).toBe('primaryActive');
    expect(actor.getSnapshot().status).toBe('active');
    expect(Object.keys(failoverMachine.root.states)).toEqual(['primaryActive', 'backup1Active', 'backup2Active', 'paused']);
    expect(Object.keys(failoverMachine.root.states.paused?.states ?? {})).toEqual(['holding', 'autoResuming']);
    // Targets such as `#failover.paused` only resolve when asked for; a bad one throws here.
    expect(resolveAllTransitions(failoverMachine.root)).toBeGreaterThan(50);
    actor.stop();
  });

  it('the role statechart: every transition resolves', async () => {
    const { roleMachine } = await import('../../machines/roles.js');
    expect(resolveAllTransitions(roleMachine.root)).toBeGreaterThan(5);
  });
});
