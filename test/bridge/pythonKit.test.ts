/**
 * The Python kit's own unit tests (bridge/python/tests, standard-library unittest), run as part of
 * npm test: the store, orders in doubt, the fence across a restart, signal validation.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { requirePython, ROOT } from '../support/bridgeProcess.js';

describe('the Python bridge kit', () => {
  it('passes its unittest suite', () => {
    requirePython();
    const run = spawnSync('python3', ['-m', 'unittest', 'discover', '-s', path.join(ROOT, 'bridge/python/tests'), '-v'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    // unittest reports on stderr; shown whole when it fails.
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^OK$/m);
  });
});
