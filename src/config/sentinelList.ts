/**
 * REDIS_SENTINELS (contract section 10): `host:port,host:port,…`, an IPv6 address in brackets
 * (`[::1]:26379`). Its own module so that the configuration stays one table of variables.
 */
import { isIPv6 } from 'node:net';
import { z } from 'zod';

/** A Sentinel to ask for the Redis primary; an IPv6 host without its brackets. */
export interface SentinelAddress {
  readonly host: string;
  readonly port: number;
}

const SENTINELS_ACCEPTED = 'a comma-separated list of host:port such as 10.0.0.5:26379,[::1]:26379, each port from 1 to 65535';

/** One `host:port` of REDIS_SENTINELS, or why not. */
function parseSentinel(entry: string): SentinelAddress | string {
  const match = /^(?:\[([^\]]*)\]|([A-Za-z0-9._-]+)):(\d+)$/.exec(entry);
  if (match === null) {
    if (entry.includes('://')) return `"${entry}" is a URL, not host:port`;
    const bareIpv6 = !entry.startsWith('[') && entry.indexOf(':') !== entry.lastIndexOf(':');
    return bareIpv6 ? `"${entry}" is no host:port (an IPv6 address goes in brackets, such as [::1]:26379)` : `"${entry}" is no host:port`;
  }
  const [, ipv6, name, portText] = match;
  const port = Number(portText);
  if (port < 1 || port > 65535) return `"${entry}" has port ${portText}, not from 1 to 65535`;
  if (ipv6 === undefined) return { host: name, port };
  return isIPv6(ipv6) ? { host: ipv6, port } : `"${entry}" has no IPv6 address in its brackets`;
}

/** Parses REDIS_SENTINELS; blank is an empty list (one Redis at REDIS_URL). */
export const sentinelList = z
  .string()
  .trim()
  .transform((value, context) => {
    // Blank means unset: one Redis at REDIS_URL.
    if (value === '') return Object.freeze<SentinelAddress[]>([]);
    const sentinels: SentinelAddress[] = [];
    for (const [index, raw] of value.split(',').entries()) {
      const entry = raw.trim();
      const parsed = entry === '' ? `entry ${index + 1} is empty` : parseSentinel(entry);
      if (typeof parsed === 'string') {
        context.addIssue({ code: 'custom', message: `${SENTINELS_ACCEPTED} (${parsed})` });
        return z.NEVER;
      }
      sentinels.push(Object.freeze(parsed));
    }
    return Object.freeze(sentinels);
  });
