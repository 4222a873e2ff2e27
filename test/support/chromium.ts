/** Debian's chromium package, for the browser tests (scripts/test-prerequisites.sh installs it). Nothing is downloaded. */
export const chromiumPath = '/usr/bin/chromium';

/** Headless, and nothing that would call out to Google's services from a machine without internet. */
export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
