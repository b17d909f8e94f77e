import { describe, expect, it } from 'vitest';
import { KeyedLanes } from '../../src/execution/lanes.js';

/** Lets every promise callback that is ready run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('KeyedLanes', () => {
  it('runs the tasks of one key in order and answers each its own result', async () => {
    const lanes = new KeyedLanes();
    const order: string[] = [];
    const first = lanes.run('AAPL', async () => {
      await settle();
      order.push('first');
      return 1;
    });
    const second = lanes.run('AAPL', () => {
      order.push('second');
      return Promise.resolve(2);
    });
    expect(await Promise.all([first, second])).toEqual([1, 2]);
    expect(order).toEqual(['first', 'second']);
  });

  it('hold: later tasks of the key wait until the release, other keys do not', async () => {
    const lanes = new KeyedLanes();
    const release = await lanes.hold('sig-1');
    const ran: string[] = [];
    const sameKey = lanes.run('sig-1', () => Promise.resolve(ran.push('sig-1')));
    const otherKey = lanes.run('sig-2', () => Promise.resolve(ran.push('sig-2')));
    await otherKey;
    await settle();
    expect(ran).toEqual(['sig-2']);

    release();
    await sameKey;
    expect(ran).toEqual(['sig-2', 'sig-1']);
    await settle();
    expect(lanes.size).toBe(0);
  });

  it('hold: a second holder of the key gets it only after the first releases', async () => {
    const lanes = new KeyedLanes();
    const releaseFirst = await lanes.hold('sig');
    let secondHeld = false;
    const second = lanes.hold('sig').then((release) => {
      secondHeld = true;
      return release;
    });
    await settle();
    expect(secondHeld).toBe(false);
    releaseFirst();
    (await second)();
    expect(secondHeld).toBe(true);
  });

  it('a failed task does not block the tasks queued behind it', async () => {
    const lanes = new KeyedLanes();
    const failed = lanes.run('k', () => Promise.reject(new Error('boom')));
    const next = lanes.run('k', () => Promise.resolve('ran'));
    await expect(failed).rejects.toThrow('boom');
    expect(await next).toBe('ran');
  });

  it('starts a task on an idle lane at once, and one behind another only after it', async () => {
    const lanes = new KeyedLanes();
    const started: string[] = [];
    let finishFirst = (): void => {};
    const first = lanes.run('k', () => {
      started.push('first');
      return new Promise<void>((resolve) => (finishFirst = resolve));
    });
    expect(started).toEqual(['first']);
    const second = lanes.run('k', () => Promise.resolve(started.push('second')));
    await settle();
    expect(started).toEqual(['first']);
    finishFirst();
    await Promise.all([first, second]);
    expect(started).toEqual(['first', 'second']);
    await settle();
    expect(lanes.size).toBe(0);
  });

  it('a task that throws before its first await rejects its run, and the lane goes on', async () => {
    const lanes = new KeyedLanes();
    const thrown = lanes.run('k', () => {
      throw new Error('at once');
    });
    await expect(thrown).rejects.toThrow('at once');
    expect(await lanes.run('k', () => Promise.resolve('next'))).toBe('next');
  });

  it('tryHold: holds an idle lane at once, and answers null while the lane is held or busy', async () => {
    const lanes = new KeyedLanes();
    const release = lanes.tryHold('sig');
    expect(release).not.toBeNull();
    expect(lanes.tryHold('sig')).toBeNull();
    let ran = false;
    const behind = lanes.run('sig', () => Promise.resolve((ran = true)));
    await settle();
    expect(ran).toBe(false);
    release?.();
    await behind;
    expect(ran).toBe(true);
    await settle();
    expect(lanes.tryHold('sig')).not.toBeNull();
  });
});
