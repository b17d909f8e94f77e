/**
 * The inspector's operator actions and positions in a real browser (playwright-core driving
 * /usr/bin/chromium) against the service in-process with `sim://` engines and real Redis: the
 * page's own pause and resume, and a refused switch sent by someone else, appear in the list of
 * operator actions; an executed BUY appears in the positions table under the engine that holds
 * it. Every request stays on the service, and the token is never in a URL.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { WAIT_MS, enterToken, useBrowser } from '../support/browserPage.js';
import { postJson, signalJson } from '../support/service.js';

const TOKEN = 'operator-panels-browser-token';

const browser = useBrowser();

/** The cells of the table's body rows, as text. */
function rows(page: Page, table: string): Promise<string[][]> {
  return page.$$eval(`#${table} tbody tr`, (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
}

describe('operator actions and positions in the inspector', () => {
  it('lists the audit stream newest first and shows which engine holds what', async () => {
    const { redis, keys } = browser;
    const service = await browser.start({ env: { ADMIN_TOKEN: TOKEN, AUDIT_STREAM: `${keys.prefix}audit`, EXECUTION_POSITION_AFFINITY: 'true' } });
    const { page, requests, consoleErrors } = await browser.openInspector(service.url);
    await page.waitForSelector('#token-panel:not([hidden])', { timeout: WAIT_MS });
    // Nothing is read before the page has the token.
    expect(await page.textContent('#audit-note')).toBe('Not read yet.');
    await enterToken(page, TOKEN);
    await page.waitForFunction(() => document.getElementById('audit-note')?.textContent === 'No operator action yet.', null, { timeout: WAIT_MS });
    // The two lists are read at once, and either answer may come first.
    await page.waitForFunction(() => document.getElementById('positions-note')?.textContent !== 'Not read yet.', null, { timeout: WAIT_MS });
    expect(await page.textContent('#positions-note')).toBe('No engine holds a position (or EXECUTION_POSITION_AFFINITY is off: no ledger is kept).');
    expect(await page.$$eval('#positions thead th', (ths) => ths.map((th) => th.textContent))).toEqual([
      'strategy',
      'symbol',
      'lean_self_hosted',
      'quanttrader_pybroker',
      'nautilus_trader',
    ]);

    // The page's own controls, then a refused switch from elsewhere (the API, as curl would).
    await page.fill('#pause-reason', 'browser audit');
    await page.click('#pause-button');
    await page.waitForSelector('#audit tbody tr[data-action="pause"]', { timeout: WAIT_MS });
    await page.click('#resume-button');
    await page.waitForSelector('#audit tbody tr:first-child[data-action="resume"]', { timeout: WAIT_MS });
    const refused = await service.service.app.request('/admin/execution/switch', postJson({ engine: 'nowhere' }, { authorization: `Bearer ${TOKEN}` }));
    expect(refused.status).toBe(400);
    await page.waitForSelector('#audit tbody tr:first-child[data-action="switch"]', { timeout: WAIT_MS });
    const audit = await rows(page, 'audit');
    expect(audit.map((cells) => cells.slice(1, 3))).toEqual([
      ['switch', 'refused'],
      ['resume', 'ok'],
      ['pause', 'ok'],
    ]);
    expect(audit[0]?.[4]).toMatch(/^engine: nowhere · 400: unknown engine "nowhere"/);
    expect(audit[2]?.[3]).toBe('127.0.0.1');
    expect(audit[2]?.[4]).toBe('reason: browser audit');
    expect(await page.isHidden('#audit-note')).toBe(true);

    // A BUY executes on the primary: the table shows it there.
    await redis.xadd(keys.signalQueue, '*', 'signal', signalJson('panel-buy', { action: 'BUY', quantity: 12, strategy_id: 'momentum', symbol: 'MSFT' }));
    await page.waitForSelector('#positions tbody tr[data-pair="momentum/MSFT"]', { timeout: WAIT_MS });
    expect(await rows(page, 'positions')).toEqual([['momentum', 'MSFT', '12', '0', '0']]);
    expect(await page.getAttribute('#positions tr[data-pair="momentum/MSFT"] td[data-engine="lean_self_hosted"]', 'class')).toBe('amount long');
    expect(await page.isHidden('#positions-note')).toBe(true);

    expect(consoleErrors).toEqual([]);
    for (const url of requests) expect(url.startsWith(`${service.url}/`), url).toBe(true);
    for (const url of requests) expect(url).not.toContain(TOKEN);
    expect(requests.some((url) => url.endsWith('/admin/audit?count=20'))).toBe(true);
  }, 90_000);
});
