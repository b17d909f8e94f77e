/** Bearer-token auth for `/admin/*` (contract section 5). */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';

/** Options of `requireBearerToken`. */
export interface BearerTokenOptions {
  /** The token; when undefined, requests pass (loopback-only deployments). */
  readonly token: string | undefined;
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * Answers 401 with a JSON error unless `Authorization: Bearer <token>` matches. Written here rather
 * than hono's bearerAuth because the contract wants 401, not 400, for a malformed header too.
 */
export function requireBearerToken(options: BearerTokenOptions): MiddlewareHandler {
  const expected = options.token === undefined ? undefined : digest(options.token);
  return async function bearerToken(c, next) {
    if (expected === undefined) return next();
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (match === null || !timingSafeEqual(digest(match[1] ?? ''), expected)) {
      c.header('WWW-Authenticate', 'Bearer realm="execution-failover"');
      return c.json({ error: 'missing or wrong admin token: send Authorization: Bearer <ADMIN_TOKEN>' }, 401);
    }
    return next();
  };
}

/**
 * Refuses state-changing requests that a browser sent from another site (a form on any page the
 * operator has open could otherwise post to a loopback service without a token). Browsers say where
 * a request comes from (`Sec-Fetch-Site`, `Origin`); clients that are not browsers send neither and pass.
 */
export function refuseCrossSiteWrites(): MiddlewareHandler {
  return async function crossSiteWrites(c, next) {
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || c.req.method === 'OPTIONS') return next();
    const fetchSite = c.req.header('sec-fetch-site');
    const origin = c.req.header('origin');
    let crossSite = fetchSite === 'cross-site' || fetchSite === 'same-site';
    if (!crossSite && fetchSite === undefined && origin !== undefined) {
      try {
        crossSite = new URL(origin).host !== (c.req.header('host') ?? new URL(c.req.url).host);
      } catch {
        crossSite = true;
      }
    }
    if (crossSite) return c.json({ error: 'cross-site requests may not change anything here' }, 403);
    return next();
  };
}
