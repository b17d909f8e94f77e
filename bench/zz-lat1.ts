import { Redis } from 'ioredis';
import { startPrivateRedis } from '../test/support/redisServer.js';
import { baselineLatency, serviceLatency } from './latency.js';
const server = await startPrivateRedis();
const admin = new Redis(server.url);
const which = process.argv[2] ?? 'service';
for (let i = 0; i < 2; i++) {
  await admin.flushall();
  const run = which === 'service' ? serviceLatency : baselineLatency;
  const r = await run({ redisUrl: server.url, runId: `zz-${i}`, rate: 1000, durationMs: 10000, symbols: 1000, concurrency: 8, timeoutMs: 30000 });
  console.log(which, i, 'p50', r.toEngine.p50.toFixed(2), 'p99', r.toEngine.p99.toFixed(2), 'p999', r.toEngine.p999.toFixed(2));
}
admin.disconnect(); await server.stop();
