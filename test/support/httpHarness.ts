/**
 * The HTTP app over a real policy runtime on a simulated clock, called through `app.request()`
 * (no sockets), with the alerts the policy raised kept for inspection.
 */
import type { Hono } from 'hono';
import type { EngineId } from '../../machines/engines.js';
import { DEFAULT_POLICY_SETTINGS, type PolicySettings } from '../../machines/policy.js';
import { createApp } from '../../src/http/app.js';
import { createLogger } from '../../src/log.js';
import { createMetrics, type Metrics } from '../../src/metrics.js';
import type { Alert } from '../../src/policy/alerts.js';
import { leaderControl, type PolicyControl } from '../../src/policy/control.js';
import { startPolicyRuntime, type PolicyRuntime } from '../../src/policy/runtime.js';
import { TestClock } from './testClock.js';

/** When every harness starts: an ordinary trading day, so ISO times are easy to read. */
export const HARNESS_START = Date.parse('2026-11-25T14:30:00.000Z');

/** What a harness is built with; everything has a default. */
export interface HttpHarnessOptions {
  readonly settings?: Partial<PolicySettings>;
  readonly adminToken?: string;
  /** What `/ready` hears about Redis; default: reachable. */
  readonly redisReady?: () => Promise<boolean>;
  readonly queueDepth?: () => Promise<number>;
  /** Replaces the leader control of the harness's runtime (a standby, for example). */
  readonly control?: (runtime: PolicyRuntime) => PolicyControl;
}

/** A running app with the runtime behind it. */
export interface HttpHarness {
  readonly app: Hono;
  readonly runtime: PolicyRuntime;
  readonly clock: TestClock;
  readonly metrics: Metrics;
  readonly settings: PolicySettings;
  /** Alerts the policy raised, oldest first. */
  readonly alerts: Alert[];
  /** Sends `count` execution failures of `engine` through the runtime. */
  fail(engine: EngineId, count: number): void;
  stop(): void;
}

/** Builds the app on a fresh runtime whose clock starts at `HARNESS_START`. */
export function startHttpHarness(options: HttpHarnessOptions = {}): HttpHarness {
  const clock = new TestClock(HARNESS_START);
  const settings: PolicySettings = { ...DEFAULT_POLICY_SETTINGS, ...options.settings };
  const alerts: Alert[] = [];
  const runtime = startPolicyRuntime({
    settings,
    effects: { alert: (alert) => alerts.push(alert), requestHealthCheck: () => {} },
    clock,
  });
  const metrics = createMetrics({ queueDepth: options.queueDepth ?? (async () => 0) });
  const app = createApp({
    control: options.control ? options.control(runtime) : leaderControl(runtime, 4),
    redisReady: options.redisReady ?? (async () => true),
    metrics: metrics.registry,
    adminToken: options.adminToken,
    log: createLogger('silent'),
  });
  return {
    app,
    runtime,
    clock,
    metrics,
    settings,
    alerts,
    fail(engine, count) {
      for (let i = 0; i < count; i++) runtime.send({ type: 'EXECUTION_FAILED', engine });
    },
    stop: () => runtime.stop(),
  };
}

/** A request as the tests write it. */
export interface HttpCall {
  readonly method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Sent as is when a string, as JSON otherwise. */
  readonly body?: unknown;
  /** Sent as `Authorization: Bearer <token>`. */
  readonly token?: string;
  readonly headers?: Record<string, string>;
}

/** An answer, its body read both as text and (when it is JSON) parsed. */
export interface HttpAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
  /** The parsed body; undefined when it is not JSON. */
  readonly json: unknown;
  readonly headers: Headers;
}

/** Calls the app in process. */
export async function callApp(app: Hono, path: string, call: HttpCall = {}): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...call.headers };
  if (call.token !== undefined) headers.authorization = `Bearer ${call.token}`;
  let body: string | undefined;
  if (call.body !== undefined) {
    body = typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await app.request(path, {
    method: call.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', text, json, headers: response.headers };
}
