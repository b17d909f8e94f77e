/**
 * Alert delivery: a log line every time, and a POST to `ALERT_WEBHOOK_URL` when set, retried with
 * backoff in the background so that execution never waits for it.
 */
import { sleep, systemClock, type Clock } from './clock.js';
import type { Logger } from './log.js';
import type { Alert } from './policy/alerts.js';

/** Sends alerts without ever blocking or throwing. */
export interface Alerter {
  send(alert: Alert): void;
  /** Waits for deliveries in flight, at most `timeoutMs`. */
  close(timeoutMs?: number): Promise<void>;
}

/** How an alerter delivers. */
export interface AlerterOptions {
  readonly log: Logger;
  readonly webhookUrl?: string | undefined;
  /** Attempts per alert, the first included. */
  readonly attempts?: number;
  /** Delay before the second attempt; doubles after each. */
  readonly backoffMs?: number;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
  /** Times the backoff and the wait of `close`. */
  readonly clock?: Clock;
}

/** An alerter that logs and, with a webhook URL, POSTs `{event, from, to, reason, at, text}`. */
export function createAlerter(options: AlerterOptions): Alerter {
  const { log, webhookUrl, attempts = 5, backoffMs = 500, timeoutMs = 5000 } = options;
  const post = options.fetch ?? fetch;
  const clock = options.clock ?? systemClock;
  const inFlight = new Set<Promise<void>>();

  async function deliver(alert: Alert): Promise<void> {
    if (webhookUrl === undefined) return;
    let delay = backoffMs;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const response = await post(webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(alert),
          signal: AbortSignal.timeout(timeoutMs),
        });
        await response.body?.cancel();
        if (response.ok) return;
        log.warn({ alert: alert.event, attempt, status: response.status }, 'alert webhook answered with an error');
      } catch (error) {
        log.warn({ alert: alert.event, attempt, err: error }, 'alert webhook unreachable');
      }
      if (attempt < attempts) {
        await sleep(clock, delay);
        delay *= 2;
      }
    }
    log.error({ alert }, `alert not delivered to the webhook after ${attempts} attempts`);
  }

  return {
    send(alert) {
      log.warn({ alert }, `ALERT ${alert.event}: ${alert.text}`);
      const delivery = deliver(alert).finally(() => inFlight.delete(delivery));
      inFlight.add(delivery);
    },
    async close(timeout = 2000) {
      if (inFlight.size === 0) return;
      await Promise.race([Promise.allSettled([...inFlight]), sleep(clock, timeout)]);
    },
  };
}
