/**
 * The bare limit of the dispatcher's HTTP side, run as its own process (as the dispatcher is):
 * POSTs of a lead document through an undici `Pool` configured like `WebhookSender`'s, to the
 * bench's receiver, as fast as it answers. Arguments: url, duration in ms, requests in flight.
 * Prints `{"requestCount", "failedCount", "elapsedMs", "cpuMs"}` and exits.
 */
import { randomUUID } from 'node:crypto';
import { Pool } from 'undici';

const [url, durationMsArgument, inFlightArgument] = process.argv.slice(2);
if (!url || !durationMsArgument || !inFlightArgument) throw new Error('usage: undici-post-load.ts <url> <durationMs> <inFlight>');
const durationMs = Number(durationMsArgument);
const inFlight = Number(inFlightArgument);
// Stops the loops even if the clock check were somehow never reached.
const maxRequests = 10_000_000;

const target = new URL(url);
// WebhookSender's pool settings: 32 keep-alive connections per origin, no pipelining.
const pool = new Pool(target.origin, { connections: 32, pipelining: 1, keepAliveTimeout: 30_000 });
// A seed 003 lead document of the size the dispatcher sends, with headers of the same shape.
const body = JSON.stringify({
  action: 'created',
  id: 'bare-undici-limit',
  partner_id: 'account-42',
  source: 'bench',
  site_uuid: randomUUID(),
  site_domain: 'partners.example',
  site_login_url: 'https://partners.example/leads/bare-undici-limit',
  email: 'bench-limit@leads.example',
  first_name: 'Jane',
  last_name: 'Doe',
  role: 'Buyer',
  phone: '+12122000000',
  activities: [{ type: 'visited', description: 'Signed up on the landing page', source: 'bench', created: new Date().toISOString() }],
  created: new Date().toISOString(),
});
const headers = {
  'content-type': 'application/json',
  'user-agent': 'LeadRelay-LeadRouter/1.0',
  'x-lead-router-message-id': randomUUID(),
  'x-lead-router-signature': 'f'.repeat(64),
};

const cpuAtStart = process.cpuUsage();
let requestCount = 0;
let failedCount = 0;
const startedMs = performance.now();
const deadlineMs = startedMs + durationMs;
const loop = async () => {
  while (performance.now() < deadlineMs && requestCount + failedCount < maxRequests) {
    const response = await pool.request({ method: 'POST', path: `${target.pathname}${target.search}`, headers, body });
    await response.body.text();
    if (response.statusCode >= 200 && response.statusCode < 300) requestCount += 1;
    else failedCount += 1;
  }
};
await Promise.all(Array.from({ length: inFlight }, loop));
const elapsedMs = performance.now() - startedMs;
const cpuUsed = process.cpuUsage(cpuAtStart);
const cpuMs = (cpuUsed.user + cpuUsed.system) / 1000;
await pool.close();
process.stdout.write(`${JSON.stringify({ requestCount, failedCount, elapsedMs, cpuMs })}\n`);
