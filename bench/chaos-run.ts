import pg from 'pg';
import { adminRequest, testAdminToken } from '../test/support/leadrelay-system.ts';
import { insertTestPartner } from '../test/support/test-partner.ts';
import { waitFor } from '../test/support/wait-for.ts';
import { WebhookReceiver } from '../test/support/webhook-receiver.ts';
import { ChaosFleet } from './chaos-fleet.ts';
import { ChaosTraffic } from './chaos-traffic.ts';
import { judgeChaosRun, type ChaosVerdict } from './chaos-verdict.ts';
import type { ChaosKill } from './chaos-fleet.ts';
import { SeededRandom } from './seeded-random.ts';

export interface ChaosRunOptions {
  /** How long leads are sent. */
  durationMs: number;
  /** Time between two kills; the first comes one interval after the leads start. */
  killIntervalMs: number;
  /** Seeds every random choice (which instance dies, what each sender sends). */
  seed: number;
  databaseUrl: string;
  /** The apps' Redis variables (REDIS_URL, or a cluster's or Sentinel set's: benchRedisEnv). */
  redisEnv: Record<string, string>;
  queuePrefix: string;
  /** How long, after the last lead, everything may take to be stored and delivered. */
  drainTimeoutMs: number;
  /** Concurrent senders (default 4) and their pause between requests (default 10 ms). */
  senderLanes?: number;
  senderPacingMs?: number;
  /** Progress lines (kills, phases); none when absent. */
  log?: (line: string) => void;
}

export interface ChaosRunReport {
  seed: number;
  durationMs: number;
  killIntervalMs: number;
  kills: ChaosKill[];
  /** Requests refused while their intake was down (nothing was sent, nothing is owed). */
  requestsNotSent: number;
  /** Whether everything was stored and delivered within the drain timeout. */
  drained: boolean;
  drainMs: number;
  verdict: ChaosVerdict;
}

/**
 * Settings of every app in the run: a killed worker's or dispatcher's jobs are taken over within
 * seconds rather than the production 30 s, and the outbox sweep looks every second, so a run of a
 * minute sees kills recovered from; none of them changes what is promised.
 */
const chaosAppEnv = {
  LOG_LEVEL: 'warn',
  WORKER_JOB_LOCK_DURATION: '5s',
  WORKER_STALLED_INTERVAL: '2s',
  DISPATCH_STALLED_AFTER: '5s',
  OUTBOX_SWEEP_INTERVAL: '1s',
  DISPATCH_RETRY_SCHEDULE: '1s,1s,1s,2s,2s,5s,5s',
};

/**
 * `pnpm chaos` and its test: two of each of intake, worker and dispatcher on one Redis and one
 * PostgreSQL, leads sent through both intakes for `durationMs`, a random instance SIGKILLed (and
 * started again) every `killIntervalMs`; then, once everything is stored and delivered (or the
 * drain timeout passed), what the answers promised is compared with what was stored and received.
 * `stop()` ends every process of the run, also when `run()` failed.
 */
export class ChaosRun {
  readonly receiver = new WebhookReceiver();
  #fleet: ChaosFleet | undefined;

  constructor(readonly options: ChaosRunOptions) {}

  async run(): Promise<ChaosRunReport> {
    const { options } = this;
    const log = options.log ?? (() => {});
    const random = new SeededRandom(options.seed);
    await this.receiver.start();
    log('starting two intakes, two workers, two dispatchers and an admin');
    this.#fleet = await ChaosFleet.start({
      DATABASE_URL: options.databaseUrl,
      ...options.redisEnv,
      QUEUE_PREFIX: options.queuePrefix,
      ...chaosAppEnv,
    });
    const fleet = this.#fleet;
    const canonical = await insertTestPartner(options.databaseUrl, { slug: 'chaos-canonical', profile: 'canonical', rateLimitPerMinute: 1_000_000_000, changeScope: 'any' });
    const sovendus = await insertTestPartner(options.databaseUrl, { slug: 'chaos-sovendus', profile: 'sovendus', rateLimitPerMinute: 1_000_000_000 });
    const destination = await adminRequest<{ id: string }>({ adminUrl: fleet.adminUrl }, 'POST', '/v1/destinations', {
      name: 'chaos receiver',
      url: this.receiver.url,
      maxConcurrency: 50,
    });
    if (destination.status !== 201) throw new Error(`registering the destination failed: ${JSON.stringify(destination)}`);

    const traffic = new ChaosTraffic({
      intakeUrls: fleet.intakeUrls,
      partners: { canonicalApiKey: canonical.apiKey, sovendusSlug: sovendus.slug, sovendusApiKey: sovendus.apiKey },
      lanes: options.senderLanes ?? 4,
      pacingMs: options.senderPacingMs ?? 10,
      requestTimeoutMs: 15_000,
    });
    log(`sending leads for ${options.durationMs / 1000} s, a kill every ${options.killIntervalMs / 1000} s, seed ${options.seed}`);
    const startedAtMs = Date.now();
    const sending = traffic.run(random.fork(0));
    const killRandom = random.fork(1);
    const endAtMs = startedAtMs + options.durationMs;
    const restarts: Promise<void>[] = [];
    for (let nextKillMs = startedAtMs + options.killIntervalMs; nextKillMs < endAtMs; nextKillMs += options.killIntervalMs) {
      await sleepUntil(nextKillMs);
      // On schedule even while an earlier victim is still starting: it is not a candidate meanwhile.
      const { kill, restarted } = await fleet.killRandomInstance(killRandom);
      log(`killed ${kill.instance} at ${((kill.killedAtMs - startedAtMs) / 1000).toFixed(1)} s`);
      restarts.push(restarted.then(() => log(`${kill.instance} ready again after ${kill.restartedAtMs! - kill.killedAtMs} ms`)));
    }
    await sleepUntil(endAtMs);
    traffic.stop();
    await sending;
    await Promise.all(restarts);

    log(`${traffic.ledger.acknowledged.length} submissions acknowledged; waiting for them to be stored and delivered`);
    const drainStartedAtMs = Date.now();
    const drained = await this.#waitForDrain(options, destination.body.id, traffic, fleet.adminUrl)
      .then(() => true)
      .catch((error: Error) => {
        log(`not drained: ${error.message}`);
        return false;
      });
    const drainMs = Date.now() - drainStartedAtMs;
    const failedLeadJobs = (await queueJobs(fleet.adminUrl)).leads?.failed ?? 0;
    const verdict = await judgeChaosRun({
      databaseUrl: options.databaseUrl,
      destinationId: destination.body.id,
      ledger: traffic.ledger,
      received: this.receiver.received,
      kills: fleet.kills,
      failedLeadJobs,
    });
    return {
      seed: options.seed,
      durationMs: options.durationMs,
      killIntervalMs: options.killIntervalMs,
      kills: fleet.kills,
      requestsNotSent: traffic.ledger.notSent,
      drained,
      drainMs,
      verdict,
    };
  }

  /** Ends every process of the run (idempotent). */
  async stop(): Promise<void> {
    await this.#fleet?.stop();
    await this.receiver.stop();
  }

  /** Every acknowledged lead stored, the leads queue idle, the outbox empty, every event's message received. */
  async #waitForDrain(options: ChaosRunOptions, destinationId: string, traffic: ChaosTraffic, adminUrl: string): Promise<void> {
    const sql = new pg.Client({ connectionString: options.databaseUrl });
    await sql.connect();
    try {
      const acknowledgedIds = [...new Set(traffic.ledger.acknowledged.map((submission) => submission.leadId))];
      let state = '';
      await waitFor(
        async () => {
          const [row] = (
            await sql.query<{ missing: number; outbox: number; pending: number }>(
              `SELECT (SELECT count(*)::int FROM unnest($1::uuid[]) AS a(id)
                        WHERE NOT EXISTS (SELECT 1 FROM leads l WHERE l.id = a.id) AND NOT EXISTS (SELECT 1 FROM lead_aliases s WHERE s.id = a.id)) AS missing,
                      (SELECT count(*)::int FROM outbox_entries) AS outbox,
                      (SELECT count(*)::int FROM pending_submissions) AS pending`,
              [acknowledgedIds],
            )
          ).rows;
          const leadsQueue = (await queueJobs(adminUrl)).leads ?? {};
          state = `acknowledged leads not stored ${row!.missing}, outbox ${row!.outbox}, pending activities ${row!.pending}, leads queue ${JSON.stringify(leadsQueue)}`;
          // Waiting activities are not waited for: those of a lead still to come wait with its job
          // in the queue; those of a stored lead would wait for good (the verdict names them).
          if (row!.missing > 0 || row!.outbox > 0) return false;
          if ((leadsQueue.waiting ?? 0) + (leadsQueue.active ?? 0) + (leadsQueue.delayed ?? 0) + (leadsQueue.prioritized ?? 0) > 0) return false;
          const messageIds = (
            await sql.query<{ message_id: string | null }>(
              'SELECT d.message_id FROM events e LEFT JOIN deliveries d ON d.event_id = e.id AND d.destination_id = $1',
              [destinationId],
            )
          ).rows;
          const arrived = new Set(this.receiver.received.map((request) => request.headers['x-lead-router-message-id']));
          const undelivered = messageIds.filter((row) => row.message_id === null || !arrived.has(row.message_id)).length;
          state = `events not received ${undelivered}`;
          return undelivered === 0;
        },
        { timeoutMs: options.drainTimeoutMs, intervalMs: 500, description: 'every acknowledged lead stored and every event delivered' },
      ).catch((error: Error) => {
        throw new Error(`${error.message}; last seen: ${state}`);
      });
    } finally {
      await sql.end();
    }
  }
}

/** Jobs per state of each queue, from the admin's `/v1/stats`. */
async function queueJobs(adminUrl: string): Promise<Record<string, Record<string, number>>> {
  const stats = await adminRequest<{ queues: Record<string, { jobs: Record<string, number> }> }>({ adminUrl }, 'GET', '/v1/stats', undefined, { token: testAdminToken });
  if (stats.status !== 200) throw new Error(`GET /v1/stats answered ${stats.status}`);
  return Object.fromEntries(Object.entries(stats.body.queues).map(([name, queue]) => [name, queue.jobs]));
}

function sleepUntil(atMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, atMs - Date.now())));
}
