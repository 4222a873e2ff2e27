import { AppProcess, type AppName } from '../test/support/app-process.ts';
import { freePort } from '../test/support/free-port.ts';
import { adminRequest, testAdminToken } from '../test/support/leadrelay-system.ts';
import { insertTestPartner } from '../test/support/test-partner.ts';

export interface BenchSystemOptions {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  /** Where the one destination points: the bench's receiver. */
  receiverUrl: string;
  /** Variables added to every app's environment (they win over the bench's). */
  extraEnv?: Record<string, string>;
}

export interface BenchSystem {
  intakeUrl: string;
  /** The bench partner's API key (canonical profile, no effective rate limit). */
  apiKey: string;
  apps: Record<AppName, AppProcess>;
  /** Stops the four apps (the database and Redis keys are the caller's to remove). */
  stop(): Promise<void>;
}

// Far above anything this machine can send in a run: the bench measures throughput, not the
// per-partner limit (1,000 a minute by default), which would otherwise answer 429 at once.
const unlimitedRequestsPerMinute = 1_000_000_000;

/**
 * The four apps as real processes, as `startLeadRelaySystem()` starts them for the tests, but on
 * the bench's own database and key prefix, logging only warnings so logging does not dominate,
 * with one partner and one destination (the receiver) registered.
 */
export async function startBenchSystem(options: BenchSystemOptions): Promise<BenchSystem> {
  const [intakePort, adminPort, workerPort, dispatcherPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const env = {
    NODE_ENV: 'test',
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    QUEUE_PREFIX: options.queuePrefix,
    ADMIN_TOKEN: testAdminToken,
    INTAKE_PORT: String(intakePort),
    ADMIN_PORT: String(adminPort),
    WORKER_HEALTH_PORT: String(workerPort),
    DISPATCHER_HEALTH_PORT: String(dispatcherPort),
    INTAKE_HOST: '127.0.0.1',
    ADMIN_HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ...options.extraEnv,
  };
  const apps: Record<AppName, AppProcess> = {
    intake: new AppProcess('intake', env, intakePort),
    worker: new AppProcess('worker', env, workerPort),
    dispatcher: new AppProcess('dispatcher', env, dispatcherPort),
    admin: new AppProcess('admin', env, adminPort),
  };
  const stop = async () => {
    await Promise.all(Object.values(apps).map((app) => app.stop()));
  };
  try {
    await Promise.all(Object.values(apps).map((app) => app.start({ timeoutMs: 120_000 })));
    const partner = await insertTestPartner(options.databaseUrl, {
      slug: 'bench',
      profile: 'canonical',
      rateLimitPerMinute: unlimitedRequestsPerMinute,
    });
    const destination = await adminRequest(
      { adminUrl: `http://127.0.0.1:${adminPort}` },
      'POST',
      '/v1/destinations',
      { name: 'bench receiver', url: options.receiverUrl, partnerId: 'bench-account' },
    );
    if (destination.status !== 201) throw new Error(`registering the bench destination failed: ${JSON.stringify(destination)}`);
    return { intakeUrl: `http://127.0.0.1:${intakePort}`, apiKey: partner.apiKey, apps, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
