/**
 * A real alert webhook for tests: a `node:http` server on 127.0.0.1 that records every request and
 * answers each with the next scripted reply (a status, or hanging without an answer).
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Server } from 'node:net';
import { performance } from 'node:perf_hooks';

/** How the webhook answers one request: an HTTP status, or never. */
export type WebhookReply = number | 'hang';

/** One request as the webhook saw it. */
export interface WebhookRequest {
  readonly method: string;
  readonly path: string;
  readonly contentType: string | undefined;
  /** Parsed JSON, or the raw text when it is not JSON. */
  readonly body: unknown;
  /** `performance.now()` when the request was complete. */
  readonly receivedAt: number;
}

/** A running webhook. */
export interface WebhookServer {
  readonly url: string;
  readonly requests: WebhookRequest[];
  /** Closes the server, cutting hanging requests. */
  close(): Promise<void>;
}

function portOf(server: Pick<Server, 'address'>): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the test server has no TCP port');
  return address.port;
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Starts a webhook that answers the n-th request with `replies[n]`, and every request after the
 * script with its last entry (200 when the script is empty).
 */
export async function startWebhookServer(replies: readonly WebhookReply[] = []): Promise<WebhookServer> {
  const requests: WebhookRequest[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const reply = replies[requests.length] ?? replies.at(-1) ?? 200;
      requests.push({
        method: request.method ?? '',
        path: request.url ?? '',
        contentType: request.headers['content-type'],
        body: parseBody(Buffer.concat(chunks).toString('utf8')),
        receivedAt: performance.now(),
      });
      if (reply === 'hang') return;
      response.writeHead(reply, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ ok: reply < 300 }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = portOf(server);
  return {
    url: `http://127.0.0.1:${port}/hooks/alerts`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A webhook URL on which nothing listens (connection refused): a port bound once, then released. */
export async function refusingWebhookUrl(): Promise<string> {
  const server = createTcpServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = portOf(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/hooks/alerts`;
}
