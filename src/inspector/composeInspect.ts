/** Several receivers of the actor's inspection events behind the one `inspect` option. */
import type { InspectionEvent } from 'xstate';
import type { Logger } from '../log.js';

/** A receiver of inspection events. */
export type InspectCallback = (event: InspectionEvent) => void;

/**
 * One callback that hands each event to every receiver in turn. A receiver that throws is logged
 * (once per receiver) and skipped: inspection must never break the failover actor it watches.
 */
export function composeInspect(log: Logger, receivers: Readonly<Record<string, InspectCallback>>): InspectCallback {
  const entries = Object.entries(receivers);
  const failed = new Set<string>();
  return (event) => {
    for (const [name, receive] of entries) {
      try {
        receive(event);
      } catch (error) {
        if (failed.has(name)) continue;
        failed.add(name);
        log.warn({ err: error, receiver: name }, `inspection receiver ${name} failed; its later failures are not logged`);
      }
    }
  };
}
