import type { AppProcess } from '../test/support/app-process.ts';
import type { SystemAppName } from '../test/support/leadrelay-system.ts';
import { adminRequest, startLeadRelayApps } from '../test/support/leadrelay-system.ts';
import { insertTestPartner } from '../test/support/test-partner.ts';

export interface BenchSystemOptions {
  databaseUrl: string;
  /** The apps' Redis variables (benchRedisEnv). */
  redisEnv: Record<string, string>;
  queuePrefix: string;
  /** Where the one destination points: the bench's receiver. */
  receiverUrl: string;
  /** Variables added to every app's environment (they win over the bench's). */
  extraEnv?: Record<string, string>;
  /** Node flags after the apps' own (scripts/app-command.ts), e.g. another `--max-semi-space-size`. */
  extraNodeFlags?: readonly string[];
}

export interface BenchSystem {
  intakeUrl: string;
  /** For registering more destinations (`adminRequest`). */
  adminUrl: string;
  /** The bench partner's API key (canonical profile, no effective rate limit). */
  apiKey: string;
  apps: Record<SystemAppName, AppProcess>;
  /** Stops the four apps (the database and Redis keys are the caller's to remove). */
  stop(): Promise<void>;
}

// Far above anything this machine can send in a run: the bench measures throughput, not the
// per-partner limit (1,000 a minute by default), which would otherwise answer 429 at once.
const unlimitedRequestsPerMinute = 1_000_000_000;

/**
 * The four apps as real processes, started as the tests start them (`startLeadRelayApps()`), but on
 * the bench's own database and key prefix, logging only warnings so logging does not dominate,
 * with one partner and one destination (the receiver) registered.
 */
export async function startBenchSystem(options: BenchSystemOptions): Promise<BenchSystem> {
  const { intakeUrl, adminUrl, apps, stop } = await startLeadRelayApps(
    {
      DATABASE_URL: options.databaseUrl,
      ...options.redisEnv,
      QUEUE_PREFIX: options.queuePrefix,
      LOG_LEVEL: 'warn',
      ...options.extraEnv,
    },
    { startTimeoutMs: 120_000, extraNodeFlags: options.extraNodeFlags ?? [] },
  );
  try {
    const partner = await insertTestPartner(options.databaseUrl, {
      slug: 'bench',
      profile: 'canonical',
      rateLimitPerMinute: unlimitedRequestsPerMinute,
    });
    const destination = await adminRequest({ adminUrl }, 'POST', '/v1/destinations', {
      name: 'bench receiver',
      url: options.receiverUrl,
      // A CRM built for volume. At a destination's default of 10 its slots, not LeadRelay, set the
      // pace of one destination: `bench/dispatch.ts --destination-max-concurrency 10` measures that.
      maxConcurrency: 100,
      partnerId: 'bench-account',
    });
    if (destination.status !== 201) throw new Error(`registering the bench destination failed: ${JSON.stringify(destination)}`);
    return { intakeUrl, adminUrl, apiKey: partner.apiKey, apps, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
