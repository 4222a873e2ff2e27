import { describe, expect, it } from 'vitest';
import { assertDestinationUrlAllowed, isNonPublicAddress, nonPublicRange } from './destination-url.ts';

describe('assertDestinationUrlAllowed', () => {
  const production = { allowPrivate: false };

  it('refuses URLs that are not absolute http(s) without credentials', async () => {
    for (const url of ['not a url', 'ftp://crm.example/leads', 'file:///etc/passwd', 'https://user:pass@crm.example/leads']) {
      await expect(assertDestinationUrlAllowed(url, { allowPrivate: true })).rejects.toMatchObject({ name: 'DestinationUrlRefusedError' });
    }
  });

  it('refuses loopback, private, link-local and metadata addresses in production', async () => {
    for (const url of [
      'http://127.0.0.1:3000/hooks',
      'http://localhost/hooks',
      'http://10.1.2.3/hooks',
      'http://192.168.0.10/hooks',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]/hooks',
      'http://[fd00::1]/hooks',
      'http://[::ffff:127.0.0.1]/hooks',
    ]) {
      await expect(assertDestinationUrlAllowed(url, production), url).rejects.toMatchObject({ name: 'DestinationUrlRefusedError' });
    }
  });

  it('accepts public addresses, and private ones where they are allowed', async () => {
    await expect(assertDestinationUrlAllowed('https://93.184.216.34/hooks', production)).resolves.toBeUndefined();
    await expect(assertDestinationUrlAllowed('http://127.0.0.1:3000/hooks', { allowPrivate: true })).resolves.toBeUndefined();
  });

  // Every special range, one address each, with the range it must be refused as (null: public).
  const addressTable: [address: string, range: string | null][] = [
    ['8.8.8.8', null],
    ['93.184.216.34', null],
    ['1.1.1.1', null],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['169.254.169.254', 'linkLocal'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['100.127.255.254', 'carrierGradeNat'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.254', 'private'],
    ['192.168.0.10', 'private'],
    ['192.0.0.8', 'reserved'],
    ['192.0.0.170', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['192.88.99.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['198.19.255.254', 'reserved'],
    ['198.51.100.1', 'reserved'],
    ['203.0.113.1', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['192.175.48.1', 'as112'],
    ['192.31.196.1', 'as112'],
    ['192.52.193.1', 'amt'],
    ['2001:4860:4860::8888', null],
    ['2606:4700:4700::1111', null],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fe80::1', 'linkLocal'],
    ['fe80::1%eth0', 'linkLocal'],
    ['::ffff:808:808', null],
    ['::808:808', 'ipv4Compatible'],
    ['ff02::1', 'multicast'],
    ['fc00::1', 'uniqueLocal'],
    ['fd00::1', 'uniqueLocal'],
    ['fd00:ec2::254', 'uniqueLocal'],
    ['fec0::1', 'deprecatedSiteLocal'],
    ['100::1', 'discard'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:192.0.0.8', 'reserved'],
    ['::ffff:8.8.8.8', null],
    ['::ffff:0:127.0.0.1', 'rfc6145'],
    ['::ffff:0:8.8.8.8', 'rfc6145'],
    ['64:ff9b::127.0.0.1', 'rfc6052'],
    ['64:ff9b::8.8.8.8', 'rfc6052'],
    ['64:ff9b:1::1', 'rfc6052'],
    ['2002:7f00:1::1', '6to4'],
    ['2002:808:808::1', '6to4'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'teredo'],
    ['2001:2::1', 'benchmarking'],
    ['2001:3::1', 'amt'],
    ['2001:4:112::1', 'as112v6'],
    ['2620:4f:8000::1', 'as112v6'],
    ['2001:10::1', 'deprecatedOrchid'],
    ['2001:20::1', 'orchid2'],
    ['2001:30::1', 'droneRemoteIdProtocolEntityTags'],
    ['2001:db8::1', 'reserved'],
    ['2001:100::1', 'reserved'],
    ['3fff::1', 'reserved'],
    ['5f00::1', 'segmentRouting'],
    ['::127.0.0.1', 'ipv4Compatible'],
    ['::8.8.8.8', 'ipv4Compatible'],
    ['4000::1', 'notGlobalUnicast'],
    ['e000::1', 'notGlobalUnicast'],
    ['not-an-address', 'not an IP address'],
    ['0x7f.1', 'not an IP address'],
  ];

  it.each(addressTable)('classifies %s as %s', (address, range) => {
    expect(nonPublicRange(address)).toBe(range);
    expect(isNonPublicAddress(address)).toBe(range !== null);
  });

  it('refuses URLs naming an address that reaches the machine through an embedding or a special IPv4 range', async () => {
    for (const url of [
      'http://[::127.0.0.1]/hooks',
      'http://[64:ff9b::127.0.0.1]/hooks',
      'http://[::ffff:0:127.0.0.1]/hooks',
      'http://[2002:7f00:1::1]/hooks',
      'http://192.0.0.8/hooks',
      'http://198.18.0.1/hooks',
      'http://100.64.0.1/hooks',
      'http://0x7f.1/hooks',
      'http://2130706433/hooks',
    ]) {
      await expect(assertDestinationUrlAllowed(url, production), url).rejects.toMatchObject({
        name: 'DestinationUrlRefusedError',
        message: expect.stringMatching(/non-public address/),
      });
    }
  });
});
