/**
 * The inspector's call windows and maintenance control in a real browser (playwright-core driving
 * /usr/bin/chromium) against the service in-process with `sim://` engines and real Redis: the
 * window figures follow the primary's calls, the page puts the primary into maintenance (execution
 * moves, the reason shows) and ends it, a refused request's error is said, and the simulation view
 * plays the shipped maintenance, flaky and slow scenarios.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { FAULTS_PATH } from '../../src/inspector/protocol.js';
import { WAIT_MS, enterToken, useBrowser } from '../support/browserPage.js';
import type { StartedInspectedService } from '../support/inspectedService.js';
import { postJson, signalJson } from '../support/service.js';

const TOKEN = 'engine-windows-browser-token';

const browser = useBrowser();

/** The cells of one engine's row of the windows table, as text. */
function windowRow(page: Page, engine: string): Promise<string[]> {
  return page.$$eval(`#engine-windows tr[data-engine="${engine}"] td`, (tds) => tds.map((td) => td.textContent ?? ''));
}

/** Waits until `engine`'s row satisfies `test`, then answers its cells. */
async function waitForRow(page: Page, engine: string, test: (cells: string[]) => boolean): Promise<string[]> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const cells = await windowRow(page, engine);
    if (test(cells)) return cells;
    if (Date.now() > deadline) throw new Error(`the row of ${engine} stayed ${JSON.stringify(cells)}`);
    await page.waitForFunction(
      ([selector, before]) => {
        const row = document.querySelector(selector);
        return row === null || row.textContent !== before;
      },
      [`#engine-windows tr[data-engine="${engine}"]`, cells.join('')] as const,
      { timeout: WAIT_MS },
    );
  }
}

async function activeEngine(started: StartedInspectedService): Promise<unknown> {
  const answer = await started.service.app.request('/admin/execution-status', { headers: { authorization: `Bearer ${TOKEN}` } });
  const body: unknown = await answer.json();
  return typeof body === 'object' && body !== null && 'active_engine' in body ? body.active_engine : undefined;
}

describe('call windows and maintenance in the inspector', () => {
  it('shows the window figures, puts an engine into maintenance and back, and plays the maintenance scenario', async () => {
    const started = await browser.start({
      // A failure-rate rule that cannot trip in this test (50 calls first), and no consecutive trip.
      env: { ADMIN_TOKEN: TOKEN, EXECUTION_FAILOVER_THRESHOLD: '100', EXECUTION_FAILURE_RATE_THRESHOLD: '50', EXECUTION_FAILURE_RATE_MIN_CALLS: '50' },
    });
    const { redis, keys } = browser;
    const auth = { authorization: `Bearer ${TOKEN}` };
    const { page, consoleErrors } = await browser.openInspector(started.url);
    await enterToken(page, TOKEN);

    const idle = await waitForRow(page, 'lean_self_hosted', (cells) => cells.length === 5);
    expect(idle).toEqual(['lean_self_hosted', '0 / 50', '— / 50 %', '— · off', '—']);
    expect(await page.textContent('#window-rules')).toBe('last 60 s; rules trip from 50 calls');

    // One call that succeeds, then one that fails: the figures follow.
    await redis.xadd(keys.signalQueue, '*', 'signal', signalJson('window-ok'));
    expect(await waitForRow(page, 'lean_self_hosted', (cells) => cells[1] === '1 / 50')).toEqual([
      'lean_self_hosted',
      '1 / 50',
      '0 % / 50 %',
      '0 % · off',
      '—',
    ]);
    const faulty = await started.service.app.request(`${FAULTS_PATH}/lean_self_hosted`, postJson({ fail_rate: 1 }, auth));
    expect(faulty.status).toBe(200);
    await redis.xadd(keys.signalQueue, '*', 'signal', signalJson('window-failed'));
    const failed = await waitForRow(page, 'lean_self_hosted', (cells) => cells[2] !== '0 % / 50 %');
    expect(failed[1]).toMatch(/^\d+ \/ 50$/);
    expect(failed[2]).toMatch(/^(5\d|[6-9]\d|100)(\.\d)? % \/ 50 %$/);
    expect(await page.getAttribute('#engine-windows tr[data-engine="lean_self_hosted"] td:nth-child(3)', 'class')).toBe('reached');
    expect(await activeEngine(started)).toBe('lean_self_hosted');
    await started.service.app.request(`${FAULTS_PATH}/lean_self_hosted`, postJson({ fail_rate: 0 }, auth));

    // A refused request: its error is said in the page.
    await page.fill('#maintenance-reason', 'too late');
    await page.fill('#maintenance-until', '2020-01-01T00:00');
    await page.click('#maintenance-button');
    await page.waitForSelector('#maintenance-message[data-kind="error"]', { timeout: WAIT_MS });
    expect(await page.textContent('#maintenance-message')).toMatch(
      /^maintenance of lean_self_hosted: until: \S+ has passed; give a time in the future or leave it out$/,
    );
    expect(await activeEngine(started)).toBe('lean_self_hosted');

    // Maintenance from the page: execution moves, the reason shows; ending it clears it.
    await page.fill('#maintenance-until', '');
    await page.selectOption('#maintenance-engine', 'lean_self_hosted');
    await page.fill('#maintenance-reason', 'gateway restart');
    await page.click('#maintenance-button');
    const inMaintenance = await waitForRow(page, 'lean_self_hosted', (cells) => cells[4] !== '—');
    expect(inMaintenance[4]).toBe('gateway restart (no end set) end');
    expect(await page.textContent('#maintenance-message')).toBe('maintenance of lean_self_hosted: done → quanttrader_pybroker');
    expect(await activeEngine(started)).toBe('quanttrader_pybroker');
    await page.waitForFunction(() => document.getElementById('state-name')?.textContent === 'backup1Active', null, { timeout: WAIT_MS });
    await page.click('#engine-windows button[data-end="lean_self_hosted"]');
    expect((await waitForRow(page, 'lean_self_hosted', (cells) => cells[4] === '—'))[4]).toBe('—');
    expect(await page.isVisible('#engine-windows button[data-end]')).toBe(false);
    expect(await page.textContent('#maintenance-message')).toMatch(/^end of lean_self_hosted's maintenance: done/);

    // The simulation view lists the new scenarios and plays their entries.
    await page.click('#tab-sim');
    await page.waitForSelector('#sim-scenario option[value="nightly-gateway-restart.json"]', { timeout: WAIT_MS, state: 'attached' });
    const files = await page.$$eval('#sim-scenario option', (options) => options.map((option) => option.getAttribute('value')));
    expect(files).toEqual(expect.arrayContaining(['nightly-gateway-restart.json', 'flaky-primary.json', 'slow-primary.json']));
    const played: Record<string, readonly string[]> = {
      'nightly-gateway-restart.json': [
        'operator maintenance of lean_self_hosted (reason: nightly gateway restart, until 330 s)',
        'primaryActive -> backup1Active (maintenance)',
        '(maintenance_over)',
      ],
      'flaky-primary.json': ['lean_self_hosted goes flaky', 'primaryActive -> backup1Active (failure_rate)'],
      'slow-primary.json': ['lean_self_hosted goes slow (4000 ms)', 'primaryActive -> backup1Active (slow_calls)'],
    };
    for (const [file, lines] of Object.entries(played)) {
      await page.selectOption('#sim-scenario', file);
      await page.waitForFunction(
        (name) => (document.getElementById('sim-text') as HTMLTextAreaElement | null)?.value.includes(name) ?? false,
        file === 'nightly-gateway-restart.json' ? 'Nightly gateway restart' : file === 'flaky-primary.json' ? 'Flaky primary' : 'Slow primary',
        { timeout: WAIT_MS },
      );
      await page.click('#sim-run');
      await page.waitForFunction(() => document.getElementById('sim-message')?.textContent?.startsWith('Done at') ?? false, null, { timeout: WAIT_MS });
      const timeline = (await page.textContent('#sim-timeline')) ?? '';
      for (const line of lines) expect(timeline, file).toContain(line);
      expect(await page.getAttribute('#sim-message', 'data-kind'), file).toBe('ok');
    }

    // The one refused request above is all the browser complains of.
    expect(consoleErrors.map((error) => error.text)).toEqual(['Failed to load resource: the server responded with a status of 400 (Bad Request)']);
  }, 120_000);
});
