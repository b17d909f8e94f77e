import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../src/metrics.js';

// A full collection on demand, without starting the test process with --expose-gc.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('createMetrics', () => {
  it('keeps nothing of a service alive once the service lets its metrics go', async () => {
    // What a service's queue-depth reader holds (its queue, its engines' remembered fills).
    const held = (() => {
      const state = { fills: new Array(1000).fill('fill') };
      const metrics = createMetrics({ queueDepth: async () => state.fills.length });
      expect(metrics.registry.getSingleMetric('execution_queue_depth')).toBeDefined();
      return new WeakRef(state);
    })();
    await nextTurn();
    collectGarbage();
    await nextTurn();
    expect(held.deref()).toBeUndefined();
  });

  it("shows the process's own metrics beside the service's, once each, in every service's registry", async () => {
    const first = await createMetrics({ queueDepth: async () => 0 }).registry.metrics();
    const second = await createMetrics({ queueDepth: async () => 3 }).registry.metrics();
    for (const text of [first, second]) {
      expect(text.match(/^# TYPE nodejs_gc_duration_seconds /gm)).toHaveLength(1);
      expect(text.match(/^# TYPE process_cpu_seconds_total /gm)).toHaveLength(1);
    }
    expect(second).toMatch(/^execution_queue_depth 3$/m);
  });
});
