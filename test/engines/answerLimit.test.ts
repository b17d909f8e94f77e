/**
 * The HTTP bridge reads answers up to 1 MiB (contract section 4), against real servers streaming
 * bodies of every size: a longer 2xx is still executed, a longer error body is cut, and nothing
 * past the cap is read or buffered. In a file of its own, so its memory measure sees no other test.
 */
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ANSWER_LIMIT_BYTES } from '../../src/engines/boundedBody.js';
import { createHttpBridge } from '../../src/engines/httpBridge.js';
import type { EngineCall, ExecutionEngine } from '../../src/engines/types.js';
import type { Signal } from '../../src/signals/signal.js';
import { reply, startScriptedBridge, type Answerer, type ScriptedBridge } from './scriptedBridge.js';

const MiB = 1_048_576;
const CALL: EngineCall = { epoch: 3 };
/** Long enough that an answer read to the end, rather than to the cap, would show in the timing. */
const TIMEOUT_MS = 30_000;

const servers: ScriptedBridge[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function server(answerer: Answerer): Promise<ScriptedBridge> {
  const started = await startScriptedBridge(answerer);
  servers.push(started);
  return started;
}

function client(url: string, timeoutMs = TIMEOUT_MS): ExecutionEngine {
  return createHttpBridge({ id: 'lean_self_hosted', url, timeoutMs });
}

let signalCount = 0;
function signal(): Signal {
  signalCount += 1;
  return { signal_id: `big-${signalCount}`, symbol: 'AAPL', action: 'BUY', quantity: 1, order_type: 'MARKET' };
}

/** How a streamed answer ended, as the server saw it. */
interface StreamEnd {
  /** Bytes handed to the socket before the connection closed. */
  readonly written: number;
  /** Whether the whole body was written. */
  readonly finished: boolean;
}

/**
 * Answers `status` with `totalBytes` of `a` (endless, chunked, for `Infinity`), written as fast as
 * the client takes them; `ended` resolves when the connection closes.
 */
function streaming(status: number, totalBytes: number): { answerer: Answerer; ended: Promise<StreamEnd> } {
  let resolveEnd: (end: StreamEnd) => void = () => undefined;
  const ended = new Promise<StreamEnd>((resolve) => {
    resolveEnd = resolve;
  });
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const answerer: Answerer = (_request, response: ServerResponse) => {
    let written = 0;
    response.on('close', () => resolveEnd({ written, finished: response.writableFinished }));
    response.writeHead(status, {
      'Content-Type': 'text/plain',
      ...(Number.isFinite(totalBytes) ? { 'Content-Length': String(totalBytes) } : {}),
    });
    const pump = (): void => {
      while (written < totalBytes && !response.destroyed) {
        const size = Math.min(chunk.length, totalBytes - written);
        written += size;
        // Wait for the client to take what was written, as a real server would.
        if (!response.write(size === chunk.length ? chunk : chunk.subarray(0, size))) {
          response.once('drain', pump);
          return;
        }
      }
      if (!response.destroyed) response.end();
    };
    pump();
  };
  return { answerer, ended };
}

/** A JSON object of exactly `bytes` bytes. */
function jsonOfSize(bytes: number): string {
  const frame = '{"pad":""}';
  return `{"pad":"${'x'.repeat(bytes - frame.length)}"}`;
}

describe('HTTP bridge: answers over 1 MiB', () => {
  it('executes on a 400 MiB 2xx, reporting it truncated, without reading or holding the rest', async () => {
    const body = streaming(200, 400 * MiB);
    const bridge = await server(body.answerer);
    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();
    const result = await client(bridge.url).execute(signal(), CALL);
    const elapsedMs = performance.now() - started;
    const rssGrowth = process.memoryUsage().rss - rssBefore;
    const end = await body.ended;

    expect(result).toEqual({ kind: 'executed', report: { truncated: true }, latencyMs: expect.any(Number) });
    expect(end.finished).toBe(false);
    // What the socket buffers hold on both sides, not the 400 MiB.
    expect(end.written).toBeLessThan(64 * MiB);
    expect(rssGrowth).toBeLessThan(64 * MiB);
    expect(elapsedMs).toBeLessThan(5000);
  });

  it('executes on an endless 2xx, and the server sees the connection close', async () => {
    const body = streaming(201, Number.POSITIVE_INFINITY);
    const bridge = await server(body.answerer);
    const result = await client(bridge.url).execute(signal(), CALL);
    expect(result).toMatchObject({ kind: 'executed', report: { truncated: true } });
    expect(await body.ended).toMatchObject({ finished: false });
  });

  it('reads a body of exactly 1 MiB whole', async () => {
    const text = jsonOfSize(ANSWER_LIMIT_BYTES);
    expect(Buffer.byteLength(text)).toBe(1_048_576);
    const bridge = await server(reply(200, text));
    const result = await client(bridge.url).execute(signal(), CALL);
    expect(result).toEqual({ kind: 'executed', report: JSON.parse(text), latencyMs: expect.any(Number) });
  });

  it('reports a body one byte over 1 MiB truncated', async () => {
    const bridge = await server(reply(200, jsonOfSize(ANSWER_LIMIT_BYTES + 1)));
    expect(await client(bridge.url).execute(signal(), CALL)).toMatchObject({ kind: 'executed', report: { truncated: true } });
  });

  it('fails, not placed, on an oversized 500, with a reason that says the answer was cut', async () => {
    const body = streaming(500, 50 * MiB);
    const bridge = await server(body.answerer);
    const result = await client(bridge.url).execute(signal(), CALL);
    expect(result).toEqual({
      kind: 'failed',
      unknownOutcome: false,
      reason: 'HTTP 500 Internal Server Error (answer cut at 1048576 bytes)',
    });
    expect(await body.ended).toMatchObject({ finished: false });
  });

  it('rejects on an oversized 422 with the body cut at 1 MiB as its report', async () => {
    const body = streaming(422, 8 * MiB);
    const bridge = await server(body.answerer);
    const result = await client(bridge.url).execute(signal(), CALL);
    expect(result).toEqual({
      kind: 'rejected',
      status: 422,
      reason: 'HTTP 422 Unprocessable Entity (answer cut at 1048576 bytes)',
      report: 'a'.repeat(ANSWER_LIMIT_BYTES),
    });
  });

  it('is in progress on an oversized 409, which cannot be read as a fence', async () => {
    const bridge = await server(streaming(409, 4 * MiB).answerer);
    expect(await client(bridge.url).execute(signal(), CALL)).toEqual({
      kind: 'in_progress',
      reason: 'HTTP 409: in progress (answer cut at 1048576 bytes)',
    });
  });

  it('finds an order on a lookup 200 over 1 MiB, reporting it truncated', async () => {
    const body = streaming(200, Number.POSITIVE_INFINITY);
    const bridge = await server(body.answerer);
    expect(await client(bridge.url).lookup('sig-1', CALL)).toEqual({ kind: 'executed', report: { truncated: true } });
    expect(await body.ended).toMatchObject({ finished: false });
  });

  it('is healthy on a health 200 over 1 MiB, reading no more of it', async () => {
    const body = streaming(200, Number.POSITIVE_INFINITY);
    const bridge = await server(body.answerer);
    expect(await client(bridge.url).health(CALL)).toBe(true);
    expect(await body.ended).toMatchObject({ finished: false });
  });
});

describe('HTTP bridge: the deadline covers the body', () => {
  /** Sends the status line and part of a body, then nothing more. */
  function stalling(status: number): Answerer {
    return (_request, response) => {
      response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': '1000' });
      response.write('{"order_id":');
    };
  }

  it('fails with an unknown outcome when a 2xx body is still coming at the deadline', async () => {
    const bridge = await server(stalling(200));
    expect(await client(bridge.url, 300).execute(signal(), CALL)).toEqual({
      kind: 'failed',
      unknownOutcome: true,
      reason: 'no answer within 300 ms',
    });
  });

  it('trusts the status of a 503 whose body is still coming at the deadline: not placed', async () => {
    const bridge = await server(stalling(503));
    expect(await client(bridge.url, 300).execute(signal(), CALL)).toEqual({
      kind: 'failed',
      unknownOutcome: false,
      reason: 'HTTP 503 Service Unavailable',
    });
  });
});
