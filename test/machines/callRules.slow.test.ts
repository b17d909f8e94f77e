/**
 * What counts as a slow call (DESIGN section 5): one answered after more than
 * `EXECUTION_SLOW_CALL_MS`; one answered in exactly that time is not slow.
 */
import { describe, expect, it } from 'vitest';
import { isSlow } from '../../machines/callRules.js';
import { DEFAULT_POLICY_SETTINGS } from '../../machines/policy.js';

const settings = { ...DEFAULT_POLICY_SETTINGS, slowCallMs: 4000 };

describe('a slow call', () => {
  it('takes more than EXECUTION_SLOW_CALL_MS: exactly that long is not slow', () => {
    expect(isSlow(settings, 3999)).toBe(false);
    expect(isSlow(settings, 4000)).toBe(false);
    expect(isSlow(settings, 4001)).toBe(true);
  });

  it('is never counted when slow calls are off, or the call has no duration', () => {
    expect(isSlow({ ...settings, slowCallMs: null }, 60_000)).toBe(false);
    expect(isSlow(settings, undefined)).toBe(false);
  });
});
