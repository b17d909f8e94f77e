/**
 * What the browser tests share: Debian's Chromium driven by playwright-core, a Redis client, the
 * service in-process with its inspector, and a page that records what it requested and what the
 * browser complained of. Everything a test opens is closed after it, so a failed assertion
 * leaves no browser context or service behind for the next test.
 */
import { Redis } from 'ioredis';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { startInspectedService, type StartedInspectedService } from './inspectedService.js';
import { deleteKeys, testRedisUrl, uniquePrefix } from './redis.js';
import { freePort } from './redisServer.js';
import { serviceKeys, type ServiceKeys } from './service.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
/** Generous: two cores may be busy with the rest of the suite; the page's lists refresh every 5 s. */
export const WAIT_MS = 20_000;

/** A page and everything it did that a test checks afterwards. */
export interface WatchedPage {
  readonly page: Page;
  readonly requests: string[];
  readonly consoleErrors: { readonly text: string; readonly url: string }[];
  readonly pageErrors: string[];
}

/** The browser, Redis and this test's keys, with what starts a service and opens its inspector. */
export interface BrowserFixture {
  readonly redis: Redis;
  /** Fresh for every test; services a test starts share them, as instances of one deployment do. */
  readonly keys: ServiceKeys;
  /** Starts the service on `port` (a free one by default) with the test's keys and `env`. */
  start(options?: { readonly port?: number; readonly env?: Readonly<Record<string, string>> }): Promise<StartedInspectedService>;
  /** Opens `${url}/inspect` in a new browser context. */
  openInspector(url: string): Promise<WatchedPage>;
}

/** Gives the page the admin token through its token form, once the page asks for one. */
export async function enterToken(page: Page, token: string): Promise<void> {
  await page.waitForSelector('#token-panel:not([hidden])', { timeout: WAIT_MS });
  await page.fill('#token-input', token);
  await page.click('#token-form button[type="submit"]');
}

/** Registers the hooks of a browser test file and answers its fixture; call it at the file's top level. */
export function useBrowser(): BrowserFixture {
  let browser: Browser | undefined;
  let redis: Redis | undefined;
  let keys: ServiceKeys | undefined;
  const services: StartedInspectedService[] = [];
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    redis = new Redis(testRedisUrl());
  });

  afterAll(async () => {
    await browser?.close();
    await redis?.quit();
  });

  beforeEach(() => {
    keys = serviceKeys(uniquePrefix());
  });

  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
    for (const service of services.splice(0)) await service.stop();
    if (redis !== undefined && keys !== undefined) await deleteKeys(redis, keys.prefix);
  });

  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not ready: useBrowser() hooks run around each test`);
    return value;
  };

  return {
    get redis() {
      return ready(redis, 'the Redis client');
    },
    get keys() {
      return ready(keys, "the test's keys");
    },
    async start(options = {}) {
      const port = options.port ?? (await freePort());
      const service = await startInspectedService({ redisUrl: testRedisUrl(), keys: ready(keys, "the test's keys"), port, env: options.env ?? {} });
      services.push(service);
      return service;
    },
    async openInspector(url) {
      const context = await ready(browser, 'the browser').newContext({ viewport: { width: 1440, height: 1024 }, reducedMotion: 'reduce' });
      contexts.push(context);
      const page = await context.newPage();
      const watched: WatchedPage = { page, requests: [], consoleErrors: [], pageErrors: [] };
      page.on('request', (request) => watched.requests.push(request.url()));
      page.on('console', (message) => {
        if (message.type() === 'error') watched.consoleErrors.push({ text: message.text(), url: message.location().url });
      });
      page.on('pageerror', (error) => watched.pageErrors.push(error.message));
      await page.goto(`${url}/inspect`);
      return watched;
    },
  };
}
