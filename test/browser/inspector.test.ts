/**
 * The inspector in a real browser (playwright-core driving /usr/bin/chromium) against the service
 * in-process with `sim://` engines: the live view follows a failover caused from the page without
 * a reload, the controls work with the admin token, the simulation view plays a shipped scenario
 * exactly as `npm run simulate` prints it, nothing is requested outside the service, and the page
 * finds the service again after a restart. Saves the screenshot the README shows.
 */
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { topStateOf } from '../../machines/engines.js';
import { AUDIT_PATH } from '../../src/inspector/client/auditList.js';
import { POSITIONS_PATH } from '../../src/inspector/client/positionsTable.js';
import { STREAM_PATH } from '../../src/inspector/protocol.js';
import { runScenario } from '../../src/simulation/run.js';
import { formatReport } from '../../src/simulation/timeline.js';
import { loadScenario } from '../simulation/shippedScenarios.js';
import { WAIT_MS, enterToken, useBrowser } from '../support/browserPage.js';
import { freePort } from '../support/redisServer.js';
import { postJson, signalJson } from '../support/service.js';

/**
 * The README's screenshot is refreshed with `UPDATE_SCREENSHOTS=1`; other runs write to
 * `test-results/` so that `npm test` leaves the working tree as it found it.
 */
const SCREENSHOT = fileURLToPath(
  new URL(process.env.UPDATE_SCREENSHOTS === '1' ? '../../docs/inspector.png' : '../../test-results/inspector.png', import.meta.url),
);
const TOKEN = 'inspector-browser-test-token';

const browser = useBrowser();

/** Waits until the header names `state` and the live diagram highlights it, and no other top-level state. */
async function liveStateIs(page: Page, state: string): Promise<void> {
  await page.waitForFunction(
    (expected) => {
      const header = document.getElementById('state-name')?.textContent;
      const current = [...document.querySelectorAll('#live-diagram .sc-state.sc-top.current')].map((group) => group.getAttribute('data-state'));
      return header === expected && current.length === 1 && current[0] === expected;
    },
    state,
    { timeout: WAIT_MS },
  );
}

async function text(page: Page, selector: string): Promise<string> {
  return (await page.textContent(selector)) ?? '';
}

describe('the inspector in a browser', () => {
  it('follows a failover live, runs the controls and a simulation, and stays on the service', async () => {
    // A long recovery timeout keeps the picture still while the test looks at it.
    const service = await browser.start({ env: { ADMIN_TOKEN: TOKEN, EXECUTION_FAILOVER_TIMEOUT: '60' } });
    const { page, requests, consoleErrors, pageErrors } = await browser.openInspector(service.url);

    // The page holds no data until it has the token.
    await page.waitForSelector('#token-panel:not([hidden])', { timeout: WAIT_MS });
    expect(await text(page, '#state-name')).toBe('…');
    await enterToken(page, TOKEN);
    await liveStateIs(page, 'primaryActive');
    expect(await page.getAttribute('#connection', 'data-status')).toBe('live');
    expect(await page.isHidden('#token-panel')).toBe(true);
    expect(await page.isVisible('#token-clear')).toBe(true);

    // Make the primary fail from the page, then send signals: the policy trips to backup 1.
    await page.click('tr[data-engine="lean_self_hosted"] button[data-fault="fail"]');
    await page.waitForSelector('tr[data-engine="lean_self_hosted"] .faults-text[data-mode="fail"]', { timeout: WAIT_MS });
    for (let index = 0; index < 4; index += 1) await browser.redis.xadd(browser.keys.signalQueue, '*', 'signal', signalJson(`inspector-${index}`));
    await liveStateIs(page, 'backup1Active');
    expect(await text(page, '#transitions tbody tr:first-child')).toMatch(/primaryActive → backup1Active\s*threshold/);
    await page.waitForSelector('#event-log li[data-type="EXECUTION_FAILED"]', { timeout: WAIT_MS });
    expect(await page.getAttribute('tr[data-engine="lean_self_hosted"]', 'data-available')).toBe('false');
    expect(await page.getAttribute('tr[data-engine="quanttrader_pybroker"]', 'class')).toContain('active');

    // Pause and resume through the admin API, with the token the page holds.
    await page.fill('#pause-reason', 'inspector test');
    await page.click('#pause-button');
    await liveStateIs(page, 'paused');
    await page.click('#resume-button');
    await liveStateIs(page, 'backup1Active');
    expect(await text(page, '#transitions tbody tr:first-child')).toMatch(/paused → backup1Active\s*operator/);

    await mkdir(fileURLToPath(new URL('.', `file://${SCREENSHOT}`)), { recursive: true });
    // The clicks scrolled down to the controls below the diagram: the sticky header would be drawn there.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // The simulation view plays a shipped scenario in the page, as `npm run simulate` prints it.
    await page.click('#tab-sim');
    await page.waitForSelector('#sim-scenario option[value="flapping-primary.json"]', { state: 'attached', timeout: WAIT_MS });
    await page.selectOption('#sim-scenario', 'flapping-primary.json');
    await page.waitForFunction(() => document.getElementById('sim-message')?.textContent?.startsWith('Ready at t = 0 s'), null, { timeout: WAIT_MS });
    await page.click('#sim-step');
    expect(await text(page, '#sim-clock')).toBe('10 s');
    expect(await text(page, '#sim-timeline')).toContain('10 s  lean_self_hosted goes down');
    await page.click('#sim-run');
    const expected = formatReport(runScenario(loadScenario('flapping-primary.json')));
    await page.waitForFunction((report) => document.getElementById('sim-timeline')?.textContent === report, expected, { timeout: WAIT_MS });
    expect(await text(page, '#sim-message')).toMatch(/10\/10 expectations met/);
    const simulated = await page.$$eval('#sim-diagram .sc-state.current', (groups) => groups.map((group) => group.getAttribute('data-state')));
    expect(simulated).toEqual(['primaryActive']);

    // The simulation never touched the live service.
    expect(topStateOf(service.service.policy.state().value)).toBe('backup1Active');
    expect(await text(page, '#state-name')).toBe('backup1Active');

    // Forgetting the token ends the live view until a token is given again.
    await page.click('#token-clear');
    await page.waitForSelector('#token-panel:not([hidden])', { timeout: WAIT_MS });
    await page.waitForSelector('#connection[data-status="unauthorized"]', { timeout: WAIT_MS });

    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(requests.length).toBeGreaterThan(5);
    for (const url of requests) expect(url.startsWith(`${service.url}/`), url).toBe(true);
    for (const url of requests) expect(url).not.toContain(TOKEN);
  }, 60_000);

  it('says it is reconnecting while the service restarts, and recovers without a reload', async () => {
    const port = await freePort();
    const first = await browser.start({ port });
    const { page, consoleErrors, pageErrors } = await browser.openInspector(first.url);
    await liveStateIs(page, 'primaryActive');

    await first.stop();
    await page.waitForFunction(
      () => {
        const connection = document.getElementById('connection');
        return connection?.dataset.status === 'reconnecting' && (connection.textContent ?? '').includes('reconnecting');
      },
      null,
      { timeout: WAIT_MS },
    );

    const second = await browser.start({ port });
    await page.waitForFunction(() => document.getElementById('connection-text')?.textContent === 'live (the service restarted)', null, { timeout: WAIT_MS });
    const answer = await second.service.app.request('/admin/execution/switch', postJson({ engine: 'quanttrader_pybroker' }));
    expect(answer.status).toBe(200);
    await liveStateIs(page, 'backup1Active');

    expect(pageErrors).toEqual([]);
    // While the service was down, the browser reports each refused connection of the stream, and
    // of the two list reads (audit, positions) when their refresh came due in the outage.
    const readWhileLive = new Set([STREAM_PATH, new URL(AUDIT_PATH, first.url).pathname, POSITIONS_PATH]);
    const refusedRead = (error: { readonly text: string; readonly url: string }): boolean =>
      error.url !== '' && readWhileLive.has(new URL(error.url).pathname) && /ERR_CONNECTION_REFUSED|Failed to load/.test(error.text);
    expect(consoleErrors.filter((error) => !refusedRead(error))).toEqual([]);
    // Those lists are read again once live: neither card is left showing the outage's error.
    await page.waitForFunction(
      () => ['audit-note', 'positions-note'].every((id) => !(document.getElementById(id)?.textContent ?? '').includes('did not answer')),
      null,
      {
        timeout: WAIT_MS,
      },
    );
  }, 60_000);

  it('on a standby, says so and follows when the instance takes the lead', async () => {
    const lease = { LEADER_LEASE_SECONDS: '1' };
    const leader = await browser.start({ env: lease });
    const standby = await browser.start({ env: lease });
    expect(standby.service.role()).toBe('standby');
    const { page, consoleErrors, pageErrors } = await browser.openInspector(standby.url);
    await page.waitForSelector('#connection[data-status="standby"]', { timeout: WAIT_MS });
    expect(await text(page, '#state-name')).toBe('standby');
    expect(await page.$$('#live-diagram .sc-state.current')).toHaveLength(0);

    await leader.stop();
    await liveStateIs(page, 'primaryActive');
    expect(standby.service.role()).toBe('leader');
    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
  }, 60_000);
});
