/**
 * A real HTTP server on 127.0.0.1 (random port) whose every answer the test writes itself: for the
 * bridge adapter's handling of headers, statuses and bodies the fake bridge has no mode for.
 */
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** One request as the server saw it, body read to the end. */
export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** Answers one request; it may answer later, or never. */
export type Answerer = (request: SeenRequest, response: ServerResponse) => void;

/** A running scripted server. */
export interface ScriptedBridge {
  /** Base URL without a trailing slash. */
  readonly url: string;
  readonly requests: SeenRequest[];
  /** Replaces how requests are answered from now on. */
  answerWith(answerer: Answerer): void;
  /** Stops listening and destroys open connections. */
  close(): Promise<void>;
}

/** Answers `status` with `body`: text as is, anything else as JSON. */
export function reply(status: number, body: unknown = ''): Answerer {
  return (_request, response) => {
    const isText = typeof body === 'string';
    response.writeHead(status, { 'Content-Type': isText ? 'text/plain' : 'application/json' });
    response.end(isText ? body : JSON.stringify(body));
  };
}

export async function startScriptedBridge(answerer: Answerer = reply(200, {})): Promise<ScriptedBridge> {
  let answer = answerer;
  const requests: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const seen: SeenRequest = {
        method: request.method ?? 'GET',
        path: new URL(request.url ?? '/', 'http://scripted').pathname,
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(seen);
      answer(seen, response);
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('scripted bridge: no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    answerWith(next) {
      answer = next;
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
