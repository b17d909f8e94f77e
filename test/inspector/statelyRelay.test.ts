/**
 * INSPECT_WS_URL: the failover actor's inspection events go to a Stately inspector relay through
 * `@statelyai/inspect`'s WebSocket inspector (here a local WebSocket server), alongside the page's
 * event log; a failing receiver never disturbs the actor.
 */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_SETTINGS } from '../../machines/policy.js';
import { createInspector, type Inspector } from '../../src/inspector/index.js';
import { relayUrlForLog, type WebSocketInspectorFactory } from '../../src/inspector/statelyRelay.js';
import { createLogger } from '../../src/log.js';
import { startPolicyRuntime, type PolicyRuntime } from '../../src/policy/runtime.js';
import { eventually } from '../support/service.js';
import { TestClock } from '../support/testClock.js';
import { startWebSocketSink, type WebSocketSink } from '../support/webSocketSink.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function capturedLog(): { log: ReturnType<typeof createLogger>; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const text of chunk.toString().split('\n')) if (text.trim() !== '') lines.push(JSON.parse(text) as Record<string, unknown>);
      callback();
    },
  });
  return { log: createLogger('info', sink), lines };
}

function watchedRuntime(inspector: Inspector): PolicyRuntime {
  const clock = new TestClock();
  const runtime = startPolicyRuntime({
    settings: { ...DEFAULT_POLICY_SETTINGS, failureThreshold: 2 },
    effects: { alert: () => {}, requestHealthCheck: () => {} },
    clock,
    inspect: inspector.inspect,
  });
  cleanups.push(() => runtime.stop());
  return runtime;
}

async function sink(): Promise<WebSocketSink> {
  const started = await startWebSocketSink();
  cleanups.push(() => started.close());
  return started;
}

/** The relay's messages as JSON. */
function relayed(relay: WebSocketSink): { type?: unknown; event?: { type?: unknown; engine?: unknown } }[] {
  return relay.messages.map((text) => JSON.parse(text) as { type?: unknown; event?: { type?: unknown; engine?: unknown } });
}

describe('the Stately inspector relay (INSPECT_WS_URL)', () => {
  it('receives the actor inspection events over WebSocket, and the page log gets them too', async () => {
    const relay = await sink();
    const { log, lines } = capturedLog();
    const inspector = createInspector({ config: { inspectWsUrl: relay.url, adminToken: undefined }, log });
    cleanups.push(() => inspector.stop());
    const runtime = watchedRuntime(inspector);
    runtime.send({ type: 'EXECUTION_FAILED', engine: 'lean_self_hosted' });

    const failed = await eventually('the relay to receive EXECUTION_FAILED', () =>
      relayed(relay).find((message) => message.type === '@xstate.event' && message.event?.type === 'EXECUTION_FAILED'),
    );
    expect(failed.event?.engine).toBe('lean_self_hosted');
    expect(relayed(relay).some((message) => message.type === '@xstate.actor')).toBe(true);
    expect(inspector.log.entries().some((entry) => entry.type === 'EXECUTION_FAILED')).toBe(true);
    expect(lines.some((line) => String(line.msg).includes('INSPECT_WS_URL') && line.relay === relay.url + '/')).toBe(true);

    inspector.stop();
    await eventually('the relay connection to close', () => relay.connections().open === 0);
    expect(relay.connections().opened).toBe(1);
  });

  it('is not created without INSPECT_WS_URL', () => {
    let created = 0;
    const factory: WebSocketInspectorFactory = () => {
      created += 1;
      return { inspect: {}, stop: () => {} };
    };
    const inspector = createInspector({ config: { inspectWsUrl: undefined, adminToken: undefined }, log: createLogger('silent'), relayFactory: factory });
    watchedRuntime(inspector).send({ type: 'EXECUTION_FAILED', engine: 'lean_self_hosted' });
    expect(created).toBe(0);
    expect(inspector.log.entries().some((entry) => entry.type === 'EXECUTION_FAILED')).toBe(true);
  });

  it('never lets a failing receiver disturb the actor or the other receivers, and says so once', () => {
    const { log, lines } = capturedLog();
    const factory: WebSocketInspectorFactory = () => ({
      inspect: {
        next: () => {
          throw new Error('relay exploded');
        },
      },
      stop: () => {},
    });
    const inspector = createInspector({ config: { inspectWsUrl: 'ws://127.0.0.1:9/', adminToken: undefined }, log, relayFactory: factory });
    const runtime = watchedRuntime(inspector);
    runtime.send({ type: 'EXECUTION_FAILED', engine: 'lean_self_hosted' });
    runtime.send({ type: 'EXECUTION_FAILED', engine: 'lean_self_hosted' });

    expect(runtime.state().value).toEqual({ backup1Active: 'waiting' });
    expect(inspector.log.entries().find((entry) => entry.type === 'EXECUTION_FAILED')?.count).toBe(2);
    const warnings = lines.filter((line) => line.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ receiver: 'Stately relay' });
  });

  it('logs the relay URL without credentials or query', () => {
    expect(relayUrlForLog('wss://user:secret@relay.example:8443/inspect?key=abc')).toBe('wss://relay.example:8443/inspect');
  });
});
