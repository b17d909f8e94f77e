/**
 * Oversized input gets a clear outcome: a signal over 64 KiB is `invalid` with a reason that says
 * so and its dead-letter entry keeps the first 64 KiB (parsed alone and end to end through the
 * memory queue and the execution manager; the Redis queues in test/signals/), an admin
 * body over 16 KiB gets 413 JSON over real HTTP however it is sent, and a huge header or URL gets a
 * 4xx while the server keeps serving.
 */
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_SETTINGS } from '../../machines/policy.js';
import { ExecutionManager } from '../../src/execution/manager.js';
import { MAX_ADMIN_BODY_BYTES } from '../../src/http/body.js';
import { createLogger } from '../../src/log.js';
import type { Alert } from '../../src/policy/alerts.js';
import { startPolicyRuntime } from '../../src/policy/runtime.js';
import { createMemoryQueue } from '../../src/signals/memoryQueue.js';
import { MAX_SIGNAL_BYTES, parseSignal } from '../../src/signals/signal.js';
import { HARNESS_START, startHttpHarness, type HttpHarness } from '../support/httpHarness.js';
import { TestClock } from '../support/testClock.js';

const KIB_64 = 64 * 1024;
const SIGNAL_START = '{"signal_id":"big-1","symbol":"AAPL","action":"BUY","quantity":10,"order_type":"MARKET","risk_meta":"';

/** A valid signal padded with `count` copies of `fill` inside a string field. */
function paddedSignal(fill: string, count: number): string {
  return `${SIGNAL_START}${fill.repeat(count)}"}`;
}

const utf8Bytes = (text: string): number => new TextEncoder().encode(text).length;

/** Polls `check` until it holds or the deadline passes; no fixed sleeps. */
async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('a signal over 64 KiB', () => {
  it('is 64 KiB', () => {
    expect(MAX_SIGNAL_BYTES).toBe(KIB_64);
  });

  it('is invalid without parsing, the reason giving its size and the limit; up to the limit it is read', () => {
    // One- to four-byte characters, and a lone surrogate (sent on as the three bytes of U+FFFD).
    const fill = fc.constantFrom('a', '\u00e9', '\u20ac', '\u{1f600}', '\ud800');
    const target = fc.oneof(fc.integer({ min: KIB_64 - 8, max: KIB_64 + 8 }), fc.integer({ min: 100, max: 4 * KIB_64 }));
    fc.assert(
      fc.property(fill, target, fc.boolean(), (char, bytes, broken) => {
        const count = Math.max(0, Math.floor((bytes - utf8Bytes(paddedSignal('', 0))) / utf8Bytes(char)));
        const whole = paddedSignal(char, count);
        // A broken tail shows the size is judged before the JSON is.
        const raw = broken ? whole.slice(0, -2) : whole;
        const size = utf8Bytes(raw);
        const parsed = parseSignal(raw);
        if (size > KIB_64) {
          expect(parsed).toEqual({ ok: false, signalId: '', reason: expect.stringContaining('64 KiB') });
          if (!parsed.ok) expect(parsed.reason).toContain(String(size));
        } else if (broken) {
          expect(parsed.ok).toBe(false);
          if (!parsed.ok) expect(parsed.reason).toMatch(/not valid JSON/);
        } else {
          expect(parsed.ok, `${size} bytes`).toBe(true);
        }
      }),
      { numRuns: 120 },
    );
  });

  it('is recorded invalid on the dead-letter stream by the execution manager, and no engine is asked', async () => {
    const clock = new TestClock(HARNESS_START);
    const alerts: Alert[] = [];
    const policy = startPolicyRuntime({
      settings: DEFAULT_POLICY_SETTINGS,
      effects: { alert: (alert) => alerts.push(alert), requestHealthCheck: () => {} },
      clock,
    });
    const queue = createMemoryQueue();
    // No engine at all: an oversized signal must never get as far as needing one.
    const manager = new ExecutionManager({
      queue,
      policy,
      engines: {},
      log: createLogger('silent'),
      alert: (alert) => alerts.push(alert),
      concurrency: 4,
      epoch: 1,
      clock,
      limits: { maxAttempts: 3, inDoubtTimeoutMs: 1000, inDoubtPollMs: 100, engineTimeoutMs: 1000 },
      takeBlockMs: 20,
    });
    const oversized = [paddedSignal('x', KIB_64), paddedSignal('\u{1f600}', KIB_64 / 4).slice(0, -1), `"${'y'.repeat(KIB_64 * 2)}"`];
    try {
      await manager.start();
      for (const raw of oversized) queue.push(raw);
      await until(() => queue.deadLetters().length === oversized.length, 'three dead letters');
      for (const raw of oversized) {
        // Each keeps its first 64 KiB, cut on a character boundary (the emoji one loses a split emoji).
        const entry = queue.deadLetters().find((letter) => letter.reason?.includes(`${utf8Bytes(raw)} bytes`) === true);
        expect(entry, 'a dead letter that gives its size').toBeDefined();
        expect(entry).toMatchObject({ outcome: 'invalid', signal_id: '', engine: '', attempts: '0' });
        expect(entry?.reason).toContain('64 KiB');
        const kept = entry?.signal ?? '';
        expect(raw.startsWith(kept)).toBe(true);
        expect(utf8Bytes(kept)).toBeGreaterThan(KIB_64 - 4);
        expect(utf8Bytes(kept)).toBeLessThanOrEqual(KIB_64);
      }
      expect(queue.events()).toEqual([]);
      expect(manager.stats()).toMatchObject({ executing: 0, settled: oversized.length });
      expect(policy.activeEngine()).toBe('lean_self_hosted');
      expect(alerts).toEqual([]);
    } finally {
      await manager.close();
      await queue.close();
      policy.stop();
    }
  });
});

// --- over real HTTP -------------------------------------------------------------------------------

interface Served {
  readonly harness: HttpHarness;
  readonly server: ServerType;
  readonly port: number;
}

const served: Served[] = [];

async function serveHarness(adminToken?: string): Promise<Served> {
  const harness = startHttpHarness(adminToken === undefined ? {} : { adminToken });
  const server = serve({ fetch: harness.app.fetch, hostname: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const entry = { harness, server, port };
  served.push(entry);
  return entry;
}

afterEach(async () => {
  for (const { harness, server } of served.splice(0)) {
    harness.stop();
    const closed = new Promise((resolve) => server.close(resolve));
    if ('closeAllConnections' in server) server.closeAllConnections();
    await closed;
  }
});

interface RawAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
}

/**
 * Sends a request with node:http, so a test decides exactly how the body goes out: in one piece
 * with a Content-Length, or in chunks without one.
 */
function send(port: number, options: { method?: string; path: string; headers?: Record<string, string>; chunks?: string[] }): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers: options.headers }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, contentType: response.headers['content-type'] ?? '', text }));
      response.on('error', reject);
    });
    request.on('error', reject);
    for (const chunk of options.chunks ?? []) request.write(chunk);
    request.end();
  });
}

function expectJsonError(answer: RawAnswer, status: number): string {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.contentType).toMatch(/^application\/json/);
  const json: unknown = JSON.parse(answer.text);
  expect(json).toEqual({ error: expect.any(String) });
  return (json as { error: string }).error;
}

const PAUSE = '/admin/execution/pause';
const overLimit = `{"reason":"too big"}${' '.repeat(MAX_ADMIN_BODY_BYTES)}`;

describe('an admin body over 16 KiB, over real HTTP', () => {
  it('gets 413 JSON when sent with a Content-Length, and changes nothing', async () => {
    const { port, harness } = await serveHarness();
    const answer = await send(port, {
      method: 'POST',
      path: PAUSE,
      headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(overLimit)) },
      chunks: [overLimit],
    });
    expect(expectJsonError(answer, 413)).toContain(String(MAX_ADMIN_BODY_BYTES));
    expect(harness.runtime.activeEngine()).toBe('lean_self_hosted');
  });

  it('gets 413 JSON when sent in chunks without a length, and changes nothing', async () => {
    const { port, harness } = await serveHarness('chunk-token');
    const chunks = overLimit.match(/[\s\S]{1,1000}/g) ?? [];
    const answer = await send(port, {
      method: 'POST',
      path: PAUSE,
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', authorization: 'Bearer chunk-token' },
      chunks,
    });
    expectJsonError(answer, 413);
    expect(harness.runtime.activeEngine()).toBe('lean_self_hosted');
  });

  it('is read at exactly 16 KiB', async () => {
    const { port } = await serveHarness();
    const atLimit = overLimit.slice(0, MAX_ADMIN_BODY_BYTES);
    const answer = await send(port, { method: 'POST', path: PAUSE, headers: { 'content-type': 'application/json' }, chunks: [atLimit] });
    expect(answer.status, answer.text).toBe(200);
    expect(JSON.parse(answer.text)).toMatchObject({ state: 'paused', paused_reason: 'too big' });
  });
});

describe('a huge header or URL', () => {
  it('gets a 4xx from the server, which keeps serving', async () => {
    const { port } = await serveHarness('header-token');
    const huge = 'h'.repeat(64 * 1024);
    const answers = [
      await send(port, { path: '/admin/execution-status', headers: { authorization: `Bearer ${huge}` } }),
      await send(port, { path: '/health', headers: { 'x-junk': huge } }),
      await send(port, { path: `/${huge}` }),
      await send(port, { path: `/admin/execution-status?${huge}` }),
    ];
    for (const answer of answers) expect(answer.status, answer.text.slice(0, 200)).toBeGreaterThanOrEqual(400);
    for (const answer of answers) expect(answer.status).toBeLessThan(500);
    expect((await send(port, { path: '/health' })).status).toBe(200);
  });

  it('gets a JSON 4xx from the app itself, at any size', async () => {
    const h = startHttpHarness({ adminToken: 'app-token' });
    try {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 1024 * 1024 }), fc.constantFrom('a', '%00', '\u00e9', '/'), async (length, char) => {
          const long = char.repeat(Math.ceil(length / char.length));
          const calls: [string, Record<string, string>, number][] = [
            [`/${long}`, {}, 404],
            [`/admin/execution-status?q=${long}`, { authorization: `Bearer ${long}` }, 401],
            ['/health', { 'x-junk': long }, 200],
          ];
          for (const [path, headers, status] of calls) {
            const response = await h.app.request(path, { headers });
            expect(response.status).toBe(status);
            expect(response.headers.get('content-type')).toMatch(/^application\/json/);
            expect(typeof JSON.parse(await response.text())).toBe('object');
          }
        }),
        { numRuns: 15 },
      );
    } finally {
      h.stop();
    }
  });
});
