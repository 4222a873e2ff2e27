import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Why a destination URL is refused; the message is safe to show to an operator. */
export class DestinationUrlRefusedError extends Error {
  override readonly name = 'DestinationUrlRefusedError';
}

// What counts as public is ipaddr.js's classification (it follows the IANA special-purpose
// registries), not a list of our own: a webhook must never be a way into our own network, and a
// hand-kept list missed ranges that reach it (192.0.0.0/24, NAT64, 6to4, ...).
// ipaddr.js names every special range and calls the rest 'unicast'. For IPv6 that rest still
// includes space outside 2000::/3, the only space IANA hands out as global unicast; the
// deprecated IPv4-compatible form ::a.b.c.d (::/96) lives there and reaches a.b.c.d on some stacks.
const globalUnicastIpv6 = ipaddr.IPv6.parseCIDR('2000::/3');
const ipv4CompatibleIpv6 = ipaddr.IPv6.parseCIDR('::/96');

/**
 * The name of the special range `address` is in (ipaddr.js's names: 'loopback', 'private',
 * 'rfc6052' for NAT64, '6to4', 'teredo', 'reserved', ...), or null when it is a public, global
 * unicast address. An IPv4-mapped address (::ffff:a.b.c.d) is judged as the IPv4 address it
 * carries. Addresses with an IPv4 address embedded by translation or tunnelling (NAT64, 6to4,
 * teredo, IPv4-compatible) are never public: where they lead depends on the network in between.
 */
export function nonPublicRange(address: string): string | null {
  // node's isIP is strict (dotted decimal, no shorthand); ipaddr.js alone also reads forms
  // like "0x7f.1", which neither DNS answers nor URL host names produce.
  const family = isIP(address);
  if (family === 0) return 'not an IP address';
  const parsed = ipaddr.process(family === 6 ? canonicalIpv6(address) : address);
  const range = parsed.range();
  if (range !== 'unicast') return range;
  if (parsed instanceof ipaddr.IPv6 && !parsed.match(globalUnicastIpv6)) {
    return parsed.match(ipv4CompatibleIpv6) ? 'ipv4Compatible' : 'notGlobalUnicast';
  }
  return null;
}

/**
 * `address` in hexadecimal pieces only, as URL host names carry it. ipaddr.js reads the text
 * "::a.b.c.d" (IPv4-compatible) as "::ffff:a.b.c.d" (IPv4-mapped) and would judge "::8.8.8.8" public,
 * and DNS answers are written that way (inet_ntop prints ::/96 with a dotted tail). The zone
 * (fe80::1%eth0) is dropped: it names an interface, not a different address.
 */
function canonicalIpv6(address: string): string {
  const withoutZone = address.split('%', 1)[0]!;
  return new URL(`http://[${withoutZone}]`).hostname.slice(1, -1);
}

/** True for every address but a public, global unicast one (see `nonPublicRange`). */
export function isNonPublicAddress(address: string): boolean {
  return nonPublicRange(address) !== null;
}

/** Only absolute http(s) URLs without credentials are destinations. */
export function parseDestinationUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DestinationUrlRefusedError('the URL is not a valid absolute URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new DestinationUrlRefusedError('the URL must use http or https');
  }
  if (parsed.username || parsed.password) {
    throw new DestinationUrlRefusedError('the URL must not contain credentials');
  }
  return parsed;
}

/**
 * Checks a destination URL; unless private destinations are allowed, every address its host
 * resolves to must be public. Run at registration and again before each delivery, since DNS can change.
 */
export async function assertDestinationUrlAllowed(url: string, { allowPrivate }: { allowPrivate: boolean }): Promise<void> {
  const parsed = parseDestinationUrl(url);
  if (allowPrivate) return;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : (await resolveAll(host));
  for (const address of addresses) {
    const range = nonPublicRange(address);
    if (range) throw new DestinationUrlRefusedError(`the host resolves to a non-public address (${address}, ${range})`);
  }
}

async function resolveAll(host: string): Promise<string[]> {
  try {
    const results = await lookup(host, { all: true, verbatim: true });
    return results.map((result) => result.address);
  } catch {
    throw new DestinationUrlRefusedError(`the host "${host}" does not resolve`);
  }
}
