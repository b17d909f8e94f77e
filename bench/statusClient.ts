/**
 * The status client, run as a child process so that its own work does not sit on the service's
 * event loop: `GET /admin/execution-status` one request at a time over a kept-alive connection,
 * from the parent's `start` message until its `stop` message, at most `maxRequests` times.
 *
 * Usage (by bench/status.ts): statusClient.ts <url> <maxRequests> <maxMs>
 */
import http from 'node:http';
import { disconnectFromParent, hasType, sendToParent } from './childProcess.js';
import { nowMs } from './timing.js';

function get(agent: http.Agent, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = nowMs();
    const request = http.get(url, { agent }, (response) => {
      response.resume();
      response.on('end', () => {
        if (response.statusCode !== 200) reject(new Error(`GET ${url} answered ${response.statusCode}`));
        else resolve(nowMs() - started);
      });
    });
    request.on('error', (error) => reject(new Error(`GET ${url} failed`, { cause: error })));
  });
}

async function main(): Promise<void> {
  const [base, maxRequestsText, maxMsText] = process.argv.slice(2);
  if (base === undefined || maxRequestsText === undefined || maxMsText === undefined) {
    throw new Error('Usage: statusClient.ts <url> <maxRequests> <maxMs>');
  }
  const url = `${base}/admin/execution-status`;
  const maxRequests = Number(maxRequestsText);
  const maxMs = Number(maxMsText);
  let stopped = false;
  let started = false;
  const go = new Promise<void>((resolve) => {
    process.on('message', (message: unknown) => {
      if (hasType(message, 'start')) {
        started = true;
        resolve();
      }
      if (hasType(message, 'stop')) {
        stopped = true;
        resolve();
      }
    });
  });
  await sendToParent({ type: 'ready' });
  await go;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const latencies: number[] = [];
  const deadline = nowMs() + maxMs;
  try {
    while (started && !stopped && latencies.length < maxRequests && nowMs() < deadline) {
      latencies.push(await get(agent, url));
    }
  } finally {
    agent.destroy();
  }
  await sendToParent({ type: 'latencies', latencies });
  disconnectFromParent();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
  disconnectFromParent();
});
