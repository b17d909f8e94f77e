/** Whether a host name or address is this machine's own loopback: one rule for the config and the HTTP guard. */

/**
 * True for `localhost` (and names under it), `127.0.0.0/8`, `::1` and the IPv4-mapped loopback,
 * with or without IPv6 brackets; a trailing port is not part of it.
 */
export function isLoopbackHost(host: string): boolean {
  const name = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  return name === 'localhost' || name.endsWith('.localhost') || name === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

/** The host part of a `Host` header (`example.com:8001`, `[::1]:8001`, `127.0.0.1`). */
export function hostOfHeader(header: string): string {
  const trimmed = header.trim();
  if (trimmed.startsWith('[')) return trimmed.slice(0, trimmed.indexOf(']') + 1);
  const colon = trimmed.lastIndexOf(':');
  // More than one colon and no brackets: a bare IPv6 address, which has no port.
  return colon === -1 || trimmed.indexOf(':') !== colon ? trimmed : trimmed.slice(0, colon);
}
