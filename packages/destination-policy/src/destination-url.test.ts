import { describe, expect, it } from 'vitest';
import { assertDestinationUrlAllowed, isNonPublicAddress } from './destination-url.ts';

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

  it('classifies addresses', () => {
    expect(isNonPublicAddress('100.64.0.1')).toBe(true);
    expect(isNonPublicAddress('8.8.8.8')).toBe(false);
    expect(isNonPublicAddress('2001:4860:4860::8888')).toBe(false);
    expect(isNonPublicAddress('not-an-address')).toBe(true);
  });
});
