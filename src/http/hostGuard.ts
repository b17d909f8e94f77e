/**
 * Without `ADMIN_TOKEN`, only requests addressed to a loopback name or address are served (contract
 * section 5): a page on any site could otherwise have the operator's browser reach the service
 * through a DNS name that points at 127.0.0.1 (DNS rebinding), read its status and pause it.
 */
import type { MiddlewareHandler } from 'hono';
import { hostOfHeader, isLoopbackHost } from '../loopback.js';

/** Options of `requireLoopbackHost`. */
export interface LoopbackHostOptions {
  /** False turns the guard off: with `ADMIN_TOKEN` set, the token protects instead. */
  readonly enabled: boolean;
}

/** Answers 403 with a JSON error to a request whose `Host` is not loopback, when enabled. */
export function requireLoopbackHost(options: LoopbackHostOptions): MiddlewareHandler {
  return async function loopbackHost(c, next) {
    if (!options.enabled) return next();
    const host = hostOfHeader(c.req.header('host') ?? new URL(c.req.url).host);
    if (!isLoopbackHost(host)) {
      return c.json(
        { error: `requests for host "${host}" are refused: without ADMIN_TOKEN this service answers only to a loopback address (localhost, 127.0.0.1, ::1)` },
        403,
      );
    }
    return next();
  };
}
