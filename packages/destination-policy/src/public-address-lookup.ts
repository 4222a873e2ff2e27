import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { nonPublicRange } from './destination-url.ts';

/** A connection refused because the host resolves to an address webhooks must not reach. */
export class NonPublicAddressError extends Error {
  override readonly name = 'NonPublicAddressError';
  /** Shown with the attempt, like the system error codes (ECONNREFUSED, ...) next to it. */
  readonly code = 'ERR_NON_PUBLIC_ADDRESS';
}

/** Resolves every address of a host name, as `dns.lookup(host, { all: true })` does. */
export type ResolveAll = (
  hostname: string,
  options: LookupAllOptions,
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

/**
 * A `lookup` for `net.connect`/`tls.connect` (undici's `connect` option) that refuses host names
 * resolving to a loopback, private, link-local or metadata address. The addresses it checks are
 * the ones the socket then connects to, so DNS cannot answer differently between the check and
 * the connection (no time-of-check to time-of-use gap, no DNS rebinding).
 */
export function publicAddressLookup(resolveAll: ResolveAll = dnsLookup as ResolveAll): LookupFunction {
  return (hostname: string, options: LookupOptions, callback) => {
    resolveAll(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) {
        callback(error, '', 0);
        return;
      }
      const refused = addresses
        .map((entry) => ({ address: entry.address, range: nonPublicRange(entry.address) }))
        .find((entry) => entry.range !== null);
      if (refused || addresses.length === 0) {
        const reason = refused ? `resolves to the non-public address ${refused.address} (${refused.range})` : 'resolves to no address';
        callback(new NonPublicAddressError(`refused: ${hostname} ${reason}`), '', 0);
        return;
      }
      if (options.all) {
        (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, addresses);
      } else {
        callback(null, addresses[0]!.address, addresses[0]!.family);
      }
    });
  };
}

/**
 * Sockets skip `lookup` for IP literals, so a URL naming an address is checked here instead.
 * Returns the reason the host is refused, or null.
 */
export function refuseNonPublicLiteral(hostname: string): string | null {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (!isIP(host)) return null;
  const range = nonPublicRange(host);
  return range ? `refused: ${host} is a non-public address (${range})` : null;
}
