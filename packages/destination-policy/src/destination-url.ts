import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** Why a destination URL is refused; the message is safe to show to an operator. */
export class DestinationUrlRefusedError extends Error {
  override readonly name = 'DestinationUrlRefusedError';
}

// Loopback, private, link-local (cloud metadata lives at 169.254.169.254), CGNAT, unspecified,
// and their IPv6 counterparts: a webhook must never be a way into our own network.
const forbiddenRanges = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  forbiddenRanges.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['fd00:ec2::', 32],
] as const) {
  forbiddenRanges.addSubnet(network, prefix, 'ipv6');
}

/** True for loopback, private, link-local, metadata and other non-public addresses. */
export function isNonPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return forbiddenRanges.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return forbiddenRanges.check(mapped[1]!, 'ipv4');
    return forbiddenRanges.check(address, 'ipv6');
  }
  return true;
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
  const refused = addresses.find(isNonPublicAddress);
  if (refused) {
    throw new DestinationUrlRefusedError(`the host resolves to a non-public address (${refused})`);
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
