import { createServer, type Server } from 'node:http';
import type { LookupAddress } from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { publicAddressLookup, refuseNonPublicLiteral, type ResolveAll } from './public-address-lookup.ts';

/** A resolver answering from a fixed table, standing in for DNS that changes its answers. */
function fixedResolver(table: Record<string, LookupAddress[]>): ResolveAll {
  return (hostname, _options, callback) => {
    const addresses = table[hostname];
    if (!addresses) callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
    else callback(null, addresses);
  };
}

function lookupOnce(resolveAll: ResolveAll, hostname: string, all: boolean) {
  return new Promise<{ error: NodeJS.ErrnoException | null; address: unknown; family?: number }>((resolve) => {
    publicAddressLookup(resolveAll)(hostname, { all }, (error, address, family) => resolve({ error, address, family }));
  });
}

describe('publicAddressLookup', () => {
  const resolver = fixedResolver({
    'crm.example': [{ address: '93.184.216.34', family: 4 }],
    'rebound.example': [{ address: '127.0.0.1', family: 4 }],
    'mixed.example': [
      { address: '93.184.216.34', family: 4 },
      { address: '169.254.169.254', family: 4 },
    ],
  });

  it('passes public addresses through, in both lookup forms', async () => {
    expect(await lookupOnce(resolver, 'crm.example', false)).toEqual({ error: null, address: '93.184.216.34', family: 4 });
    expect(await lookupOnce(resolver, 'crm.example', true)).toMatchObject({ error: null, address: [{ address: '93.184.216.34', family: 4 }] });
  });

  it('refuses a host when any of its addresses is loopback, private, link-local or metadata', async () => {
    for (const host of ['rebound.example', 'mixed.example']) {
      const { error } = await lookupOnce(resolver, host, true);
      expect(error).toMatchObject({ name: 'NonPublicAddressError', code: 'ERR_NON_PUBLIC_ADDRESS' });
    }
  });

  // A name may resolve to an address that reaches the machine only through an embedding
  // (NAT64, 6to4, IPv4-mapped or -compatible) or a special IPv4 range; DNS prints ::/96 dotted.
  it.each([
    ['::127.0.0.1', 6],
    ['::8.8.8.8', 6],
    ['64:ff9b::7f00:1', 6],
    ['::ffff:0:7f00:1', 6],
    ['2002:7f00:1::1', 6],
    ['192.0.0.8', 4],
    ['198.18.0.1', 4],
    ['100.64.0.1', 4],
  ])('refuses a host resolving to %s at connection time', async (address, family) => {
    const { error } = await lookupOnce(fixedResolver({ 'sneaky.example': [{ address, family }] }), 'sneaky.example', false);
    expect(error).toMatchObject({ name: 'NonPublicAddressError', message: expect.stringContaining(`non-public address ${address}`) });
  });

  it('passes resolver errors on unchanged', async () => {
    const { error } = await lookupOnce(resolver, 'nowhere.example', false);
    expect(error).toMatchObject({ code: 'ENOTFOUND' });
  });

  it('refuses IP literals that are not public, which sockets never look up', () => {
    expect(refuseNonPublicLiteral('127.0.0.1')).toMatch(/non-public/);
    expect(refuseNonPublicLiteral('[::1]')).toMatch(/non-public/);
    // URL host names as WHATWG URL writes them for the literals in issue 13's list.
    for (const url of ['http://[::127.0.0.1]', 'http://[64:ff9b::127.0.0.1]', 'http://[::ffff:0:127.0.0.1]', 'http://[2002:7f00:1::1]', 'http://192.0.0.8']) {
      expect(refuseNonPublicLiteral(new URL(url).hostname), url).toMatch(/non-public/);
    }
    expect(refuseNonPublicLiteral('[2001:4860:4860::8888]')).toBeNull();
    expect(refuseNonPublicLiteral('93.184.216.34')).toBeNull();
    expect(refuseNonPublicLiteral('crm.example')).toBeNull();
  });

  describe('as undici connect option', () => {
    let server: Server;
    let port = 0;
    let requests = 0;

    beforeAll(async () => {
      server = createServer((_request, response) => {
        requests += 1;
        response.end('ok');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as { port: number }).port;
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('never opens a connection to a name that now resolves to loopback', async () => {
      const agent = new Agent({ connect: { lookup: publicAddressLookup(resolver) } });
      try {
        await expect(request(`http://rebound.example:${port}/`, { dispatcher: agent })).rejects.toMatchObject({
          code: 'ERR_NON_PUBLIC_ADDRESS',
        });
        expect(requests).toBe(0);
      } finally {
        await agent.close();
      }
    });
  });
});
