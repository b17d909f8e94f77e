/**
 * Serves a Hono app over real HTTP on 127.0.0.1 and a free port, for tests of clients that talk
 * to the service over the network (the command line) rather than through `app.request()`.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';

/** A served app: its base URL, and a close that also ends kept-alive connections. */
export interface ServedApp {
  readonly url: string;
  close(): Promise<void>;
}

export async function serveApp(app: Hono): Promise<ServedApp> {
  const server = await new Promise<Server>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(started as Server));
    started.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        // fetch keeps connections alive: without this, close waits for them to time out.
        server.closeAllConnections();
      }),
  };
}
