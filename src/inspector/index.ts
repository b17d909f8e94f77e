/**
 * The inspector, as `main.ts` and `demo.ts` plug it into the service: `startService` takes its
 * `inspect` and `extendApp`.
 *
 * - `inspect` receives the failover actor's inspection events: they feed the page's event log and,
 *   with `INSPECT_WS_URL` set, a Stately inspector relay.
 * - `extendApp` mounts `GET /inspect` and its endpoints (see `routes.ts`), reading the running
 *   service's policy and engines.
 */
import { randomUUID } from 'node:crypto';
import type { Hono } from 'hono';
import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../log.js';
import type { RunningService } from '../service/service.js';
import { clientAssets } from './assets.js';
import { composeInspect, type InspectCallback } from './composeInspect.js';
import { InspectionLog } from './eventLog.js';
import { LiveFeed } from './liveFeed.js';
import { mountInspector } from './routes.js';
import { scenarioFiles } from './scenarioFiles.js';
import { createStatelyRelay, type StatelyRelay, type WebSocketInspectorFactory } from './statelyRelay.js';

/** How the inspector is built. */
export interface InspectorOptions {
  /** The service's configuration: `adminToken`, `inspectWsUrl` and `inspectMaxClients` are read. */
  readonly config: Pick<Config, 'adminToken' | 'inspectWsUrl'> & Partial<Pick<Config, 'inspectMaxClients'>>;
  readonly log: Logger;
  /** The directory of the scenario files the page offers; default `statecharts/scenarios/`. */
  readonly scenarioDir?: string;
  /** The clock of the live feed; default the system clock, tests pass their own. */
  readonly clock?: Clock;
  /** Builds the Stately relay's WebSocket inspector; default `@statelyai/inspect`'s. */
  readonly relayFactory?: WebSocketInspectorFactory;
}

/** The inspector; `startService` takes its `inspect` and `extendApp`. */
export interface Inspector {
  /** `startService`'s `inspect` option. */
  readonly inspect: InspectCallback;
  /** Mounts the routes on the service's app; it has the signature of `startService`'s `extendApp`. */
  readonly extendApp: (app: Hono, service: RunningService) => void;
  /** The event log the page shows. */
  readonly log: InspectionLog;
  /** Ends the pages' live streams (they reconnect) and closes the Stately relay. */
  stop(): void;
}

/** Builds the inspector; nothing is served until `extendApp` runs. */
export function createInspector(options: InspectorOptions): Inspector {
  const { config, log } = options;
  const eventLog = new InspectionLog();
  const relay: StatelyRelay | null = config.inspectWsUrl === undefined ? null : createStatelyRelay(config.inspectWsUrl, log, options.relayFactory);
  const inspect = composeInspect(log, {
    'event log': eventLog.record,
    ...(relay === null ? {} : { 'Stately relay': relay.inspect }),
  });
  const hello = { instance: randomUUID(), startedAt: new Date().toISOString() };
  const feeds: LiveFeed[] = [];

  return {
    inspect,
    log: eventLog,
    extendApp(app, service) {
      // Read on use, not now: the service may still be assembling itself when it mounts routes,
      // and its policy actor changes with each leader term.
      const feed = new LiveFeed(
        {
          currentPolicy: () => (service.role() === 'leader' ? service.policy : null),
          leaderEpoch: () => service.leaderEpoch(),
          engines: () => service.engines,
          log: eventLog,
          hello,
        },
        {
          ...(options.clock === undefined ? {} : { clock: options.clock }),
          ...(config.inspectMaxClients === undefined ? {} : { maxClients: config.inspectMaxClients }),
        },
      );
      feeds.push(feed);
      mountInspector(app, {
        feed,
        engines: () => service.engines,
        adminToken: config.adminToken,
        assets: clientAssets(),
        scenarios: scenarioFiles(options.scenarioDir),
        log,
      });
    },
    stop() {
      for (const feed of feeds) feed.close();
      relay?.stop();
    },
  };
}
